#pragma once
// Whether a request's release was interrupted: approved (the release exists) with fewer than all
// its output files uploaded, and no live release holding its lock (none, expired, or held by a
// process on this machine that is gone). `request show` and the request page say it; a release run
// that finds it records a `release_interrupted` audit row before it resumes.
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "db/model.h"
#include "db/sqlite.h"

namespace outcheck::db {

struct ReleaseInterruption {
  std::size_t at = 0;     // the file it stopped at, 1-based: uploaded + 1
  std::size_t total = 0;  // output files of the request
  std::size_t uploaded = 0;
  std::string target;     // where it was being released (no credentials)
  // "release interrupted at file K of N (U uploaded to TARGET); run `outcheck request release ID` again to finish it"
  std::string message;
  nlohmann::json to_json() const;  // {"at", "of", "uploaded", "target", "message"}
};

// `now`: ISO 8601 UTC, compared with the release lock's expiry. Reads only.
Result<std::optional<ReleaseInterruption>> release_interruption(Database& db, const Request& r, const std::string& now);

// Whether the holder of a release lock ("host:pid:nonce") is a process on this machine that is gone.
bool release_holder_gone(const std::string& holder);

}  // namespace outcheck::db
