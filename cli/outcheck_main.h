#pragma once

namespace outcheck::cli {

// Parses the command line, runs one subcommand, and returns the process exit code (interface.md).
int outcheck_main(int argc, char** argv);

}  // namespace outcheck::cli
