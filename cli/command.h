#pragma once
// What every subcommand shares: how it reports its output and its errors.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/result.h"

namespace outcheck::cli {

struct OutputOptions {
  std::string format = "text";
  bool json = false;
  std::string output;  // --output FILE: written atomically instead of stdout

  bool is_json() const { return json || format == "json"; }
  void add_to(CLI::App& app);
};

// Writes a command's data to stdout or, with --output, atomically to the file.
Status emit(const OutputOptions& out, const std::string& text);

// Prints `outcheck: <message>` on stderr and returns the exit code of the error's kind.
int report_error(const Error& error);

// A subcommand registers its flags and returns the function that runs it (the exit code).
using Runner = std::function<int()>;
struct Command {
  const char* name;
  const char* help;
  Runner (*attach)(CLI::App& sub);
};

Runner attach_check(CLI::App& sub);
Runner attach_project(CLI::App& sub);
Runner attach_redact(CLI::App& sub);
Runner attach_release(CLI::App& sub);  // cmd_release.cpp: `release verify`
Runner attach_rules(CLI::App& sub);
Runner attach_serve(CLI::App& sub);          // cmd_serve.cpp, in the program outcheck-serve alone
Runner attach_serve_program(CLI::App& sub);  // serve_program.cpp: `outcheck serve` runs outcheck-serve

}  // namespace outcheck::cli
