#pragma once
// The append-only audit log. Every action (views and refusals included) is a row; each row carries
// HMAC-SHA-256(key, previous row's hash + its own content). The key lives in `audit.key` in the home
// (mode 0600), never in the database, so whoever can write the database but not read the key cannot
// rewrite history unnoticed. `audit.head` beside it records the newest row, so deleting rows from
// the end shows too; the head is also published with every release as an outside anchor.
#include <cstdint>
#include <filesystem>
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
  std::string hash;
};

struct AuditHead {
  std::int64_t seq = 0;
  std::string hash;
};

class AuditLog {
 public:
  // Reads `home`/audit.key, creating it (0600) on first use.
  static Result<AuditLog> open(const std::filesystem::path& home);

  // Appends inside the caller's transaction; returns the new head.
  Result<AuditHead> append(Database& db, const AuditEvent& event, const std::string& at) const;
  // After the transaction commits: moves audit.head forward (never back).
  void record_head(const AuditHead& head) const;

  // Empty when the chain holds; otherwise each problem, the first broken row named first.
  Result<std::vector<std::string>> verify(Database& db) const;
  Result<AuditHead> head(Database& db) const;

 private:
  AuditLog(std::string key, std::filesystem::path head_file) : key_(std::move(key)), head_file_(std::move(head_file)) {}
  std::string row_hash(std::int64_t seq, const std::string& at, const AuditEvent& e, const std::string& details,
                       const std::string& prev) const;

  std::string key_;
  std::filesystem::path head_file_;
};

inline constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace outcheck::db
