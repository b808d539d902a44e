#pragma once
// The release record (issue 16; interface.md "Publishing"): what was released and why it was
// allowed to leave, as one canonical JSON document (`release-record.json`, schema
// outcheck.release-record/1) and the same for a person (`release-record.html`). Built from the
// request as the database holds it at release, the site policy, the votes of the audit log, and
// the audit head the release is proved at.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/audit.h"
#include "db/model.h"
#include "db/service.h"

namespace outcheck::release {

inline constexpr const char* kReleaseRecordSchema = "outcheck.release-record/1";
inline constexpr const char* kReleaseRecordJson = "release-record.json";
inline constexpr const char* kReleaseRecordHtml = "release-record.html";
inline constexpr const char* kToolName = "outcheck";
inline constexpr const char* kToolVersion = "0.1.0";  // as `outcheck --version` says

struct RecordInputs {
  const db::Request* request = nullptr;
  nlohmann::json policy;              // Service::show_policy(): name, sha256, content, effective
  std::vector<db::PastVote> votes;    // Service::vote_history()
  std::string released_by;
  std::string released_at;
  db::AuditHead head;                 // the chain's head the release was proved at
};

nlohmann::json build_release_record(const RecordInputs& in);

// The canonical text: keys sorted (nlohmann's object is a sorted map), two-space indent, a final
// newline. Its sha256 is the record's hash.
std::string release_record_text(const nlohmann::json& record);

// The copy for people who may not see private items (job-server shows release metadata to the
// project's members): private comments left out. Votes, their comments and override reasons are
// seen by the author once a request is released (db/visibility.h), so they stay.
nlohmann::json public_release_record(const nlohmann::json& record);

// A self-contained HTML page showing the record; every text escaped.
std::string release_record_html(const nlohmann::json& record);

}  // namespace outcheck::release
