#include "db/schema.h"

#include <string>

namespace outcheck::db {

namespace {

// Version 1. Times are ISO 8601 UTC text. The audit log is append-only: triggers refuse UPDATE and
// DELETE, and each row carries a keyed hash over its content and the previous row's hash.
const char* const kVersion1 = R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  roles TEXT NOT NULL,              -- comma-separated: researcher, output-checker, admin
  token_hash TEXT NOT NULL,         -- sha256 of the personal token; the token itself is never stored
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE policies (
  sha256 TEXT PRIMARY KEY,          -- of `content`
  name TEXT NOT NULL,               -- a preset name or the file it came from
  content TEXT NOT NULL             -- the effective policy as JSON
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE requests (
  id TEXT PRIMARY KEY,              -- a ULID
  workspace TEXT NOT NULL,          -- the workspace name
  workspace_path TEXT NOT NULL,     -- its absolute folder
  author TEXT NOT NULL REFERENCES users(name),
  status TEXT NOT NULL,
  review_turn INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  submitted_at TEXT
);
CREATE INDEX requests_by_author ON requests(author, workspace);
CREATE TABLE file_groups (
  request_id TEXT NOT NULL REFERENCES requests(id),
  name TEXT NOT NULL,
  context TEXT NOT NULL DEFAULT '',
  controls TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (request_id, name)
);
CREATE TABLE request_files (
  request_id TEXT NOT NULL REFERENCES requests(id),
  relpath TEXT NOT NULL,
  group_name TEXT NOT NULL,
  filetype TEXT NOT NULL,           -- output, supporting, withdrawn
  sha256 TEXT NOT NULL,             -- of the stored copy, which is what was checked and is reviewed
  size INTEGER NOT NULL,
  mtime TEXT NOT NULL,              -- the workspace file's modification time when added
  privacy TEXT NOT NULL,
  outcome TEXT NOT NULL,            -- pass, review, fail
  report TEXT NOT NULL,             -- the file's JSON report entry
  added_at TEXT NOT NULL,
  PRIMARY KEY (request_id, relpath),
  FOREIGN KEY (request_id, group_name) REFERENCES file_groups(request_id, name)
);
CREATE TABLE votes (
  request_id TEXT NOT NULL,
  relpath TEXT NOT NULL,
  reviewer TEXT NOT NULL REFERENCES users(name),
  vote TEXT NOT NULL,               -- approved, changes_requested, undecided
  comment TEXT,
  override TEXT,                    -- the reason for approving a file with fail findings
  review_turn INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (request_id, relpath, reviewer),
  FOREIGN KEY (request_id, relpath) REFERENCES request_files(request_id, relpath)
);
CREATE TABLE submitted_reviews (
  request_id TEXT NOT NULL REFERENCES requests(id),
  reviewer TEXT NOT NULL REFERENCES users(name),
  review_turn INTEGER NOT NULL,
  submitted_at TEXT NOT NULL,
  PRIMARY KEY (request_id, reviewer, review_turn)
);
CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL,
  group_name TEXT NOT NULL,
  author TEXT NOT NULL REFERENCES users(name),
  text TEXT NOT NULL,
  visibility TEXT NOT NULL,         -- public, private
  review_turn INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  FOREIGN KEY (request_id, group_name) REFERENCES file_groups(request_id, name)
);
CREATE TRIGGER comments_never_change BEFORE UPDATE ON comments
BEGIN SELECT RAISE(ABORT, 'comments are never edited'); END;
CREATE TRIGGER comments_never_go BEFORE DELETE ON comments
BEGIN SELECT RAISE(ABORT, 'comments are never deleted'); END;
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  user TEXT NOT NULL,
  action TEXT NOT NULL,
  request_id TEXT,
  path TEXT,
  details TEXT NOT NULL,            -- JSON
  review_turn INTEGER,
  visibility TEXT NOT NULL,         -- public, private (private: checkers only)
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL                -- HMAC-SHA-256(audit.key, prev_hash and this row's content)
);
CREATE INDEX audit_by_request ON audit_log(request_id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

// Version 2: publishing. Each output file records when it reached the release target, so an
// interrupted release resumes with what is missing.
const char* const kVersion2 = R"sql(
ALTER TABLE request_files ADD COLUMN uploaded_at TEXT;
ALTER TABLE requests ADD COLUMN release_target TEXT;
)sql";

// Version 3: issue 15's promises.
// - Audit rows written from now on hash the exact stored bytes (hash_version 2); older rows keep
//   the hash they were written with (version 1: text fields read as UTF-8, invalid bytes replaced).
// - One release at a time per request: a lock row, taken in an immediate transaction, that expires.
// - Workspace membership: researchers create requests only for workspaces they are members of. A
//   home made before it grants each author the workspaces of the requests they already made.
const char* const kVersion3 = R"sql(
ALTER TABLE audit_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE release_locks (
  request_id TEXT PRIMARY KEY REFERENCES requests(id),
  holder TEXT NOT NULL,             -- host:pid:random of the releasing process
  taken_at TEXT NOT NULL,
  expires_at TEXT NOT NULL          -- renewed before each file is sent
);
CREATE TABLE workspace_members (
  workspace TEXT NOT NULL,          -- the workspace name
  user TEXT NOT NULL REFERENCES users(name),
  granted_by TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  PRIMARY KEY (workspace, user)
);
INSERT OR IGNORE INTO workspace_members (workspace, user, granted_by, granted_at)
  SELECT DISTINCT workspace, author, '(upgrade: author of an earlier request)', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
  FROM requests;
)sql";

// Version 4: a workspace file's identity. The request and file views say a workspace copy changed
// from stat data alone (they never open workspace files); size and modification time miss a file
// replaced by another of the same size and time (a rename over it, a restored backup), so the
// device and inode of the file judged are kept too. Rows from before stay null and compare by size
// and time, as they did.
const char* const kVersion4 = R"sql(
ALTER TABLE request_files ADD COLUMN device INTEGER;
ALTER TABLE request_files ADD COLUMN inode INTEGER;
)sql";

