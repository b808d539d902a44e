#pragma once
#include "cli/command.h"

namespace outcheck::cli {

// Parses the command line, runs one subcommand, and returns the process exit code (interface.md).
int outcheck_main(int argc, char** argv);

// Parses the command line into `app` and runs what `parsed` then returns: the exit code, or 2 for
// a command line CLI11 refuses (its message printed) and for anything thrown past the commands.
int parse_and_run(CLI::App& app, int argc, char** argv, const std::function<Runner()>& parsed);

}  // namespace outcheck::cli
