#pragma once
// A whole `check`: resolve what to check, check each file (across all cores), collect the report.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "checker/job_manifest.h"
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

// `outcheck check` from its arguments: the workspace (the folder holding project.yaml, found upward
// from options.cwd when `workspace` is empty; with `no_project`, options.cwd and no project read),
// the policy (a preset or a YAML file), then run_check. The CLI and the ThreadSanitizer stage's
// report maker (tests/tools/check_report_main.cpp) both call it, so that stage checks the CLI's path.
struct CheckCommand {
  std::string workspace;
  bool no_project = false;
  std::string policy = "opensafely";
  CheckOptions options;
};
struct CheckOutcome {
  Report report;
  std::vector<std::string> project_warnings;  // project.yaml's, each possibly several lines
};
Result<CheckOutcome> check_command(const CheckCommand& command);

// job-runner's manifest as the policy's `provenance` asks, keeping the entries of `relpaths`
// (workspace-relative): what run_check uses, and what any other caller of check_file (request add)
// passes on with `ctx.manifest = p.manifest ? &*p.manifest : nullptr; ctx.manifest_required =
// p.required;`. `summary` is the text report's "provenance:" line. Errors: a malformed manifest.
struct ProvenanceSource {
  std::optional<JobManifest> manifest;
  bool required = false;
  std::string summary;
};
Result<ProvenanceSource> read_provenance(const Workspace& ws, const rules::Policy& policy,
                                         const std::vector<std::string>& relpaths);

}  // namespace outcheck::checker