// Version 5: lists are paginated by key (issue 21): requests by id, audit rows by seq, each filter
// an equality (or a range for times) on an indexed column, so a page reads what it shows and not
// the whole table. An index on one column also orders by the rowid, so `user = ? AND seq > ?`
// ORDER BY seq reads audit_by_user alone. (IF NOT EXISTS: a database taken back to an older
// version by hand, as the schema test does, keeps its indexes.)
const char* const kVersion5 = R"sql(
CREATE INDEX IF NOT EXISTS requests_by_status ON requests(status, id);
CREATE INDEX IF NOT EXISTS requests_by_workspace ON requests(workspace, id);
CREATE INDEX IF NOT EXISTS requests_by_author_id ON requests(author, id);
CREATE INDEX IF NOT EXISTS audit_by_user ON audit_log(user);
CREATE INDEX IF NOT EXISTS audit_by_action ON audit_log(action);
CREATE INDEX IF NOT EXISTS audit_by_at ON audit_log(at);
CREATE INDEX IF NOT EXISTS comments_by_request ON comments(request_id, id);
)sql";

}  // namespace

Status migrate(Database& db) {
  OUTCHECK_TRY(db.begin_immediate());
  auto rollback_with = [&](Error e) {
    db.rollback();
    return e;
  };
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return rollback_with(st.error());
  st->step();
  int version = static_cast<int>(st->integer(0));
  if (version > kSchemaVersion) {
    return rollback_with(invalid_input(db.path() + ": the database has schema version " + std::to_string(version) +
                                       ", newer than this outcheck understands (" + std::to_string(kSchemaVersion) +
                                       "); use a newer outcheck"));
  }
  const char* const steps[] = {kVersion1, kVersion2, kVersion3, kVersion4, kVersion5};
  for (int v = version; v < kSchemaVersion; ++v) {
    if (auto s = db.exec(steps[v]); !s.ok()) return rollback_with(s.error());
    if (auto s = db.exec("PRAGMA user_version = " + std::to_string(v + 1)); !s.ok()) return rollback_with(s.error());
  }
  return db.commit();
}

}  // namespace outcheck::db
