#include "checker/json_text.h"
#include "db/audit.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
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

Result<AuditLog> AuditLog::open(const fs::path& home) {
  fs::path key_path = home / "audit.key";
  std::string key;
  int fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return io_error("cannot draw random bytes for the audit key");
    std::string fresh = hex(raw, sizeof raw);
    // O_EXCL: when two processes start at once, one creates the key and the other reads it.
    int w = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (w >= 0) {
      bool ok = ::write(w, fresh.data(), fresh.size()) == static_cast<ssize_t>(fresh.size()) && ::fsync(w) == 0;
      ::close(w);
      if (!ok) return io_error(key_path.string() + ": cannot write the audit key");
    } else if (errno != EEXIST) {
      return io_error(key_path.string() + ": cannot create the audit key: " + std::strerror(errno));
    }
    fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) return io_error(key_path.string() + ": cannot read the audit key: " + std::strerror(errno));
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n < 32) return io_error(key_path.string() + ": the audit key is missing or too short");
  key.assign(buf, static_cast<std::size_t>(n));
  while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
  return AuditLog(key, home / "audit.head");
}

std::string AuditLog::row_hash(std::int64_t seq, const std::string& at, const AuditEvent& e, const std::string& details,
                               const std::string& prev) const {
  // Canonical form: a JSON array of every column but the hash, in schema order.
  nlohmann::json canon = nlohmann::json::array(
      {seq, at, e.user, e.action, e.request_id ? nlohmann::json(*e.request_id) : nlohmann::json(nullptr),
       e.path ? nlohmann::json(*e.path) : nlohmann::json(nullptr), details,
       e.review_turn ? nlohmann::json(*e.review_turn) : nlohmann::json(nullptr), e.visibility, prev});
  std::string msg = checker::json_text(canon);
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
  auto st = db.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!st) return st.error();
  if (!st->step()) {
    if (st->failed()) return st->error();
    return AuditHead{0, kGenesisHash};
  }
  return AuditHead{st->integer(0), st->text(1)};
}

Result<AuditHead> AuditLog::append(Database& db, const AuditEvent& e, const std::string& at) const {
  auto prev = head(db);
  if (!prev) return prev.error();
  std::int64_t seq = prev->seq + 1;
  std::string details = checker::json_text(e.details);
  std::string hash = row_hash(seq, at, e, details, prev->hash);
  auto st = db.prepare(
      "INSERT INTO audit_log (seq, at, user, action, request_id, path, details, review_turn, visibility, prev_hash, hash)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  if (!st) return st.error();
  st->bind(1, seq).bind(2, at).bind(3, e.user).bind(4, e.action).bind(5, e.request_id).bind(6, e.path).bind(7, details);
  if (e.review_turn) st->bind(8, *e.review_turn);
  else st->bind_null(8);
  st->bind(9, e.visibility).bind(10, prev->hash).bind(11, hash);
  OUTCHECK_TRY(st->done());
  return AuditHead{seq, hash};
}

void AuditLog::record_head(const AuditHead& h) const {
  int fd = ::open(head_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ::flock(fd, LOCK_EX);
  char buf[256];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::int64_t current = 0;
  if (n > 0) {
    buf[n] = 0;
    current = std::atoll(buf);
  }
  if (h.seq > current) {
    std::string line = std::to_string(h.seq) + " " + h.hash + "\n";
    if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, line.data(), line.size(), 0) == static_cast<ssize_t>(line.size())) {
      ::fsync(fd);
    }
  }
  ::flock(fd, LOCK_UN);
  ::close(fd);
}

Result<std::vector<std::string>> AuditLog::verify(Database& db) const {
  std::vector<std::string> problems;
  auto triggers = db.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name IN "
      "('audit_log_append_only_update','audit_log_append_only_delete')");
  if (!triggers) return triggers.error();
  triggers->step();
  if (triggers->integer(0) != 2) {
    problems.push_back("the triggers that keep the audit log append-only are missing: someone removed them");
  }
  auto st = db.prepare(
      "SELECT seq, at, user, action, request_id, path, details, review_turn, visibility, prev_hash, hash "
      "FROM audit_log ORDER BY seq");
  if (!st) return st.error();
  std::int64_t expected = 1;
  std::string prev = kGenesisHash;
  std::int64_t last = 0;
  std::string last_hash = kGenesisHash;
  bool broken = false;
  while (st->step()) {
    std::int64_t seq = st->integer(0);
    AuditEvent e;
    e.user = st->text(2);
    e.action = st->text(3);
    e.request_id = st->opt_text(4);
    e.path = st->opt_text(5);
    std::string details = st->text(6);
    if (!st->is_null(7)) e.review_turn = st->integer(7);
    e.visibility = st->text(8);
    std::string stored_prev = st->text(9), stored = st->text(10);
    if (!broken) {
      if (seq != expected) {
        problems.push_back("row " + std::to_string(expected) + (seq == expected + 1 ? " is" : " onwards are") +
                           " missing before row " + std::to_string(seq) + ": rows were deleted");
        broken = true;
      } else if (stored_prev != prev) {
        problems.push_back("row " + std::to_string(seq) + " does not follow the row before it: the chain was cut");
        broken = true;
      } else if (row_hash(seq, st->text(1), e, details, prev) != stored) {
        problems.push_back("row " + std::to_string(seq) + " (" + e.action + " by " + e.user +
                           ") does not match its hash: it was changed");
        broken = true;
      }
    }
    prev = stored;
    expected = seq + 1;
    last = seq;
    last_hash = stored;
  }
  if (st->failed()) return st->error();
  std::ifstream in(head_file_);
  std::int64_t head_seq = 0;
  std::string head_hash;
  if (in >> head_seq >> head_hash) {
    if (head_seq > last) {
      problems.push_back("the log ends at row " + std::to_string(last) + " but row " + std::to_string(head_seq) +
                         " was written (audit.head): rows were deleted from the end");
    }
  }
  return problems;
}

}  // namespace outcheck::db
