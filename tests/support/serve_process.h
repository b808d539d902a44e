#pragma once
// A real `outcheck serve` on loopback for tests: started on a free port, stopped with SIGTERM.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace outcheck::test {

class ServeProcess {
 public:
  // Starts `outcheck serve --home HOME --port 0 [extra args]` with `env` added, and waits until it
  // says where it listens.
  explicit ServeProcess(const std::filesystem::path& home, const std::vector<std::string>& extra_args = {},
                        const std::vector<std::string>& env = {});
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  int port() const { return port_; }
  pid_t pid() const { return pid_; }  // the server's process (its /proc/PID/status), -1 once stopped
  // SIGTERM, then waits: the exit code (128+signal if killed).
  int stop();
  // What it wrote on stderr (its request log), read after stop().
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
  std::filesystem::path capture_;
};

}  // namespace outcheck::test
