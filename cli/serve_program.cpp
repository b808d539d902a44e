// `outcheck serve ...` runs the program outcheck-serve, installed beside outcheck, with the same
// arguments, in this process (exec): its signals, exit code and output are the server's own. The
// server is a program of its own so that the checks do not load its HTTP library
// (web/CMakeLists.txt says what that costs each of them).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/command.h"

namespace outcheck::cli {

namespace {

constexpr const char* kServeProgram = "outcheck-serve";

int run_serve_program(const std::vector<std::string>& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return report_error(io_error(std::string("serve: cannot find this program's own folder: ") + ec.message()));
  const std::string program = (self.parent_path() / kServeProgram).string();
  std::vector<char*> argv;
  std::string name = "outcheck serve";
  argv.push_back(name.data());
  std::vector<std::string> owned = args;
  for (auto& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());
  return report_error(io_error("serve: cannot run the review server " + program + ": " + std::strerror(errno) +
                                     " (it is built and installed beside outcheck)"));
}

}  // namespace

Runner attach_serve_program(CLI::App& sub) {
  // Every word after `serve`, --help included, is the server's to read.
  sub.set_help_flag();
  sub.prefix_command();
  return [&sub] { return run_serve_program(sub.remaining()); };
}

}  // namespace outcheck::cli
