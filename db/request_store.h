#pragma once
// How requests, users and policies are stored: plain reads and writes, no rules. Callers hold the
// transaction.
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "db/model.h"
#include "db/sqlite.h"

namespace outcheck::db {

Result<std::vector<User>> load_users(Database& db);
Status insert_user(Database& db, const User& u, const std::string& token_hash);
Status set_user_disabled(Database& db, const std::string& name, bool disabled);
// The user whose token hashes to `hash`, compared in constant time against every user.
Result<std::optional<User>> user_by_token_hash(Database& db, const std::string& hash);

struct StoredPolicy {
  std::string sha256;
  std::string name;
  std::string content;  // a policy file's YAML text; a preset is stored as "extends: NAME\n"
};
Status store_policy(Database& db, const StoredPolicy& p);
Status set_setting(Database& db, const std::string& key, const std::string& value);
Result<std::optional<std::string>> get_setting(Database& db, const std::string& key);
Result<std::optional<StoredPolicy>> load_policy_by_hash(Database& db, const std::string& sha256);

Result<std::optional<Request>> load_request(Database& db, const std::string& id);
Result<std::vector<std::string>> request_ids(Database& db);
// A request's own columns, in the order request_head() reads them from a row (at `first` on).
inline constexpr const char* kRequestHeadColumns =
    "id, workspace, workspace_path, author, status, review_turn, created_at, updated_at, submitted_at, release_target";
Request request_head(const Stmt& st, int first);
// The requests row alone (no files, votes, reviews or comments): enough for who may see it and
// the audit log's blinding (author, status, review turn).
Result<std::optional<Request>> load_request_head(Database& db, const std::string& id);
Result<std::optional<std::string>> active_request_for(Database& db, const std::string& author, const std::string& workspace);

Status insert_request(Database& db, const Request& r);
Status update_request_status(Database& db, const Request& r);
Status set_uploaded(Database& db, const std::string& request_id, const std::string& relpath, const std::string& at);
Status upsert_group(Database& db, const std::string& request_id, const FileGroup& g);
Status upsert_file(Database& db, const std::string& request_id, const RequestFile& f);
Status delete_file(Database& db, const std::string& request_id, const std::string& relpath);
Status set_filetype(Database& db, const std::string& request_id, const std::string& relpath, const std::string& type);
Status upsert_vote(Database& db, const std::string& request_id, const std::string& relpath, const VoteRecord& v);
Status delete_votes(Database& db, const std::string& request_id, const std::string& relpath);
// On a new turn: changes-requested votes become undecided; approvals carry over (Airlock).
Status reset_changes_requested(Database& db, const std::string& request_id, const std::string& at);
// An early return: this turn's votes are undone.
Status reset_turn_votes(Database& db, const std::string& request_id, std::int64_t turn, const std::string& at);
Status insert_review(Database& db, const std::string& request_id, const std::string& reviewer, std::int64_t turn,
                     const std::string& at);
Status insert_comment(Database& db, const std::string& request_id, const Comment& c);

}  // namespace outcheck::db
