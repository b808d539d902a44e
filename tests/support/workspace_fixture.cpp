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

std::vector<std::string> child_environment(const std::vector<std::string>& additions, bool server) {
  std::vector<std::string> all = additions;
  // Under the sanitizer script, the many short CLI processes run without LeakSanitizer's scan at
  // exit (about 55 ms of each process's 120 ms at start and exit; a third of a workflow test's
  // time, and 752 s to 648 s for the whole suite on two cores);
  // servers, this test process and the script's own leak-checked pass keep it.
  const char* cli_asan = std::getenv("OUTCHECK_TEST_CLI_ASAN_OPTIONS");
  bool names_asan = false;
  for (const auto& add : additions) names_asan |= add.rfind("ASAN_OPTIONS=", 0) == 0;
  if (cli_asan != nullptr && !server && !names_asan) all.push_back(std::string("ASAN_OPTIONS=") + cli_asan);
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& add : all) replaced |= add.substr(0, add.find('=')) == name;
    if (!replaced) out.push_back(entry);
  }
  out.insert(out.end(), all.begin(), all.end());
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn_outcheck(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env,
                     const fs::path& out_path, const fs::path& err_path) {
  // Everything the child needs is made before fork(): the tests run threads (fake servers), and a
  // child of a threaded process may only make async-signal-safe calls until exec, or it can hang
  // on a lock another thread held at the fork (an allocator's, under ASan).
  std::vector<std::string> argv_s{OUTCHECK_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s = child_environment(env, !args.empty() && args.front() == "serve");
  std::vector<char*> argv, envp = pointers(env_s);
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string cwd_s = cwd.string(), out_s = out_path.string(), err_s = err_path.string();
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (!cwd_s.empty() && ::chdir(cwd_s.c_str()) != 0) ::_exit(127);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

RunResult run_outcheck(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env) {
  // stdout and stderr go to temporary files, so a large report cannot fill a pipe and block.
  TempDir capture;
  fs::path out_path = capture.path() / "out", err_path = capture.path() / "err";
  pid_t pid = spawn_outcheck(args, cwd, env, out_path, err_path);
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

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

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
