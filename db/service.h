#pragma once
// What happens: the release-request lifecycle. Every operation takes the acting user, checks
// permissions.h, changes state in one immediate transaction with its audit event, and returns a
// value or an error. A refusal (ErrorKind::refused) leaves the request unchanged and is itself
// recorded in the audit log.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "db/home.h"
#include "db/identity.h"
#include "db/model.h"
#include "db/request_store.h"
#include "db/request_view.h"
#include "rules/policy.h"

namespace outcheck::db {

struct AddOptions {
  std::string group = "default";
  std::string filetype = "output";  // or supporting
};

struct AuditFilter {
  std::optional<std::string> request_id;
  std::optional<std::string> user;
  std::optional<std::string> event;  // an action name, or "changes": every action but views (file_view)
  std::optional<std::string> since;  // ISO 8601, inclusive
  std::optional<std::string> until;  // ISO 8601, exclusive
};

struct RequestFilter {
  std::optional<std::string> state;      // a status name
  std::optional<std::string> workspace;  // a workspace name
  std::optional<std::string> author;
  bool needs_my_vote = false;  // submitted or partially reviewed, the caller a checker not the author, no review
                               // of theirs submitted this turn
};

// Lists (interface.md "Lists"): `limit` rows the caller may see, after an opaque cursor.
inline constexpr int kDefaultPageLimit = 50;
inline constexpr int kMaxPageLimit = 500;
struct PageRequest {
  int limit = kDefaultPageLimit;
  std::optional<std::string> cursor;  // from the previous page's `next`
};
template <class Row>
struct Page {
  std::vector<Row> rows;
  std::optional<std::string> next;  // the cursor of the next page, while more remain
};
// A request's row in the list: its head (no files, groups or comments) and its output files' count.
struct RequestSummary {
  Request head;
  std::int64_t output_files = 0;
};
// An audit log row as the viewer may see it (no hash, no visibility: the row is visible).
struct AuditRowView {
  std::int64_t seq = 0;
  std::string at, user, action;
  std::optional<std::string> request, path;
  std::string details;  // JSON text, as the log holds it
};

// The list queries, as Service runs them (keyset pagination, the filters, and for the request list
// the visibility rule's own condition); tests read their EXPLAIN QUERY PLAN. `sees_all`: the viewer
// may see every request (an output checker), or, for the audit log, rows of any request (an output
// checker or an admin); otherwise only rows that can concern them are read.
std::string request_list_sql(const RequestFilter& filter, bool sees_all);
std::string audit_list_sql(const AuditFilter& filter, bool sees_all);
// Cursors: base64url of the last key returned; anything else is refused as invalid input.
std::string encode_cursor(const std::string& key);
Result<std::string> decode_cursor(const std::string& cursor);

// A release record (release/release_record.h) as the service keeps it.
struct ReleaseRecordText {
  std::string text;    // canonical JSON, as written to release-record.json
  std::string sha256;  // of `text`
  AuditHead head;      // the audit head the record names
};
struct StoredReleaseRecord {
  std::string text;
  std::string sha256;
  bool private_items_visible = false;  // the viewer reviews the request: private comments are theirs to see
};
struct PastVote {
  std::string path;
  VoteRecord vote;  // review_turn: the turn it was cast in; updated_at: when
};

// What request add, update or remove did to a request's files (the API's JSON: db/service_json.h).
struct ChangedFile {
  std::string path;
  std::string outcome;  // the check's verdict on the version now held; empty for a removed file
  std::string sha256;   // of that version; empty for a removed file
};
struct FileChanges {
  std::string request;
  std::vector<ChangedFile> changed;    // added, updated or removed
  std::vector<std::string> unchanged;  // named, and already held as they are (add and update)
};

// The site policy: the file as set (a preset is stored as "extends: NAME\n"), and the policy it
// puts in force, every key resolved.
struct ShownPolicy {
  StoredPolicy stored;
  rules::Policy effective;
};

struct WorkspaceMember {
  std::string workspace;
  std::string user;
  std::string granted_by;
  std::string granted_at;
};
struct Membership {
  bool enforced = false;  // whether researchers need a grant to create requests
  std::vector<WorkspaceMember> members;
};

// What one user may do to a request now (Service::actions): each by the check the action itself
// makes, so a page that offers these offers nothing that would be refused for who is asking.
struct RequestActions {
  bool submit = false;
  bool withdraw = false;
  bool edit = false;                // add, update, remove files; set a group's context and controls
  std::vector<std::string> vote;    // the output files the user may vote on
  bool submit_review = false;
  bool return_request = false;      // offered whenever the state allows it; returning a reviewed
                                    // request also needs a public comment per group, which the refusal explains
  bool reject = false;
  bool release = false;
  bool comment = false;
  bool comment_private = false;
};

class Service {
 public:
  Service(Home& home, Clock clock = system_clock()) : home_(home), clock_(std::move(clock)) {}

