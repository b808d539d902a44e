// outcheck_check_report WORKSPACE FILE...: the JSON report `outcheck check --workspace WORKSPACE
// FILE... --json` writes, made by the same calls (checker::run_check) with nothing else linked.
// scripts/test-threads.sh builds it under ThreadSanitizer, where the whole CLI (server, database,
// publishers) would be minutes more to compile for no more of the reading threads' code, and
// compares its report with the normal build's CLI byte for byte.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "checker/check_run.h"
#include "checker/policy_file.h"
#include "checker/workspace.h"

namespace fs = std::filesystem;
using namespace outcheck;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: outcheck_check_report WORKSPACE FILE...\n";
    return 2;
  }
  const fs::path cwd = fs::current_path();
  auto ws = checker::open_workspace(argv[1]);
  if (!ws) {
    std::cerr << "outcheck_check_report: " << ws.error().message << "\n";
    return 2;
  }
  auto policies = checker::load_policy("opensafely", cwd);
  if (!policies) {
    std::cerr << "outcheck_check_report: " << policies.error().message << "\n";
    return 2;
  }
  checker::CheckOptions options;
  for (int i = 2; i < argc; ++i) options.paths.emplace_back(argv[i]);
  options.cwd = cwd;
  auto report = checker::run_check(*ws, *policies, options);
  if (!report) {
    std::cerr << "outcheck_check_report: " << report.error().message << "\n";
    return 2;
  }
  std::cout << checker::report_to_json_text(*report) << "\n";
  return checker::exit_code_for(*report);
}
