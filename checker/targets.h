#pragma once
// Which files a `check` covers: the paths a user names, or a scan of the workspace's output folders.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "base/result.h"
#include "checker/workspace.h"

namespace outcheck::checker {

struct Target {
  std::string display;            // workspace-relative, or the absolute normalised path outside it
  std::filesystem::path location; // absolute and lexically normal, links not resolved
  bool inside = false;            // display is workspace-relative
  // Release requests check the copy they will store, not the workspace file, so that the bytes
  // checked are the bytes reviewed: `content_from` is that copy, and the file the gate judges must
  // still be the one copied (same device and inode), or it is refused as changed underneath.
  std::filesystem::path content_from;
  std::optional<std::pair<dev_t, ino_t>> expected_file;
  // Judge the path only (where it leads, how it is declared, links, type, size) and read nothing:
  // a release request copies a file into its store only after this gate lets it through.
  bool gate_only = false;
};

struct ScanOptions {
  std::vector<std::filesystem::path> never_enter;  // e.g. the OUTCHECK_HOME folder (canonical)
};

// Every file the project's patterns make reportable: matches of each pattern, plus every other file
// under the folders the patterns live in (root-level patterns add only their own matches). Never
// enters .git/, metadata/, dot-files and dot-folders, or `never_enter`. Sorted, no duplicates.
std::vector<Target> scan_workspace(const Workspace& ws, const ScanOptions& options);

// The files named by `args` (relative to `cwd`): a file as itself, whatever it is; a folder as every
// file under it, with the same exclusions as a scan. A missing path is an error.
Result<std::vector<Target>> targets_from_args(const Workspace& ws, const std::vector<std::string>& args,
                                              const std::filesystem::path& cwd, const ScanOptions& options);

}  // namespace outcheck::checker
