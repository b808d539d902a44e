#include "db/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "checker/file_check.h"
#include "checker/sha256.h"
#include "db/identity.h"

namespace fs = std::filesystem;

namespace outcheck::db {

fs::path Store::path_of(const std::string& sha) const { return root_ / sha.substr(0, 2) / sha; }

std::string mtime_iso(const struct stat& st) {
  auto since_epoch = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return iso_utc(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch)));
}

Result<StagedFile> Store::stage(const fs::path& source) const {
  std::error_code ec;
  fs::create_directories(root_ / "staging", ec);
  if (ec) return io_error((root_ / "staging").string() + ": " + ec.message());
  // Never blocks: opened non-blocking (a FIFO swapped in opens at once instead of waiting for a
  // writer), and only a regular file is read.
  auto opened = checker::open_regular_file(source);
  if (!opened) return opened.error();
  int in = *opened;
  struct stat st;
  ::fstat(in, &st);
  StagedFile staged;
  staged.device = st.st_dev;
  staged.inode = st.st_ino;
  staged.mtime = mtime_iso(st);
  std::string tmpl = (root_ / "staging" / "add-XXXXXX").string();
  int out = ::mkstemp(tmpl.data());
  if (out < 0) {
    ::close(in);
    return io_error(tmpl + ": cannot create: " + std::strerror(errno));
  }
  staged.temp = tmpl;
  checker::Sha256 hash;
  auto buf = std::make_unique<char[]>(1 << 20);
  while (true) {
    ssize_t n = ::read(in, buf.get(), 1 << 20);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (n > 0 && ::write(out, buf.get(), static_cast<std::size_t>(n)) != n)) {
      std::string msg = source.string() + ": copy failed: " + std::strerror(errno);
      ::close(in);
      ::close(out);
      ::unlink(tmpl.c_str());
      return io_error(msg);
    }
    if (n == 0) break;
    hash.update(std::string_view(buf.get(), static_cast<std::size_t>(n)));
    staged.size += n;
  }
  ::close(in);
  ::fchmod(out, 0444);
  bool synced = ::fsync(out) == 0;
  ::close(out);
  if (!synced) {
    ::unlink(tmpl.c_str());
    return io_error(tmpl + ": fsync failed");
  }
  staged.sha256 = hash.hex_digest();
  return staged;
}

Status Store::commit(const StagedFile& staged) const {
  fs::path target = path_of(staged.sha256);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return io_error(target.parent_path().string() + ": " + ec.message());
  if (::rename(staged.temp.c_str(), target.c_str()) != 0) {
    return io_error(target.string() + ": cannot store the file: " + std::strerror(errno));
  }
  return Status::OK();
}

void Store::discard(const StagedFile& staged) const { ::unlink(staged.temp.c_str()); }

void Store::sweep_staging(std::chrono::seconds max_age) const {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - max_age;
  for (fs::directory_iterator it(root_ / "staging", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->last_write_time(e2) < cutoff && !e2) fs::remove(it->path(), e2);
  }
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
