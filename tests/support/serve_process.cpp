#include "tests/support/serve_process.h"
#include "tests/support/workspace_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace outcheck::test {

ServeProcess::ServeProcess(const fs::path& home, const std::vector<std::string>& extra_args,
                           const std::vector<std::string>& env) {
  char templ[] = "/tmp/outcheck-serve-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  capture_ = templ;
  fs::path out_path = capture_ / "out", err_path = capture_ / "err";
  std::vector<std::string> args{"serve", "--home", home.string(), "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn_outcheck(args, "", env, out_path, err_path);
  // "outcheck: serving HOME on http://127.0.0.1:PORT/"
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(out_path);
    std::string line;
    if (std::getline(in, line)) {
      auto at = line.find("http://");
      auto colon = line.rfind(':');
      if (at != std::string::npos && colon != std::string::npos && colon > at + 7) {
        port_ = std::stoi(line.substr(colon + 1));
        url_ = "http://127.0.0.1:" + std::to_string(port_);
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("outcheck serve exited at start: " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("outcheck serve did not start within 20 s: " + log());
}

int ServeProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServeProcess::log() const {
  std::ifstream in(capture_ / "err");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  fs::remove_all(capture_, ec);
}

}  // namespace outcheck::test
