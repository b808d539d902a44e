#pragma once
// What the verified audit chain says happened, replayed without reading any other table: each
// request's state, turn, files (by sha256) and votes, and each user's roles. A release proves its
// approvals from this (issue 15, item 11), and `audit verify` names the tables that disagree with
// it, so editing the SQLite tables without audit.key is never enough to release.
#include <cstdint>
#include <map>
#include <utility>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "db/audit.h"
#include "db/model.h"
#include "db/sqlite.h"

namespace outcheck::db {

struct ChainFile {
  std::string sha256;
  std::string filetype;                       // output, supporting, withdrawn
  std::map<std::string, std::string> votes;   // reviewer -> approved, changes_requested, undecided
};

struct ChainRequest {
  std::string author;
  std::string workspace;
  std::string status;
  std::int64_t turn = 1;
  std::map<std::string, ChainFile> files;
  std::set<std::string> reviews;  // reviewers who submitted their review this turn
  std::map<std::pair<std::string, std::string>, std::int64_t> vote_turns;  // (path, reviewer) -> turn voted
};

struct ChainUser {
  std::set<std::string> roles;
  bool disabled = false;
};

struct ChainState {
  std::map<std::string, ChainRequest> requests;
  std::map<std::string, ChainUser> users;
};

// Fed the verified rows in order (AuditLog::verify's on_row), row by row.
class ChainReplay {
 public:
  void feed(const AuditRow& row);
  const ChainState& state() const { return state_; }

 private:
  ChainState state_;
};

// Problems, one per table that disagrees with the chain: "requests: ...", "votes: ...".
Result<std::vector<std::string>> compare_with_tables(Database& db, const ChainState& chain);

// Why `actor` may not release request `id` by what the chain proves, or "" when it may: the request
// is reviewed (or approved or released, resuming), its state, turn and files are those of the
// tables, the actor is an output checker and not the author, and every output file was approved in
// this turn by two output checkers, neither the author, who submitted their review.
std::string release_disproved(const ChainState& chain, const Request& r, const std::string& actor);

}  // namespace outcheck::db
