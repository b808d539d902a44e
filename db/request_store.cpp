#include "db/request_store.h"

#include <sstream>

#include "db/identity.h"

namespace outcheck::db {

namespace {

std::set<std::string> split_roles(const std::string& s) {
  std::set<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.insert(item);
  }
  return out;
}

std::string join_roles(const std::set<std::string>& roles) {
  std::string s;
  for (const auto& r : roles) s += (s.empty() ? "" : ",") + r;
  return s;
}

#define PREPARE(var, sql) OUTCHECK_ASSIGN_OR_RETURN(auto var, db.prepare(sql))

}  // namespace

Result<std::vector<User>> load_users(Database& db) {
  PREPARE(st, "SELECT name, roles, disabled, created_at FROM users ORDER BY name");
  std::vector<User> users;
  while (st.step()) users.push_back({st.text(0), split_roles(st.text(1)), st.integer(2) != 0, st.text(3)});
  if (st.failed()) return st.error();
  return users;
}

Status insert_user(Database& db, const User& u, const std::string& hash) {
  PREPARE(st, "INSERT INTO users (name, roles, token_hash, disabled, created_at) VALUES (?,?,?,0,?)");
  st.bind(1, u.name).bind(2, join_roles(u.roles)).bind(3, hash).bind(4, u.created_at);
  return st.done();
}

Status set_user_disabled(Database& db, const std::string& name, bool disabled) {
  PREPARE(st, "UPDATE users SET disabled = ? WHERE name = ?");
  st.bind(1, disabled ? 1 : 0).bind(2, name);
  return st.done();
}

Result<std::optional<User>> user_by_token_hash(Database& db, const std::string& hash) {
  PREPARE(st, "SELECT name, roles, disabled, created_at, token_hash FROM users");
  std::optional<User> found;
  while (st.step()) {
    // Every row is compared, match or not, so the time taken does not depend on which user matched.
    if (constant_time_equal(st.text(4), hash) && !found) {
      found = User{st.text(0), split_roles(st.text(1)), st.integer(2) != 0, st.text(3)};
    }
  }
  if (st.failed()) return st.error();
  return found;
}

Status store_policy(Database& db, const StoredPolicy& p) {
  PREPARE(st, "INSERT OR IGNORE INTO policies (sha256, name, content) VALUES (?,?,?)");
  st.bind(1, p.sha256).bind(2, p.name).bind(3, p.content);
  return st.done();
}

