// The program outcheck-serve: `outcheck serve`'s options (cmd_serve.cpp), run by `outcheck serve`
// (serve_program.cpp) or on its own.
#include "cli/command.h"
#include "cli/outcheck_main.h"

int main(int argc, char** argv) {
  using namespace outcheck::cli;
  CLI::App app{"the review server: web pages for reviewers and the JSON API for --server", "outcheck serve"};
  Runner run = attach_serve(app);
  return parse_and_run(app, argc, argv, [&] { return run; });
}
