#include "db/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <sys/file.h>

#include "checker/file_check.h"
#include "checker/sha256.h"
#include "db/identity.h"

namespace fs = std::filesystem;

namespace outcheck::db {

int write_fully(int fd, std::string_view s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<std::size_t>(n);  // a short write: the rest is written next, or its errno kept
  }
  return 0;
}

void sync_folder(const fs::path& dir) {
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);
    ::close(d);
  }
}

Error io_failure(const std::string& path, const std::string& what, int err, const fs::path& home) {
  if (err == ENOSPC || err == EDQUOT) {
    return Error{ErrorKind::unavailable, path + ": " + what + ": the home's disk is full: free space on " +
                                             (home.empty() ? fs::path(path).parent_path().string() : home.string()) +
                                             " and run it again"};
  }
  return io_error(path + ": " + what + ": " + std::strerror(err));
}

fs::path Store::path_of(const std::string& sha) const { return root_ / sha.substr(0, 2) / sha; }

std::string mtime_iso(const struct stat& st) {
  auto since_epoch = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return iso_utc(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch)));
}

struct StagingSession {
  fs::path dir;
  int fd = -1;  // the folder, open and under LOCK_EX while this session lives
  ~StagingSession() {
    std::error_code ec;
    fs::remove_all(dir, ec);  // empty unless a copy was neither committed nor discarded
    if (fd >= 0) ::close(fd);
  }
};

struct Store::Shared {
  std::mutex mutex;
  std::weak_ptr<StagingSession> current;
};

Store::Store(fs::path root) : root_(std::move(root)), shared_(std::make_shared<Shared>()) {}

namespace {

// store/staging.lock: shared while a folder is created and locked, exclusive while leftovers are swept.
struct StagingLock {
  int fd = -1;
  StagingLock(const fs::path& root, int how) {
    fd = ::open((root / "staging.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      while (::flock(fd, how) != 0 && errno == EINTR) {
      }
    }
  }
  ~StagingLock() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<StagedFile> Store::stage(const fs::path& source) const {
  const fs::path home = root_.parent_path();
  std::error_code ec;
  fs::create_directories(root_ / "staging", ec);
  if (ec) return io_failure((root_ / "staging").string(), "cannot create the staging folder", ec.value(), home);
  std::shared_ptr<StagingSession> session;
  {
    std::lock_guard<std::mutex> guard(shared_->mutex);
    session = shared_->current.lock();
    if (!session) {
      StagingLock creating(root_, LOCK_SH);
      std::string tmpl = (root_ / "staging" / "s-XXXXXX").string();
      if (!::mkdtemp(tmpl.data())) return io_failure(tmpl, "cannot create the staging folder", errno, home);
      auto fresh = std::make_shared<StagingSession>();
      fresh->dir = tmpl;
      fresh->fd = ::open(tmpl.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fresh->fd < 0 || ::flock(fresh->fd, LOCK_EX | LOCK_NB) != 0) {
        return io_failure(tmpl, "cannot lock the staging folder", errno, home);
      }
      shared_->current = fresh;
      session = std::move(fresh);
    }
  }
  // Never blocks: opened non-blocking (a FIFO swapped in opens at once instead of waiting for a
  // writer), and only a regular file is read.
  OUTCHECK_ASSIGN_OR_RETURN(auto opened, checker::open_regular_file(source));
  int in = opened;
  struct stat st;
  ::fstat(in, &st);
  StagedFile staged;
  staged.session = session;
  staged.device = st.st_dev;
  staged.inode = st.st_ino;
  staged.mtime = mtime_iso(st);
  std::string tmpl = (session->dir / "add-XXXXXX").string();
  int out = ::mkstemp(tmpl.data());
  if (out < 0) {
    int err = errno;
    ::close(in);
    return io_failure(tmpl, "cannot create a copy of " + source.string(), err, home);
  }
  staged.temp = tmpl;
  checker::Sha256 hash;
  auto buf = std::make_unique<char[]>(1 << 20);
  auto fail = [&](const Error& e) {
    ::close(in);
    ::close(out);
    ::unlink(tmpl.c_str());
    return e;
  };
  while (true) {
    ssize_t n = ::read(in, buf.get(), 1 << 20);
    if (n < 0 && errno == EINTR) continue;
    // Each call's own errno: a failed read names the source, a failed (or short) write the copy.
    if (n < 0) return fail(io_error(source.string() + ": cannot read it to copy it into the store: " + std::strerror(errno)));
    if (n == 0) break;
    if (int err = write_fully(out, std::string_view(buf.get(), static_cast<std::size_t>(n))); err != 0) {
      return fail(io_failure(tmpl, "cannot copy " + source.string() + " into the store", err, home));
    }
    hash.update(std::string_view(buf.get(), static_cast<std::size_t>(n)));
    staged.size += n;
  }
  ::close(in);
  ::fchmod(out, 0444);
  if (::fsync(out) != 0) {
    int err = errno;
    ::close(out);
    ::unlink(tmpl.c_str());
    return io_failure(tmpl, "cannot copy " + source.string() + " into the store (fsync)", err, home);
  }
  if (::close(out) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return io_failure(tmpl, "cannot copy " + source.string() + " into the store (close)", err, home);
  }
  staged.sha256 = hash.hex_digest();
  return staged;
}

Status Store::commit(const StagedFile& staged) const {
  fs::path target = path_of(staged.sha256);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return io_failure(target.parent_path().string(), "cannot create the store folder", ec.value(), root_.parent_path());
  if (::rename(staged.temp.c_str(), target.c_str()) != 0) {
    return io_failure(target.string(), "cannot store the file", errno, root_.parent_path());
  }
  sync_folder(target.parent_path());
  return Status::OK();
}

void Store::discard(const StagedFile& staged) const { ::unlink(staged.temp.c_str()); }

std::vector<fs::path> Store::sweep_staging(bool remove) const {
  std::vector<fs::path> leftovers;
  std::error_code ec;
  if (!fs::exists(root_ / "staging", ec)) return leftovers;
  StagingLock sweeping(root_, LOCK_EX);
  for (fs::directory_iterator it(root_ / "staging", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path p = it->path();
    // A folder (or, from an older outcheck, a file) that no live process holds under its flock.
    int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (free) {
      leftovers.push_back(p);
      if (remove) {
        std::error_code e2;
        fs::remove_all(p, e2);
      }
    }
    ::close(fd);
  }
  return leftovers;
}

Result<std::string> Store::rehash(const std::string& sha) const {
  fs::path p = path_of(sha);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(p.string() + ": the stored copy is missing: " + std::strerror(errno));
  checker::Sha256 hash;
  auto buf = std::make_unique<char[]>(1 << 20);
  ssize_t n;
  while ((n = ::read(fd, buf.get(), 1 << 20)) > 0) hash.update(std::string_view(buf.get(), static_cast<std::size_t>(n)));
  ::close(fd);
  return hash.hex_digest();
}

}  // namespace outcheck::db
