#include "web/log_line.h"

#include <unistd.h>

#include <cerrno>

namespace outcheck::web {

void log_line(const std::string& text) {
  std::string line = "outcheck serve: " + text + "\n";
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log that cannot be written is not a reason to stop serving
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace outcheck::web