Status set_setting(Database& db, const std::string& key, const std::string& value) {
  PREPARE(st, "INSERT INTO settings (key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key).bind(2, value);
  return st.done();
}

Result<std::optional<std::string>> get_setting(Database& db, const std::string& key) {
  PREPARE(st, "SELECT value FROM settings WHERE key = ?");
  st.bind(1, key);
  if (st.step()) return std::optional<std::string>(st.text(0));
  if (st.failed()) return st.error();
  return std::optional<std::string>();
}

Result<std::optional<StoredPolicy>> load_policy_by_hash(Database& db, const std::string& sha256) {
  PREPARE(st, "SELECT sha256, name, content FROM policies WHERE sha256 = ?");
  st.bind(1, sha256);
  if (st.step()) return std::optional<StoredPolicy>(StoredPolicy{st.text(0), st.text(1), st.text(2)});
  if (st.failed()) return st.error();
  return std::optional<StoredPolicy>();
}

Request request_head(const Stmt& st, int first) {
  Request r;
  r.id = st.text(first);
  r.workspace = st.text(first + 1);
  r.workspace_path = st.text(first + 2);
  r.author = st.text(first + 3);
  r.status = status_from_name(st.text(first + 4)).value_or(RequestStatus::pending);
  r.review_turn = st.integer(first + 5);
  r.created_at = st.text(first + 6);
  r.updated_at = st.text(first + 7);
  r.submitted_at = st.opt_text(first + 8);
  r.release_target = st.opt_text(first + 9);
  return r;
}

Result<std::optional<Request>> load_request_head(Database& db, const std::string& id) {
  PREPARE(st, std::string("SELECT ") + kRequestHeadColumns + " FROM requests WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) {
    if (st.failed()) return st.error();
    return std::optional<Request>();
  }
  return std::optional<Request>(request_head(st, 0));
}

Result<std::optional<Request>> load_request(Database& db, const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto head, load_request_head(db, id));
  if (!head) return std::optional<Request>();
  Request r = std::move(*head);

  PREPARE(groups, "SELECT name, context, controls FROM file_groups WHERE request_id = ? ORDER BY name");
  groups.bind(1, id);
  while (groups.step()) r.groups.push_back({groups.text(0), groups.text(1), groups.text(2)});
  if (groups.failed()) return groups.error();

  PREPARE(files, "SELECT relpath, group_name, filetype, sha256, size, mtime, privacy, outcome, report, added_at, "
                 "uploaded_at, device, inode FROM request_files WHERE request_id = ? ORDER BY relpath");
  files.bind(1, id);
  while (files.step()) {
    RequestFile f;
    f.relpath = files.text(0);
    f.group = files.text(1);
    f.filetype = files.text(2);
    f.sha256 = files.text(3);
    f.size = files.integer(4);
    f.mtime = files.text(5);
    f.privacy = files.text(6);
    f.outcome = files.text(7);
    f.report = files.text(8);
    f.added_at = files.text(9);
    f.uploaded_at = files.opt_text(10);
    if (!files.is_null(11)) f.device = files.integer(11);
    if (!files.is_null(12)) f.inode = files.integer(12);
    r.files.push_back(std::move(f));
  }
  if (files.failed()) return files.error();

  PREPARE(votes, "SELECT relpath, reviewer, vote, comment, override, review_turn, updated_at FROM votes "
                 "WHERE request_id = ? ORDER BY reviewer");
  votes.bind(1, id);
  while (votes.step()) {
    std::string relpath = votes.text(0);
    VoteRecord v{votes.text(1), vote_from_name(votes.text(2)).value_or(Vote::undecided), votes.opt_text(3),
                 votes.opt_text(4), votes.integer(5), votes.text(6)};
    for (auto& f : r.files) {
      if (f.relpath == relpath) f.votes.push_back(v);
    }
  }
  if (votes.failed()) return votes.error();

  PREPARE(reviews, "SELECT reviewer, submitted_at FROM submitted_reviews WHERE request_id = ? AND review_turn = ?");
  reviews.bind(1, id).bind(2, r.review_turn);
  while (reviews.step()) r.submitted_reviews[reviews.text(0)] = reviews.text(1);
  if (reviews.failed()) return reviews.error();

  PREPARE(comments, "SELECT id, group_name, author, text, visibility, review_turn, created_at FROM comments "
                    "WHERE request_id = ? ORDER BY id");
  comments.bind(1, id);
  while (comments.step()) {
    r.comments.push_back({comments.integer(0), comments.text(1), comments.text(2), comments.text(3),
                          comments.text(4), comments.integer(5), comments.text(6)});
  }
  if (comments.failed()) return comments.error();
  return std::optional<Request>(std::move(r));
}

Result<std::vector<std::string>> request_ids(Database& db) {
  PREPARE(st, "SELECT id FROM requests ORDER BY id");
  std::vector<std::string> ids;
  while (st.step()) ids.push_back(st.text(0));
  if (st.failed()) return st.error();
  return ids;
}

Result<std::optional<std::string>> active_request_for(Database& db, const std::string& author, const std::string& ws) {
  PREPARE(st, "SELECT id FROM requests WHERE author = ? AND workspace = ? AND status IN "
              "('pending','submitted','partially_reviewed','reviewed','returned') ORDER BY id LIMIT 1");
  st.bind(1, author).bind(2, ws);
  if (st.step()) return std::optional<std::string>(st.text(0));
  if (st.failed()) return st.error();
  return std::optional<std::string>();
}

Status insert_request(Database& db, const Request& r) {
  PREPARE(st, "INSERT INTO requests (id, workspace, workspace_path, author, status, review_turn, created_at, updated_at) "
              "VALUES (?,?,?,?,?,?,?,?)");
  st.bind(1, r.id).bind(2, r.workspace).bind(3, r.workspace_path).bind(4, r.author).bind(5, status_name(r.status));
  st.bind(6, r.review_turn).bind(7, r.created_at).bind(8, r.updated_at);
  return st.done();
}

Status update_request_status(Database& db, const Request& r) {
  PREPARE(st, "UPDATE requests SET status = ?, review_turn = ?, updated_at = ?, submitted_at = ?, release_target = ? "
              "WHERE id = ?");
  st.bind(1, status_name(r.status)).bind(2, r.review_turn).bind(3, r.updated_at).bind(4, r.submitted_at);
  st.bind(5, r.release_target).bind(6, r.id);
  return st.done();
}

Status set_uploaded(Database& db, const std::string& request_id, const std::string& relpath, const std::string& at) {
  PREPARE(st, "UPDATE request_files SET uploaded_at = ? WHERE request_id = ? AND relpath = ?");
  st.bind(1, at).bind(2, request_id).bind(3, relpath);
  return st.done();
}

