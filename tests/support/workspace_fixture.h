#pragma once
// Test helpers: a fresh temporary folder per test, files written into it, and the real outcheck
// binary run in it.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace outcheck::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `contents` to `relpath` (creating folders) and returns its full path.
  std::filesystem::path write(const std::string& relpath, const std::string& contents) const;
  std::string read(const std::string& relpath) const;

 private:
  std::filesystem::path path_;
};

// A workspace: a TempDir with a project.yaml.
class Workspace : public TempDir {
 public:
  explicit Workspace(const std::string& project_yaml);
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the outcheck binary with `args` in `cwd`; `env` entries are NAME=VALUE added to the environment.
RunResult run_outcheck(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                       const std::vector<std::string>& env = {});

// This process's environment with `additions` (NAME=VALUE) replacing or adding entries, and the
// null-terminated pointer array execve wants; made before a fork, so the child need not allocate.
// A child that is no server (`outcheck serve`) is given OUTCHECK_TEST_CLI_ASAN_OPTIONS, when set,
// as its ASAN_OPTIONS (scripts/test-sanitizers.sh), unless `additions` name ASAN_OPTIONS.
std::vector<std::string> child_environment(const std::vector<std::string>& additions, bool server = false);
std::vector<char*> pointers(std::vector<std::string>& strings);

// Starts the outcheck binary with `args` in `cwd` (the current folder when empty), stdout and stderr
// to the two files, and returns its pid. Safe to call from a threaded test.
pid_t spawn_outcheck(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                     const std::vector<std::string>& env, const std::filesystem::path& out_path,
                     const std::filesystem::path& err_path);

// A minimal valid version-5 project with one moderately and one highly sensitive output.
std::string simple_project_yaml();

// Small text and file helpers the CLI tests share.
std::string trim(std::string s);  // drops trailing newlines, carriage returns and spaces
bool contains(const std::string& haystack, const std::string& needle);
std::size_t occurrences(const std::string& haystack, const std::string& needle);  // may overlap
std::string slurp(const std::filesystem::path& p);                        // the whole file, bytes
void put(const std::filesystem::path& p, const std::string& bytes);       // creates folders
std::string join(const std::vector<std::string>& args);                    // space-separated

std::string source_dir();
std::string shared_dir();

}  // namespace outcheck::test
