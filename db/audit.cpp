#include "checker/json_text.h"
#include "db/audit.h"
#include "db/crash_point.h"
#include "db/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace outcheck::db {

namespace fs = std::filesystem;

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(k[p[i] >> 4]);
    s.push_back(k[p[i] & 15]);
  }
  return s;
}

}  // namespace

Result<AuditLog> AuditLog::open(const fs::path& home, Access access) {
  fs::path key_path = home / "audit.key";
  std::string key;
  int fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && access == Access::read_only) {
    return not_found(key_path.string() + ": no audit key yet");
  }
  if (fd < 0 && errno == ENOENT) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return io_error("cannot draw random bytes for the audit key");
    std::string fresh = hex(raw, sizeof raw);
    // Written whole to a temporary, fsynced, then linked to its name: link(2) never replaces an
    // existing key, so when two processes start at once one key wins and both read it, and a kill
    // at any moment leaves no key or a whole one (never an empty or short audit.key).
    std::string tmp = (home / "audit.key.tmp-XXXXXX").string();
    int w = ::mkstemp(tmp.data());
    if (w < 0) return io_failure(tmp, "cannot create the audit key", errno, home);
    ::fchmod(w, 0600);
    int err = write_fully(w, fresh);
    if (err == 0 && ::fsync(w) != 0) err = errno;
    ::close(w);
    if (err == 0 && ::link(tmp.c_str(), key_path.c_str()) != 0 && errno != EEXIST) err = errno;
    ::unlink(tmp.c_str());
    if (err != 0) return io_failure(key_path.string(), "cannot write the audit key", err, home);
    sync_folder(home);
    fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) return io_error(key_path.string() + ": cannot read the audit key: " + std::strerror(errno));
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n < 32) return io_error(key_path.string() + ": the audit key is missing or too short");
  key.assign(buf, static_cast<std::size_t>(n));
  while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
  return AuditLog(key, home);
}