  // Identity. A missing, unknown or disabled token is refused.
  Result<User> authenticate(const std::optional<std::string>& token);
  Result<bool> has_users();

  // `actor` may be null only while no user exists (the first user bootstraps the site). Returns the
  // new user's token, which is shown once and stored only as a hash.
  Result<std::string> add_user(const User* actor, const std::string& name, const std::vector<std::string>& roles);
  Result<std::vector<User>> list_users(const User& actor);
  Status disable_user(const User& actor, const std::string& name);

  // The site policy, from a policy file's text (a client reads its own file) or, with an empty
  // `content`, a preset's name. Returns what was stored.
  Result<StoredPolicy> set_policy_text(const User& actor, const std::string& name, const std::string& content);
  Result<ShownPolicy> show_policy();

  struct Created {
    std::string id;
    bool existed = false;
  };
  Result<Created> create_request(const User& actor, const std::filesystem::path& workspace,
                                 const std::optional<std::string>& name);
  // Checks every file under the site policy; adds none if any is blocked (the error lists each).
  Result<FileChanges> add_files(const User& actor, const std::string& id, const std::vector<std::string>& paths,
                                const std::filesystem::path& cwd, const AddOptions& options);
  Result<FileChanges> remove_files(const User& actor, const std::string& id, const std::vector<std::string>& paths,
                                   const std::filesystem::path& cwd);
  Result<FileChanges> update_files(const User& actor, const std::string& id, const std::vector<std::string>& paths,
                                   const std::filesystem::path& cwd);
  Status set_group(const User& actor, const std::string& id, const std::string& group, const std::string& context,
                   const std::string& controls);
  Status submit(const User& actor, const std::string& id);
  Status withdraw(const User& actor, const std::string& id);

  Status vote(const User& actor, const std::string& id, const std::string& path, const std::filesystem::path& cwd,
              Vote vote, const std::optional<std::string>& comment, const std::optional<std::string>& override_reason);
  Status comment(const User& actor, const std::string& id, const std::string& group, const std::string& text,
                 bool is_private);
  Result<RequestStatus> submit_review(const User& actor, const std::string& id);
  Status return_request(const User& actor, const std::string& id);
  Status reject(const User& actor, const std::string& id);

  // Publishing, step by step (release/ drives it): the request must be releasable; it becomes
  // approved once the release exists at the target, each uploaded file is recorded, and it becomes
  // released when every output file is up. A stored copy whose bytes no longer match their hash is
  // recorded and stops the release.
  Result<Request> begin_release(const User& actor, const std::string& id);
  Status mark_approved(const User& actor, const std::string& id, const std::string& target);
  Status record_upload(const User& actor, const std::string& id, const std::string& relpath);
  Status record_release_problem(const User& actor, const std::string& id, const std::string& relpath,
                                const std::string& problem);
  // `record`, when given (issue 16): the release record as published. Its sha256 and the audit
  // head it names go into the request_released row; its text into a private release_record row
  // (output checkers only: it holds private comments), from which release_record() serves it.
  Status mark_released(const User& actor, const std::string& id, const ReleaseRecordText* record = nullptr);
  // Every vote cast on the request, from the audit log, in order (a reviewer's later vote in a
  // turn after their earlier one): the release record's votes per review turn.
  Result<std::vector<PastVote>> vote_history(const std::string& id);
  // The record of a released request, as released, for whoever may view the request.
  Result<StoredReleaseRecord> release_record(const User& actor, const std::string& id);
  // One release at a time per request (issue 15): a lock row taken in an immediate transaction,
  // renewed before each file, freed at the end, and expired after kReleaseLockSeconds (or at once
  // when the process holding it on this machine is gone), so a crashed release resumes. A second
  // caller is refused: "a release of this request is in progress". Returns the holder's key.
  static constexpr int kReleaseLockSeconds = 600;
  Result<std::string> take_release_lock(const User& actor, const std::string& id);
  Status renew_release_lock(const std::string& id, const std::string& holder);
  void free_release_lock(const std::string& id, const std::string& holder);
  // Before anything is sent: the audit chain verifies, and what it proves (db/chain.h) allows this
  // release of `r` by `actor`; otherwise refused, and the refusal recorded. `head`: the chain's head.
  Status prove_release(const User& actor, const Request& r, AuditHead* head);

