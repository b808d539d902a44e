#include "checker/check_run.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "checker/file_check.h"
#include "checker/job_manifest.h"
#include "checker/policy_file.h"
#include "checker/targets.h"

namespace outcheck::checker {

Result<ProvenanceSource> read_provenance(const Workspace& ws, const rules::Policy& policy,
                                         const std::vector<std::string>& relpaths) {
  ProvenanceSource p;
  if (ws.no_project) {
    p.summary = "none (no workspace, so no job-runner manifest)";
    return p;
  }
  if (policy.provenance == rules::Policy::Provenance::off) {
    p.summary = std::string("off (the policy ignores ") + kJobManifestPath + ")";
    return p;
  }
  p.required = policy.provenance == rules::Policy::Provenance::required;
  const std::unordered_set<std::string> wanted(relpaths.begin(), relpaths.end());
  std::string key;
  auto loaded = load_job_manifest(ws.root, [&](std::string_view path) {
    key.assign(path);
    return wanted.count(key) > 0;
  });
  if (!loaded) return loaded.error();
  p.manifest = std::move(*loaded);
  if (p.manifest) {
    p.summary = std::string(kJobManifestPath) + " (" + std::to_string(p.manifest->outputs) + " outputs recorded)";
  } else if (p.required) {
    p.summary = std::string("no ") + kJobManifestPath + ", and the policy requires one (provenance: required)";
  } else {
    p.summary = std::string("no ") + kJobManifestPath + "; files are judged on their contents alone";
  }
  return p;
}

Result<Report> run_check(const Workspace& ws, const PolicySet& policies, const CheckOptions& options) {
  ScanOptions scan{options.never_enter};
  std::vector<Target> targets;
  if (options.paths.empty()) {
    targets = scan_workspace(ws, scan);
  } else {
    OUTCHECK_ASSIGN_OR_RETURN(auto named, targets_from_args(ws, options.paths, options.cwd, scan));
    targets = std::move(named);
  }

  Report report;
  report.workspace = ws.root.string();
  report.policy = policy_to_json(policies.base->policy());
  report.no_project = ws.no_project;
  report.files.resize(targets.size());

  // job-runner's manifest, read once, keeping only the entries of the files checked.
  std::vector<std::string> inside;
  for (const auto& t : targets) {
    if (t.inside) inside.push_back(t.display);
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto provenance, read_provenance(ws, policies.base->policy(), inside));
  report.provenance = provenance.summary;

  HardLinkIndex links(ws.root);
  CheckContext ctx{ws, policies, links, options.max_findings};
  ctx.manifest = provenance.manifest ? &*provenance.manifest : nullptr;
  ctx.manifest_required = provenance.required;
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, targets.size())));
  std::atomic<std::size_t> next{0};
  // An exception on any thread (an allocation that failed, say) stops the others taking files and
  // is thrown again here, once all have ended, rather than ending the process.
  std::mutex failed_mu;
  std::exception_ptr failed;
  auto work = [&] {
    try {
      for (std::size_t i = next++; i < targets.size(); i = next++) report.files[i] = check_file(ctx, targets[i]);
    } catch (...) {
      next = targets.size();
      std::lock_guard<std::mutex> lock(failed_mu);
      if (!failed) failed = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failed) std::rethrow_exception(failed);
  return report;
}

Result<CheckOutcome> check_command(const CheckCommand& command) {
  Result<Workspace> ws = Error{};
  if (command.no_project) {
    ws = folder_without_project(command.options.cwd);
  } else {
    auto root = command.workspace.empty() ? find_workspace_root(command.options.cwd)
                                          : Result<std::filesystem::path>(std::filesystem::path(command.workspace));
    if (!root) return root.error();
    ws = open_workspace(*root);
  }
  if (!ws) return ws.error();
  OUTCHECK_ASSIGN_OR_RETURN(auto policies, load_policy(command.policy, command.options.cwd));
  OUTCHECK_ASSIGN_OR_RETURN(auto report, run_check(*ws, policies, command.options));
  return CheckOutcome{std::move(report), ws->project.warnings};
}

}  // namespace outcheck::checker