std::string AuditLog::row_hash(int version, std::int64_t seq, const std::string& at, const AuditEvent& e,
                               const std::string& details, const std::string& prev) const {
  std::string msg;
  if (version <= 1) {
    // 0.1.0's canonical form: a JSON array of every column but the hash, in schema order. Text that
    // is not UTF-8 was replaced (U+FFFD) in it, so such rows hash what they read as, not their bytes.
    nlohmann::json canon = nlohmann::json::array(
        {seq, at, e.user, e.action, e.request_id ? nlohmann::json(*e.request_id) : nlohmann::json(nullptr),
         e.path ? nlohmann::json(*e.path) : nlohmann::json(nullptr), details,
         e.review_turn ? nlohmann::json(*e.review_turn) : nlohmann::json(nullptr), e.visibility, prev});
    msg = checker::json_text(canon);
  } else {
    // Version 2: every column but the hash as its exact stored bytes, each with its length (or N
    // for NULL), so no two rows read the same and no byte goes unhashed.
    msg = "outcheck-audit/" + std::to_string(version) + "\n";
    auto field = [&msg](const std::optional<std::string>& v) {
      if (!v) {
        msg += "N\n";
        return;
      }
      msg += std::to_string(v->size()) + ":";
      msg += *v;
      msg += "\n";
    };
    field(std::to_string(seq));
    field(at);
    field(e.user);
    field(e.action);
    field(e.request_id);
    field(e.path);
    field(details);
    field(e.review_turn ? std::optional(std::to_string(*e.review_turn)) : std::nullopt);
    field(e.visibility);
    field(prev);
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fetched once: EVP_sha256() makes every call look the algorithm up again under a lock, which
  // dominated `audit verify` over a million rows. The digest is the same.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  HMAC(sha256, key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out, &len);
  return hex(out, len);
}

Result<AuditHead> AuditLog::head(Database& db) const {
  OUTCHECK_ASSIGN_OR_RETURN(auto st, db.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  if (!st.step()) {
    if (st.failed()) return st.error();
    return AuditHead{0, kGenesisHash};
  }
  return AuditHead{st.integer(0), st.text(1)};
}

Result<AuditHead> AuditLog::append(Database& db, const AuditEvent& e, const std::string& at) const {
  OUTCHECK_ASSIGN_OR_RETURN(auto prev, head(db));
  std::int64_t seq = prev.seq + 1;
  std::string details = checker::json_text(e.details);
  std::string hash = row_hash(kAuditHashVersion, seq, at, e, details, prev.hash);
  OUTCHECK_ASSIGN_OR_RETURN(auto st, db.prepare(
      "INSERT INTO audit_log (seq, at, user, action, request_id, path, details, review_turn, visibility, prev_hash, hash,"
      " hash_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
  st.bind(1, seq).bind(2, at).bind(3, e.user).bind(4, e.action).bind(5, e.request_id).bind(6, e.path).bind(7, details);
  if (e.review_turn) st.bind(8, *e.review_turn);
  else st.bind_null(8);
  st.bind(9, e.visibility).bind(10, prev.hash).bind(11, hash).bind(12, static_cast<std::int64_t>(kAuditHashVersion));
  OUTCHECK_TRY(st.done());
  return AuditHead{seq, hash};
}

namespace {

// "SEQ HASH" as audit.head and each line of audit.head.log hold it.
bool parse_head_line(const std::string& line, AuditHead& out) {
  std::istringstream in(line);
  std::int64_t seq = 0;
  std::string hash;
  if (!(in >> seq >> hash) || seq < 1 || hash.size() != 64) return false;
  out = AuditHead{seq, hash};
  return true;
}

}  // namespace

void AuditLog::record_head(const AuditHead& h) const {
  // Locks are taken on a file of their own (audit.head.lock), never on one that is renamed over.
  int lock = ::open((dir_ / "audit.head.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) return;
  ::flock(lock, LOCK_EX);
  const std::string line = std::to_string(h.seq) + " " + h.hash + "\n";
  // Temporaries of a writer killed before its rename: under the lock, none is anyone's now.
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().rfind("audit.head.tmp-", 0) == 0) ::unlink(it->path().c_str());
  }
  // Every head written, appended: a second anchor that rewriting the database cannot reach.
  int log = ::open((dir_ / "audit.head.log").c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (log >= 0) {
    // A line torn by a kill or a power cut mid-append is cut off first (under the lock), so the
    // next line starts on a line of its own instead of being glued to the torn one.
    struct stat st;
    if (::fstat(log, &st) == 0 && st.st_size > 0) {
      char last = '\n';
      if (::pread(log, &last, 1, st.st_size - 1) == 1 && last != '\n') {
        off_t keep = st.st_size - 1;
        while (keep > 0) {
          char c = 0;
          if (::pread(log, &c, 1, keep - 1) != 1 || c == '\n') break;
          --keep;
        }
        if (::ftruncate(log, keep) != 0) {
          ::close(log);
          log = -1;
        }
      }
    }
    if (log >= 0) {
      if (write_fully(log, line) == 0) ::fsync(log);
      ::close(log);
    }
  }
  AuditHead current;
  {
    std::ifstream in(dir_ / "audit.head");
    std::string text;
    std::getline(in, text);
    if (!parse_head_line(text, current)) current = AuditHead{0, ""};
  }
  if (h.seq > current.seq) {
    // A temporary, fsynced, renamed over audit.head, and the folder fsynced: a kill or a power cut
    // at any moment leaves the old head or the new one, never an empty file.
    std::string tmp = (dir_ / "audit.head.tmp-XXXXXX").string();
    int fd = ::mkstemp(tmp.data());
    if (fd >= 0) {
      ::fchmod(fd, 0600);
      bool ok = write_fully(fd, line) == 0 && ::fsync(fd) == 0;
      ::close(fd);
      if (ok) crash_point("audit.head.before_rename");
      if (ok && ::rename(tmp.c_str(), (dir_ / "audit.head").c_str()) == 0) {
        sync_folder(dir_);
      } else {
        ::unlink(tmp.c_str());
      }
    }
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
}

Result<std::vector<std::string>> AuditLog::verify(Database& db, const std::vector<AuditAnchor>& anchors,
                                                  const std::function<void(const AuditRow&)>& on_row) const {
  std::vector<std::string> problems;
  OUTCHECK_ASSIGN_OR_RETURN(auto triggers, db.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name IN "
      "('audit_log_append_only_update','audit_log_append_only_delete')"));
  triggers.step();
  if (triggers.integer(0) != 2) {
    problems.push_back("the triggers that keep the audit log append-only are missing: someone removed them");
  }

  // The outside anchors, each to be found in the chain: audit.head, audit.head.log's lines, the
  // release manifests. Checked as the rows stream past (seq -> what must be there).
  std::multimap<std::int64_t, AuditAnchor> expected_at;
  bool head_present = false;
  std::string head_unreadable;  // why audit.head could not be read, when it is there
  AuditHead head_line;
  {
    int fd = ::open((dir_ / "audit.head").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
      head_present = true;
      head_unreadable = std::strerror(errno);
    } else if (fd >= 0) {
      head_present = true;
      char buf[256];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) head_unreadable = std::strerror(errno);
      ::close(fd);
      std::string text = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
      text = text.substr(0, text.find('\n'));
      if (parse_head_line(text, head_line)) {
        expected_at.emplace(head_line.seq, AuditAnchor{"audit.head", head_line.seq, head_line.hash});
      } else {
        head_line = AuditHead{0, ""};
      }
    }
  }
  bool log_present = false;
  {
    std::ifstream in(dir_ / "audit.head.log", std::ios::binary);
    if (in) {
      log_present = true;
      std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::size_t start = 0, lineno = 0;
      while (start < all.size()) {
        std::size_t end = all.find('\n', start);
        if (end == std::string::npos) break;  // a torn last line (a kill mid-append) is ignored
        ++lineno;
        AuditHead h;
        if (parse_head_line(all.substr(start, end - start), h)) {
          expected_at.emplace(h.seq, AuditAnchor{"audit.head.log line " + std::to_string(lineno), h.seq, h.hash});
        } else {
          problems.push_back("audit.head.log line " + std::to_string(lineno) + " is not \"SEQ HASH\": the file was edited");
        }
        start = end + 1;
      }
    }
  }
  for (const auto& a : anchors) expected_at.emplace(a.seq, a);

  OUTCHECK_ASSIGN_OR_RETURN(auto st, db.prepare(
      "SELECT seq, at, user, action, request_id, path, details, review_turn, visibility, prev_hash, hash, hash_version "
      "FROM audit_log ORDER BY seq"));
  std::int64_t expected = 1;
  std::string prev = kGenesisHash;
  std::int64_t last = 0;
  std::int64_t first_current_version = 0;  // the first row hashed as this version hashes
  bool broken = false;
  auto next_anchor = expected_at.begin();
  while (st.step()) {
    std::int64_t seq = st.integer(0);
    AuditRow row;
    row.seq = seq;
    row.at = st.text(1);
    AuditEvent& e = row.event;
    e.user = st.text(2);
    e.action = st.text(3);
    e.request_id = st.opt_text(4);
    e.path = st.opt_text(5);
    row.details = st.text(6);
    if (!st.is_null(7)) e.review_turn = st.integer(7);
    e.visibility = st.text(8);
    std::string stored_prev = st.text(9), stored = st.text(10);
    const int version = static_cast<int>(st.integer(11));
    if (version >= kAuditHashVersion && first_current_version == 0) first_current_version = seq;
    if (!broken) {
      if (seq != expected) {
        problems.push_back("row " + std::to_string(expected) + (seq == expected + 1 ? " is" : " onwards are") +
                           " missing before row " + std::to_string(seq) + ": rows were deleted");
        broken = true;
      } else if (stored_prev != prev) {
        problems.push_back("row " + std::to_string(seq) + " does not follow the row before it: the chain was cut");
        broken = true;
      } else if (version < 1 || version > kAuditHashVersion ||
                 (first_current_version != 0 && version < kAuditHashVersion) ||
                 row_hash(version, seq, row.at, e, row.details, prev) != stored) {
        // A row after the first of this version's hash may not claim the older one: 0.1.0 never
        // wrote after a newer outcheck.
        problems.push_back("row " + std::to_string(seq) + " (" + e.action + " by " + e.user +
                           ") does not match its hash: it was changed");
        broken = true;
      }
    }
    while (next_anchor != expected_at.end() && next_anchor->first < seq) ++next_anchor;
    for (; next_anchor != expected_at.end() && next_anchor->first == seq; ++next_anchor) {
      if (next_anchor->second.hash != stored) {
        problems.push_back(next_anchor->second.where + " records row " + std::to_string(seq) + " with hash " +
                           next_anchor->second.hash + ", but the log's row " + std::to_string(seq) +
                           " has another: the log was rewritten");
      }
    }
    prev = stored;
    expected = seq + 1;
    last = seq;
    if (on_row && !broken) {
      row.hash = stored;
      on_row(row);
    }
  }
  if (st.failed()) return st.error();
  for (; next_anchor != expected_at.end(); ++next_anchor) {
    if (next_anchor->first > last) {
      problems.push_back("the log ends at row " + std::to_string(last) + " but " + next_anchor->second.where +
                         " records row " + std::to_string(next_anchor->first) + ": rows were deleted from the end");
      break;
    }
  }

  std::int64_t requests = 0;
  if (auto c = db.prepare("SELECT count(*) FROM requests"); c && c->step()) requests = c->integer(0);
  if (last > 0 || requests > 0) {
    if (!head_present) {
      problems.push_back("audit.head is missing from the home, which holds " + std::to_string(last) + " audit rows and " +
                         std::to_string(requests) + " requests: it was deleted, so rows cut from the end would not show");
    } else if (!head_unreadable.empty()) {
      problems.push_back("audit.head is unreadable (" + head_unreadable +
                         "): it should name the newest row (SEQ HASH), so rows cut from the end would not show");
    } else if (head_line.seq == 0) {
      problems.push_back("audit.head is empty or unreadable: it should name the newest row (SEQ HASH), so rows cut "
                         "from the end would not show");
    }
    if (!log_present && first_current_version != 0 && head_line.seq >= first_current_version) {
      problems.push_back("audit.head.log is missing: it was deleted (every head written since the upgrade is appended to it)");
    }
  }
  return problems;
}

}  // namespace outcheck::db
