#include "tests/support/workspace_fixture.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace outcheck::test {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "outcheck-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = fs::canonical(tmpl);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& relpath, const std::string& contents) const {
  fs::path p = path_ / relpath;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << contents;
  return p;
}

std::string TempDir::read(const std::string& relpath) const {
  std::ifstream in(path_ / relpath, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Workspace::Workspace(const std::string& project_yaml) { write("project.yaml", project_yaml); }

namespace {

std::string slurp_fd(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

}  // namespace

RunResult run_outcheck(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env) {
  // stdout and stderr go to temporary files, so a large report cannot fill a pipe and block.
  TempDir capture;
  fs::path out_path = capture.path() / "out", err_path = capture.path() / "err";
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    std::string binary = OUTCHECK_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int o = ::open(out_path.c_str(), O_RDONLY), e = ::open(err_path.c_str(), O_RDONLY);
  r.out = slurp_fd(o);
  r.err = slurp_fd(e);
  ::close(o);
  ::close(e);
  return r;
}

std::string simple_project_yaml() {
  return "version: '5'\n"
         "actions:\n"
         "  generate_dataset:\n"
         "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.arrow\n"
         "    outputs:\n"
         "      highly_sensitive:\n"
         "        dataset: output/dataset.arrow\n"
         "  summarise:\n"
         "    run: python:v2 python analysis/summarise.py\n"
         "    needs: [generate_dataset]\n"
         "    outputs:\n"
         "      moderately_sensitive:\n"
         "        table: output/tables/*.csv\n"
         "        chart: output/charts/*.png\n";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

std::string join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::string source_dir() { return OUTCHECK_SOURCE_DIR; }
std::string shared_dir() { return OUTCHECK_SHARED_DIR; }

}  // namespace outcheck::test
