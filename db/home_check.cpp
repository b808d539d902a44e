#include "db/home_check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <map>
#include <set>

#include "db/home.h"
#include "db/identity.h"
#include "db/release_state.h"
#include "db/request_store.h"
#include "db/service.h"

namespace fs = std::filesystem;

namespace outcheck::db {

namespace {

bool is_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// sha256 -> "REQUEST PATH" of each file recorded with it.
Result<std::map<std::string, std::vector<std::string>>> references(Database& db) {
  std::map<std::string, std::vector<std::string>> out;
  OUTCHECK_ASSIGN_OR_RETURN(auto st,
      db.prepare("SELECT sha256, request_id, relpath FROM request_files ORDER BY request_id, relpath"));
  while (st.step()) out[st.text(0)].push_back(st.text(1) + " " + st.text(2));
  if (st.failed()) return st.error();
  return out;
}

// Every file under store/xx/ named as a sha256 (staging excluded).
std::vector<fs::path> stored_files(const fs::path& store) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator top(store, ec); !ec && top != fs::directory_iterator(); top.increment(ec)) {
    const std::string name = top->path().filename().string();
    if (name.size() != 2 || !top->is_directory()) continue;
    std::error_code e2;
    for (fs::directory_iterator it(top->path(), e2); !e2 && it != fs::directory_iterator(); it.increment(e2)) {
      out.push_back(it->path());
    }
  }
  return out;
}

std::vector<std::string> orphans_of(const fs::path& store, const std::map<std::string, std::vector<std::string>>& refs) {
  std::vector<std::string> out;
  for (const auto& p : stored_files(store)) {
    const std::string name = p.filename().string();
    if (!is_sha256(name) || refs.count(name) == 0) out.push_back(p.string());
  }
  return out;
}

// Temporaries of audit.head and audit.key left by a process killed before its rename or link.
std::vector<fs::path> audit_temporaries(const fs::path& home) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(home, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("audit.head.tmp-", 0) == 0 || name.rfind("audit.key.tmp-", 0) == 0) out.push_back(it->path());
  }
  return out;
}

std::string lines(const std::vector<std::string>& v, std::size_t cap = 20) {
  std::string t;
  for (std::size_t i = 0; i < v.size() && i < cap; ++i) t += "  " + v[i] + "\n";
  if (v.size() > cap) t += "  ... and " + std::to_string(v.size() - cap) + " more\n";
  return t;
}

}  // namespace

bool HomeCheckReport::clean() const {
  bool fixed = repair && repair_refused.empty();
  return integrity == "ok" && store_problems.empty() && audit_problems.empty() && interrupted_releases.empty() &&
         (fixed || (orphans.empty() && leftovers.empty()));
}

nlohmann::json HomeCheckReport::to_json() const {
  return nlohmann::json{{"clean", clean()},
                        {"integrity", integrity},
                        {"store", {{"referenced", referenced}, {"problems", store_problems}}},
                        {"orphans", orphans},
                        {"leftovers", leftovers},
                        {"audit", {{"intact", audit_problems.empty()}, {"rows", audit_rows}, {"problems", audit_problems}}},
                        {"interrupted_releases", interrupted_releases},
                        {"repair", repair},
                        {"removed", removed},
                        {"repair_refused", repair_refused.empty() ? nlohmann::json(nullptr) : nlohmann::json(repair_refused)}};
}

std::string HomeCheckReport::to_text() const {
  std::string t;
  t += "integrity: " + integrity + "\n";
  if (store_problems.empty()) {
    t += "store: " + std::to_string(referenced) + " stored files referenced, each present with its bytes\n";
  } else {
    t += "store: " + std::to_string(store_problems.size()) + " problem(s) with the " + std::to_string(referenced) +
         " stored files referenced:\n" + lines(store_problems);
  }
  t += "orphans: " + (orphans.empty() ? std::string("none\n")
                                      : std::to_string(orphans.size()) + " stored file(s) nothing references\n" + lines(orphans));
  t += "leftovers: " + (leftovers.empty() ? std::string("none\n")
                                          : std::to_string(leftovers.size()) + " left by interrupted processes\n" + lines(leftovers));
  t += "audit: " + (audit_problems.empty() ? "intact (" + std::to_string(audit_rows) + " rows)\n"
                                           : std::string("BROKEN\n") + lines(audit_problems));
  t += "releases interrupted: " + (interrupted_releases.empty() ? std::string("none\n") : "\n" + lines(interrupted_releases));
  if (repair) {
    if (!repair_refused.empty()) t += "repair: " + repair_refused + "\n";
    t += "removed: " + (removed.empty() ? std::string("nothing\n") : std::to_string(removed.size()) + "\n" + lines(removed));
  }
  if (clean()) {
    t += "home check: clean\n";
  } else {
    t += "home check: PROBLEMS";
    if (!repair && (!orphans.empty() || !leftovers.empty())) t += " (--repair removes the orphans and leftovers)";
    t += "\n";
  }
  return t;
}

