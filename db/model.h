#pragma once
// The release-request model (Airlock's lifecycle): states, votes, decisions, and the records the
// service reads and writes.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace outcheck::db {

enum class RequestStatus { pending, submitted, partially_reviewed, reviewed, returned, approved, released, rejected, withdrawn };
enum class Phase { author, independent, consolidating, complete };
enum class Vote { approved, changes_requested, undecided };
enum class Decision { incomplete, approved, conflicted, changes_requested };

const char* status_name(RequestStatus s);
std::optional<RequestStatus> status_from_name(const std::string& s);
const char* vote_name(Vote v);
std::optional<Vote> vote_from_name(const std::string& s);
const char* decision_name(Decision d);

Phase phase_of(RequestStatus s);
// Airlock's VALID_STATE_TRANSITIONS.
bool transition_allowed(RequestStatus from, RequestStatus to);
// Neither the author nor a reviewer can change it any more (withdrawn, rejected, released).
bool is_final(RequestStatus s);
// Counts toward "at most one active request per author and workspace".
bool is_active(RequestStatus s);

struct User {
  std::string name;
  std::set<std::string> roles;  // researcher, output-checker, admin
  bool disabled = false;
  std::string created_at;

  bool has(const std::string& role) const { return roles.count(role) != 0; }
  bool is_checker() const { return has("output-checker"); }
  bool is_admin() const { return has("admin"); }
  bool can_author() const { return has("researcher") || has("output-checker"); }
};

struct FileGroup {
  std::string name;
  std::string context;
  std::string controls;
};

struct VoteRecord {
  std::string reviewer;
  Vote vote = Vote::undecided;
  std::optional<std::string> comment;
  std::optional<std::string> override_reason;
  std::int64_t review_turn = 0;
  std::string updated_at;
};

struct RequestFile {
  std::string relpath;
  std::string group;
  std::string filetype;  // output, supporting, withdrawn
  std::string sha256;
  std::int64_t size = 0;
  std::string mtime;
  // The workspace file's device and inode when it was added; absent for rows from before schema 4.
  std::optional<std::int64_t> device;
  std::optional<std::int64_t> inode;
  std::string privacy;
  std::string outcome;  // the checker's: pass, review, fail
  std::string report;   // JSON
  std::string added_at;
  std::optional<std::string> uploaded_at;  // when it reached the release target
  std::vector<VoteRecord> votes;
};

struct Comment {
  std::int64_t id = 0;
  std::string group;
  std::string author;
  std::string text;
  std::string visibility;  // public, private
  std::int64_t review_turn = 0;
  std::string created_at;
};

struct Request {
  std::string id;
  std::string workspace;
  std::string workspace_path;
  std::string author;
  RequestStatus status = RequestStatus::pending;
  std::int64_t review_turn = 1;
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> submitted_at;
  std::optional<std::string> release_target;  // where it is being released (tokens never included)
  std::vector<FileGroup> groups;
  std::vector<RequestFile> files;
  std::vector<Comment> comments;
  std::map<std::string, std::string> submitted_reviews;  // reviewer -> when, this turn

  const RequestFile* file(const std::string& relpath) const;
  const FileGroup* group(const std::string& name) const;
  // Decision from the votes of reviewers who submitted their review this turn (Airlock).
  Decision decision(const RequestFile& f) const;
};

}  // namespace outcheck::db