Status upsert_group(Database& db, const std::string& request_id, const FileGroup& g) {
  PREPARE(st, "INSERT INTO file_groups (request_id, name, context, controls) VALUES (?,?,?,?) "
              "ON CONFLICT(request_id, name) DO UPDATE SET context = excluded.context, controls = excluded.controls");
  st.bind(1, request_id).bind(2, g.name).bind(3, g.context).bind(4, g.controls);
  return st.done();
}

Status upsert_file(Database& db, const std::string& request_id, const RequestFile& f) {
  PREPARE(st, "INSERT INTO request_files (request_id, relpath, group_name, filetype, sha256, size, mtime, privacy, "
              "outcome, report, added_at, device, inode) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
              "ON CONFLICT(request_id, relpath) DO UPDATE SET "
              "group_name = excluded.group_name, filetype = excluded.filetype, sha256 = excluded.sha256, "
              "size = excluded.size, mtime = excluded.mtime, privacy = excluded.privacy, outcome = excluded.outcome, "
              "report = excluded.report, added_at = excluded.added_at, device = excluded.device, inode = excluded.inode");
  st.bind(1, request_id).bind(2, f.relpath).bind(3, f.group).bind(4, f.filetype).bind(5, f.sha256).bind(6, f.size);
  st.bind(7, f.mtime).bind(8, f.privacy).bind(9, f.outcome).bind(10, f.report).bind(11, f.added_at);
  if (f.device) st.bind(12, *f.device); else st.bind_null(12);
  if (f.inode) st.bind(13, *f.inode); else st.bind_null(13);
  return st.done();
}

Status delete_file(Database& db, const std::string& request_id, const std::string& relpath) {
  OUTCHECK_TRY(delete_votes(db, request_id, relpath));
  PREPARE(st, "DELETE FROM request_files WHERE request_id = ? AND relpath = ?");
  st.bind(1, request_id).bind(2, relpath);
  return st.done();
}

Status set_filetype(Database& db, const std::string& request_id, const std::string& relpath, const std::string& type) {
  PREPARE(st, "UPDATE request_files SET filetype = ? WHERE request_id = ? AND relpath = ?");
  st.bind(1, type).bind(2, request_id).bind(3, relpath);
  return st.done();
}

Status upsert_vote(Database& db, const std::string& request_id, const std::string& relpath, const VoteRecord& v) {
  PREPARE(st, "INSERT INTO votes (request_id, relpath, reviewer, vote, comment, override, review_turn, updated_at) "
              "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(request_id, relpath, reviewer) DO UPDATE SET vote = excluded.vote, "
              "comment = excluded.comment, override = excluded.override, review_turn = excluded.review_turn, "
              "updated_at = excluded.updated_at");
  st.bind(1, request_id).bind(2, relpath).bind(3, v.reviewer).bind(4, vote_name(v.vote)).bind(5, v.comment);
  st.bind(6, v.override_reason).bind(7, v.review_turn).bind(8, v.updated_at);
  return st.done();
}

Status delete_votes(Database& db, const std::string& request_id, const std::string& relpath) {
  PREPARE(st, "DELETE FROM votes WHERE request_id = ? AND relpath = ?");
  st.bind(1, request_id).bind(2, relpath);
  return st.done();
}

Status reset_changes_requested(Database& db, const std::string& request_id, const std::string& at) {
  PREPARE(st, "UPDATE votes SET vote = 'undecided', updated_at = ? WHERE request_id = ? AND vote = 'changes_requested'");
  st.bind(1, at).bind(2, request_id);
  return st.done();
}

Status reset_turn_votes(Database& db, const std::string& request_id, std::int64_t turn, const std::string& at) {
  PREPARE(st, "UPDATE votes SET vote = 'undecided', override = NULL, updated_at = ? WHERE request_id = ? AND review_turn = ?");
  st.bind(1, at).bind(2, request_id).bind(3, turn);
  return st.done();
}

Status insert_review(Database& db, const std::string& request_id, const std::string& reviewer, std::int64_t turn,
                     const std::string& at) {
  PREPARE(st, "INSERT INTO submitted_reviews (request_id, reviewer, review_turn, submitted_at) VALUES (?,?,?,?)");
  st.bind(1, request_id).bind(2, reviewer).bind(3, turn).bind(4, at);
  return st.done();
}

Status insert_comment(Database& db, const std::string& request_id, const Comment& c) {
  PREPARE(st, "INSERT INTO comments (request_id, group_name, author, text, visibility, review_turn, created_at) "
              "VALUES (?,?,?,?,?,?,?)");
  st.bind(1, request_id).bind(2, c.group).bind(3, c.author).bind(4, c.text).bind(5, c.visibility);
  st.bind(6, c.review_turn).bind(7, c.created_at);
  return st.done();
}

}  // namespace outcheck::db
