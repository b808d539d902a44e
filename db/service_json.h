#pragma once
// The JSON each typed result of the service is given as: the API's replies (interface.md) and the
// release record's copy of the site policy. One place, so the server and the record agree.
#include <nlohmann/json.hpp>

#include "db/service.h"

namespace outcheck::db {

// {"request", "<verb>": [{"path", "outcome", "sha256"}], "unchanged": [paths]}, verb "added" or
// "updated"; for "removed" the list holds the paths alone and there is no "unchanged".
nlohmann::json file_changes_json(const FileChanges& changes, const char* verb);
// {"name", "sha256"}: what policy set stored.
nlohmann::json stored_policy_json(const StoredPolicy& policy);
// {"name", "sha256", "content", "effective"}: the site policy and every key it puts in force.
nlohmann::json shown_policy_json(const ShownPolicy& policy);
// {"enforced", "members": [{"workspace", "user", "granted_by", "granted_at"}]}
nlohmann::json membership_json(const Membership& membership);
// {"submit", "withdraw", "edit", "vote": [paths], "submit_review", "return", "reject", "release",
// "comment", "comment_private"}: booleans but for "vote".
nlohmann::json request_actions_json(const RequestActions& actions);
// A request's row in the list: {"id", "workspace", "author", "status", "review_turn", "created_at",
// "updated_at", "submitted_at", "output_files"}.
nlohmann::json request_summary_json(const RequestSummary& row);
// {"seq", "at", "user", "action", "request", "path", "details"}: details as the JSON it holds.
nlohmann::json audit_row_json(const AuditRowView& row);
// A page's rows as a JSON array.
template <class Row>
nlohmann::json rows_json(const Page<Row>& page, nlohmann::json (*row_json)(const Row&)) {
  nlohmann::json out = nlohmann::json::array();
  for (const Row& r : page.rows) out.push_back(row_json(r));
  return out;
}
// The list row's keys, and "workspace_path", "groups", "files" (each with its check's findings,
// finding_counts and job from the stored report), "reviews_submitted", "workspace_problem",
// "release_target", "release_problem", "release_interrupted" (interface.md, `request show --json`).
nlohmann::json request_view_json(const RequestView& view);

}  // namespace outcheck::db
