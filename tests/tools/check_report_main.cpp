// outcheck_check_report WORKSPACE FILE...: the JSON report `outcheck check --workspace WORKSPACE
// FILE... --json` writes, made by the call the CLI makes (checker::check_command) with nothing else
// linked. scripts/test-threads.sh builds it under ThreadSanitizer, where the whole CLI (server,
// database, publishers) would be minutes more to compile for no more of the reading threads' code,
// and compares its report with the normal build's CLI byte for byte.
#include <filesystem>
#include <iostream>

#include "checker/check_run.h"

using namespace outcheck;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: outcheck_check_report WORKSPACE FILE...\n";
    return 2;
  }
  checker::CheckCommand command;
  command.workspace = argv[1];
  for (int i = 2; i < argc; ++i) command.options.paths.emplace_back(argv[i]);
  command.options.cwd = std::filesystem::current_path();
  auto outcome = checker::check_command(command);
  if (!outcome) {
    std::cerr << "outcheck_check_report: " << outcome.error().message << "\n";
    return 2;
  }
  std::cout << checker::report_to_json_text(outcome->report) << "\n";
  return checker::exit_code_for(outcome->report);
}