Result<HomeCheckReport> check_home(const fs::path& dir, bool repair) {
  std::error_code ec;
  if (!fs::exists(dir / "outcheck.db", ec)) {
    return not_found(dir.string() + ": no outcheck home here (no outcheck.db); nothing was checked");
  }
  // A check alone writes nothing.
  OUTCHECK_ASSIGN_OR_RETURN(auto opened, open_home(dir, repair ? Access::read_write : Access::read_only));
  Home& home = *opened;
  HomeCheckReport report;
  report.repair = repair;

  {
    OUTCHECK_ASSIGN_OR_RETURN(auto st, home.db.prepare("PRAGMA integrity_check"));
    std::string all;
    while (st.step()) all += (all.empty() ? "" : "; ") + st.text(0);
    if (st.failed()) return st.error();
    report.integrity = all.empty() ? "no answer" : all;
  }

  OUTCHECK_ASSIGN_OR_RETURN(auto refs, references(home.db));
  report.referenced = refs.size();
  for (const auto& [sha, users] : refs) {
    auto actual = home.store.rehash(sha);
    std::string problem;
    if (!actual) problem = "missing";
    else if (*actual != sha) problem = "holds other bytes (sha256 " + *actual + ")";
    if (!problem.empty()) {
      report.store_problems.push_back(home.store.path_of(sha).string() + " " + problem + ": recorded by " + users.front() +
                                      (users.size() > 1 ? " and " + std::to_string(users.size() - 1) + " more" : ""));
    }
  }
  report.orphans = orphans_of(home.store.root(), refs);
  for (const auto& p : home.store.sweep_staging(false)) report.leftovers.push_back(p.string());
  for (const auto& p : audit_temporaries(dir)) report.leftovers.push_back(p.string());

  {
    Service service(home);
    User operator_user{"home-check", {"admin"}, false, ""};
    OUTCHECK_ASSIGN_OR_RETURN(auto problems, service.verify_record(operator_user));
    report.audit_problems = problems;
    auto head = home.audit.head(home.db);
    if (head) report.audit_rows = head->seq;
  }

  {
    OUTCHECK_ASSIGN_OR_RETURN(auto ids, request_ids(home.db));
    const std::string now = iso_utc(std::chrono::system_clock::now());
    for (const auto& id : ids) {
      OUTCHECK_ASSIGN_OR_RETURN(auto r, load_request(home.db, id));
      if (!r || r->status != RequestStatus::approved) continue;
      OUTCHECK_ASSIGN_OR_RETURN(auto interrupted, release_interruption(home.db, *r, now));
      if (interrupted) report.interrupted_releases.push_back(id + ": " + interrupted->message);
    }
  }

  if (!repair) return report;

  // Leftovers first: staging folders no live process holds, and audit temporaries under the head's lock.
  for (const auto& p : home.store.sweep_staging(true)) report.removed.push_back(p.string());
  {
    int lock = ::open((dir / "audit.head.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0 && ::flock(lock, LOCK_EX) == 0) {
      for (const auto& p : audit_temporaries(dir)) {
        if (::unlink(p.c_str()) == 0) report.removed.push_back(p.string());
      }
    }
    if (lock >= 0) ::close(lock);
  }

  // Orphans: never while a backup copies the home, and only inside BEGIN IMMEDIATE, with the
  // references read again inside it (no add can store and commit a copy meanwhile).
  int maintenance = ::open((dir / "maintenance.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (maintenance < 0 || ::flock(maintenance, LOCK_EX | LOCK_NB) != 0) {
    report.repair_refused = "another process (a backup) holds " + (dir / "maintenance.lock").string() +
                            "; no stored file was removed: run it again once that has finished";
    if (maintenance >= 0) ::close(maintenance);
    return report;
  }
  Status removed_orphans = [&]() -> Status {
    Transaction tx(home.db);
    OUTCHECK_TRY(tx.begin());
    OUTCHECK_ASSIGN_OR_RETURN(auto now_refs, references(home.db));
    for (const auto& p : orphans_of(home.store.root(), now_refs)) {
      if (::unlink(p.c_str()) == 0) report.removed.push_back(p);
    }
    return tx.commit();
  }();
  ::close(maintenance);
  if (!removed_orphans.ok()) return removed_orphans.error();
  return report;
}

}  // namespace outcheck::db
