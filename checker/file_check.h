#pragma once
// Checks one file: the privacy gate first (where it resolves, how it is declared, links, type,
// size), then its contents in one streaming pass (hash, CSV well-formedness, disclosure rules).
#include <cstddef>

#include "checker/hardlinks.h"
#include "checker/job_manifest.h"
#include "checker/policy_set.h"
#include "checker/report.h"
#include "checker/targets.h"
#include "checker/workspace.h"

namespace outcheck::checker {

struct CheckContext {
  const Workspace& workspace;
  const PolicySet& policies;
  HardLinkIndex& hard_links;
  std::size_t max_findings = 100;
  // job-runner's manifest, holding (at least) the entries of the files checked; null when there is
  // none or the policy says `provenance: off`. `manifest_required`: `provenance: required`, so with
  // no manifest every workspace file is `not_from_job`.
  const JobManifest* manifest = nullptr;
  bool manifest_required = false;
};

// Never fails: a file that cannot be read is itself a finding.
FileReport check_file(const CheckContext& ctx, const Target& target);

// What a file that is not a regular file is, for a message: "a FIFO", "a socket", "a device", ...
std::string file_kind(unsigned mode);

// Opens a file to read it, never blocking: opened non-blocking (a FIFO opens at once rather than
// waiting for a writer), the descriptor fstat'ed, and anything but a regular file refused ("PATH:
// not a regular file: a FIFO"). The descriptor (blocking again, close-on-exec) on success.
Result<int> open_regular_file(const std::filesystem::path& path);

}  // namespace outcheck::checker
