#pragma once
// The append-only audit log. Every action (views and refusals included) is a row; each row carries
// HMAC-SHA-256(key, previous row's hash + its own content). The key lives in `audit.key` in the home
// (mode 0600), never in the database, so whoever can write the database but not read the key cannot
// rewrite history unnoticed. `audit.head` beside it records the newest row, so deleting rows from
// the end shows too; `audit.head.log` (append-only) keeps every head written, and the head is also
// published with every release (manifest) as an outside anchor. Rows written by this version hash
// their exact stored bytes (hash_version 2); rows of 0.1.0 keep the hash they were written with.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "db/sqlite.h"

namespace outcheck::db {

struct AuditEvent {
  std::string user;
  std::string action;  // e.g. request_create, file_add, vote, refused
  std::optional<std::string> request_id;
  std::optional<std::string> path;
  nlohmann::json details = nlohmann::json::object();
  std::optional<std::int64_t> review_turn;
  std::string visibility = "public";  // private: seen by output checkers only
};

struct AuditRow {
  std::int64_t seq = 0;
  std::string at;
  AuditEvent event;
  std::string details;  // as stored
  std::string hash;
};

// An outside anchor to check against the chain: "this row had this hash" (a release manifest).
struct AuditAnchor {
  std::string where;  // named in a problem, e.g. "the manifest of release X"
  std::int64_t seq = 0;
  std::string hash;
};

struct AuditHead {
  std::int64_t seq = 0;
  std::string hash;
};

class AuditLog {
 public:
  // Reads `home`/audit.key, creating it (0600) on first use; with Access::read_only a missing key
  // is an error of kind not_found, and nothing is written.
  static Result<AuditLog> open(const std::filesystem::path& home, Access access = Access::read_write);

  // Appends inside the caller's transaction; returns the new head.
  Result<AuditHead> append(Database& db, const AuditEvent& event, const std::string& at) const;
  // After the transaction commits: moves audit.head forward (never back).
  void record_head(const AuditHead& head) const;

  // Empty when the chain holds; otherwise each problem, the first broken row named first. Also
  // checked: audit.head (it must exist once the home has any audit row or request), every line of
  // audit.head.log, and `anchors`. `on_row`, when given, is told every row that verified, in order
  // (streamed: a million rows are never held at once).
  Result<std::vector<std::string>> verify(Database& db, const std::vector<AuditAnchor>& anchors = {},
                                          const std::function<void(const AuditRow&)>& on_row = nullptr) const;
  Result<AuditHead> head(Database& db) const;

 private:
  AuditLog(std::string key, std::filesystem::path dir) : key_(std::move(key)), dir_(std::move(dir)) {}
  std::string row_hash(int version, std::int64_t seq, const std::string& at, const AuditEvent& e,
                       const std::string& details, const std::string& prev) const;

  std::string key_;
  std::filesystem::path dir_;  // the home: audit.head, audit.head.log, audit.head.lock
};

inline constexpr int kAuditHashVersion = 2;
inline constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace outcheck::db