  // Workspace membership (issue 15): researchers create requests only for workspaces they are
  // members of, once the home enforces it (any grant made, or `workspace access members`).
  Status grant_workspace(const User& actor, const std::string& workspace, const std::string& user);
  Status revoke_workspace(const User& actor, const std::string& workspace, const std::string& user);
  Result<Membership> list_workspace_members(const User& actor, const std::optional<std::string>& workspace);
  Status set_workspace_access(const User& actor, const std::string& mode);  // members, open
  Status check_workspace_member(const User& actor, const std::string& workspace);

  // Views, with Airlock's visibility applied for `actor`.
  Result<RequestView> show(const User& actor, const std::string& id);
  // Requests in the order of their ids (ULIDs: creation order, oldest first), so a request never
  // moves between pages. Only requests `actor` may see (check_can_view) count toward the limit.
  Result<Page<RequestSummary>> list(const User& actor, const RequestFilter& filter, const PageRequest& page);
  // Audit rows in seq order; only rows audit_row_visible lets `actor` see count toward the limit.
  // The scan is not bounded: it reads on until `limit` visible rows and one more are found, or the
  // end, so a page is short only when it is the last (and then has no next cursor).
  Result<Page<AuditRowView>> audit_log(const User& actor, const AuditFilter& filter, const PageRequest& page);
  Result<std::vector<std::string>> audit_verify(const User& actor);
  // audit_verify and more: the release manifests in folders anchor the head too, and every table
  // the chain speaks for (requests, files, votes, reviews, users) must agree with it.
  Result<std::vector<std::string>> verify_record(const User& actor);
  Result<AuditHead> audit_head(const User& actor);

  // What `actor` may do to the request now, by the same checks the actions themselves make (the
  // web page offers these and nothing else).
  Result<RequestActions> actions(const User& actor, const std::string& id);

  // A stored file's bytes, for a reviewer or the author to look at. The bytes are hashed again and
  // must still be those checked and reviewed; every view is recorded in the audit log.
  struct FileContents {
    RequestFile file;
    std::string bytes;
  };
  Result<FileContents> read_file(const User& actor, const std::string& id, const std::string& relpath);

  // Records a refusal in the audit log and returns it, so callers can `return refuse(...)`. `path`:
  // the request's file the refused action was about, when there is one.
  Error refuse(const User* actor, const std::string& action, const std::optional<std::string>& request_id,
               const Error& why, const std::optional<std::string>& path = std::nullopt);

  Home& home() { return home_; }
  std::string now() const { return iso_utc(clock_()); }

  // serve --workspaces: every workspace must lie inside this folder (links resolved), checked at
  // every operation. Empty: no such bound (local mode).
  void set_workspaces_root(std::filesystem::path root) { workspaces_root_ = std::move(root); }
  // The request's workspace folder, checked again now: still the very folder it was created from
  // (not moved, removed or replaced by a link) and inside the served folder. Reads nothing in it.
  Result<std::filesystem::path> request_workspace(const Request& r) const;

 private:
  // Runs `change` in one immediate transaction with the request loaded fresh inside it.
  template <class F>
  // `subject`, when given, is set by `change` to the file the action is about once it knows it, so
  // that a refusal's audit row names the file.
  Status in_request_transaction(const User& actor, const std::string& action, const std::string& id, F change,
                                const std::optional<std::string>* subject = nullptr);
  Status append_audit(const AuditEvent& event, AuditHead* head_out);
  Result<Request> require_request(const std::string& id);

  Home& home_;
  Clock clock_;
  std::filesystem::path workspaces_root_;
};

}  // namespace outcheck::db
