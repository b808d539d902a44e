#pragma once
// `outcheck home check [--repair]`: what a killed process, a full disk or a hand in the folder can
// leave in a home, found and (with repair) cleaned:
// - the database's PRAGMA integrity_check;
// - store references: every file a request records has its stored copy, holding those bytes;
// - orphans: stored files nothing references (a process killed between storing a copy and
//   committing the transaction that points at it);
// - staging leftovers: copies in store/staging that no live process holds, and temporaries of
//   audit.head or audit.key left by a process killed before its rename or link;
// - the audit verification (as `audit verify`, release manifests included);
// - releases interrupted part-way (approved, not every output file uploaded, no live release).
// Repair removes orphans and leftovers only. Stored files are deleted inside BEGIN IMMEDIATE (no
// add can commit a copy meanwhile), and never while another process holds home/maintenance.lock
// (a backup takes it, shared or exclusive, for as long as it copies the home).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace outcheck::db {

struct HomeCheckReport {
  std::string integrity = "ok";                  // "ok", or integrity_check's lines
  std::size_t referenced = 0;                    // distinct stored files the requests reference
  std::vector<std::string> store_problems;       // a referenced copy missing or holding other bytes
  std::vector<std::string> orphans;              // store files nothing references (as found)
  std::vector<std::string> leftovers;            // staging and temporary leftovers (as found)
  std::vector<std::string> audit_problems;       // empty when the chain verifies
  std::int64_t audit_rows = 0;
  std::vector<std::string> interrupted_releases; // "REQUEST: release interrupted at file K of N ..."
  bool repair = false;
  std::vector<std::string> removed;              // what repair removed
  std::string repair_refused;                    // why repair removed no stored file, if it did not

  // Nothing wrong remains (after repair: orphans and leftovers removed count as fixed).
  bool clean() const;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

// `dir` must hold outcheck.db (a home is never created by checking it).
Result<HomeCheckReport> check_home(const std::filesystem::path& dir, bool repair);

}  // namespace outcheck::db
