#include "checker/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace outcheck::checker {

namespace {

// `contents` in a flushed temporary file beside `path`; returns the temporary's name.
Result<std::string> write_beside(const std::string& path, std::string_view contents) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return io_error(path + ": cannot create a temporary file beside it: " + std::strerror(errno));
  auto fail = [&](const char* what) {
    std::string msg = path + ": " + what + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmpl.c_str());
    return io_error(msg);
  };
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write failed");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) return fail("chmod failed");
  if (::fsync(fd) != 0) return fail("fsync failed");
  if (::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    return io_error(path + ": close failed: " + std::strerror(errno));
  }
  return tmpl;
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view contents) {
  return write_files_atomically({{path, contents}});
}

Status write_files_atomically(const std::vector<std::pair<std::string, std::string_view>>& files) {
  std::vector<std::string> temps;
  auto discard = [&](std::size_t from) {
    for (std::size_t i = from; i < temps.size(); ++i) ::unlink(temps[i].c_str());
  };
  for (const auto& [path, contents] : files) {
    auto temp = write_beside(path, contents);
    if (!temp) {
      discard(0);
      return temp.error();
    }
    temps.push_back(*temp);
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (::rename(temps[i].c_str(), files[i].first.c_str()) != 0) {
      std::string msg = files[i].first + ": rename failed: " + std::strerror(errno);
      discard(i);
      return io_error(msg);
    }
  }
  return Status::OK();
}

}  // namespace outcheck::checker
