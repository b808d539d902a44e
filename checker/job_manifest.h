#pragma once
// job-runner's `metadata/manifest.json` (interface.md "Provenance: job-runner's manifest"): which job
// wrote each output, at which commit, and the sha256 it had then. Read once per run, streamed (a big
// workspace's manifest is tens of MB), keeping only the entries of the files being checked.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace outcheck::checker {

// Where job-runner writes it, relative to the workspace root.
inline constexpr const char* kJobManifestPath = "metadata/manifest.json";

// One `outputs` entry, as job-runner's get_output_metadata writes it (plus the out-of-date flags
// that update_manifest_outputs_and_actions adds). Keys job-runner may leave out are optional.
struct JobProvenance {
  std::string level;         // highly_sensitive, moderately_sensitive, ...
  std::string job_id;
  std::optional<std::string> job_request;
  std::string action;
  std::optional<std::string> repo;
  std::optional<std::string> commit;
  std::optional<std::int64_t> size;
  std::optional<double> timestamp;  // the file's mtime when its job finished (seconds since 1970)
  std::string content_hash;         // sha256, hex
  bool excluded = false;            // job-runner's own level-4 check refused it
  std::optional<std::string> message;
  std::optional<std::int64_t> row_count;
  std::optional<std::int64_t> col_count;
  bool out_of_date_action = false;  // its action is gone from project.yaml
  bool out_of_date_output = false;  // its action no longer writes this file

  // `timestamp` as ISO 8601 UTC ("2024-03-01T12:34:56Z"), or nullopt.
  std::optional<std::string> created_at() const;
};

// The report's `"job"` object: {id, request, action, repo, commit, created_at, row_count, col_count}.
nlohmann::json job_to_json(const JobProvenance& job);

struct JobManifest {
  std::size_t outputs = 0;  // entries in the file, kept or not
  std::unordered_map<std::string, JobProvenance> kept;  // by workspace-relative path

  const JobProvenance* find(const std::string& relpath) const {
    auto it = kept.find(relpath);
    return it == kept.end() ? nullptr : &it->second;
  }
};

// Which entries to keep: true for the workspace-relative paths being checked.
using KeepEntry = std::function<bool(std::string_view relpath)>;

// Reads `root`/metadata/manifest.json: nullopt when there is none. The file is opened as any
// workspace file is (a link that leads outside the workspace, or anything but a regular file, is
// refused, not followed) and parsed in one streaming pass; every entry's types are checked, only the
// kept ones are stored. Errors (exit 2) name the file with line and column, or the entry.
Result<std::optional<JobManifest>> load_job_manifest(const std::filesystem::path& root, const KeepEntry& keep);

// The same, from bytes already in memory (`name` for messages); for tests.
Result<JobManifest> parse_job_manifest(const std::string& name, std::string_view text, const KeepEntry& keep);

}  // namespace outcheck::checker
