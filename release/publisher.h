#pragma once
// Where approved files go. A Publisher is made from the `--to` target by one scheme table (like
// ccache's storage backends): a folder by default, the job-server release API for http(s) URLs.
// Publishers are idempotent: creating a release or sending a file a second time is harmless, so an
// interrupted release is finished by running it again.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace outcheck::release {

struct ReleaseFile {
  std::string name;     // workspace-relative path
  std::int64_t size = 0;
  std::string sha256;   // as reviewed
  std::string date;     // the file's modification time when added, ISO 8601 UTC
  nlohmann::json reviewers = nlohmann::json::array();  // [{reviewer, vote, at, override?}]
};

struct ReleasePlan {
  std::string workspace;
  std::string request_id;
  std::string releasing_user;
  std::string audit_head;
  std::int64_t audit_seq = 0;  // the row audit_head is the hash of; `audit verify` checks the pair
  std::vector<ReleaseFile> files;  // output files only
  // The release record (release_record.h): the folder publisher writes it beside the manifest; a
  // job-server release carries its public copy in the release's metadata.
  nlohmann::json record;
};

struct PublisherOptions {
  std::string ca_file;        // extra CA bundle for https; verification is never switched off
  std::string token;          // OUTCHECK_RELEASE_TOKEN, sent as Authorization; never logged
  int max_attempts = 6;       // per HTTP call, for 5xx, 429 and connection errors
  int backoff_ms = 500;       // first retry delay, doubled each time (with jitter), capped at 30 s
  long timeout_seconds = 300; // one HTTP call
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // A display form of the target, safe for logs (no credentials).
  virtual std::string target() const = 0;
  virtual Status create_release(const ReleasePlan& plan) = 0;
  // `bytes` are the stored copy, already hashed again and found equal to file.sha256.
  virtual Status upload(const ReleasePlan& plan, const ReleaseFile& file, const std::string& bytes) = 0;
  // After every file is up (the folder publisher writes its manifest here).
  virtual Status finish(const ReleasePlan& plan) = 0;
  // Whether a resumed release sends the files already recorded as uploaded again. A folder's copies
  // in its partial release may be lost or altered between runs (a power cut before the folder was
  // synced; anyone who can write there), and taking one again costs a hash when it is in place; a
  // remote API keeps what it received.
  virtual bool resend_on_resume() const { return false; }
  // The canonical text of the record this release published: the plan's, unless the target already
  // holds the release whole from an earlier run (a folder keeps the record it was published with).
  virtual std::string published_record(const ReleasePlan& plan) const;
};

// The options of the process that publishes: OUTCHECK_RELEASE_TOKEN, and the retries for tests and
// unusual sites, OUTCHECK_RELEASE_ATTEMPTS (tries per HTTP call, 1 to 100; default 6) and
// OUTCHECK_RELEASE_BACKOFF_MS (first retry delay, 0 to 60000 ms, doubled each time; default 500).
// Out-of-range values are ignored. Under `outcheck serve` these are the service's, not the client's.
PublisherOptions options_from_environment();

// `to`: a folder, or http(s)://host/api/v2. Bad targets are invalid_input.
Result<std::unique_ptr<Publisher>> make_publisher(const std::string& to, const PublisherOptions& options);

// Implemented by the backends.
std::unique_ptr<Publisher> make_folder_publisher(const std::string& dir);
Result<std::unique_ptr<Publisher>> make_http_publisher(const std::string& url, const PublisherOptions& options);

}  // namespace outcheck::release
