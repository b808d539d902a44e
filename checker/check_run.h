#pragma once
// A whole `check`: resolve what to check, check each file (across all cores), collect the report.
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "checker/policy_set.h"
#include "checker/report.h"
#include "checker/workspace.h"

namespace outcheck::checker {

struct CheckOptions {
  std::vector<std::string> paths;  // empty: scan the workspace
  std::filesystem::path cwd;       // what relative paths are relative to
  std::size_t max_findings = 100;
  std::vector<std::filesystem::path> never_enter;  // e.g. OUTCHECK_HOME
  unsigned threads = 0;            // 0: one per core
};

Result<Report> run_check(const Workspace& ws, const PolicySet& policies, const CheckOptions& options);

}  // namespace outcheck::checker
