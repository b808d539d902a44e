// Bad input, by design: a corpus of hostile files, generated at test time into temporary workspaces,
// each run through the real binary with a memory limit (RLIMIT_AS, 1 GiB) and a wall-clock limit
// (20 s, 120 under ASan, then SIGKILL), and its outcome asserted exactly: the rule that fires, with its row and
// column, or exit 2 with a message naming the file and line (YAML). Never a crash, a hang or
// unbounded memory. Expected values come from interface.md ("JSON report", "Rule ids", exit codes).
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/sanitized.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::TempDir;

using outcheck::test::slurp;

namespace {

constexpr rlim_t kMemoryLimit = rlim_t(1) << 30;  // 1 GiB of address space
constexpr int kTimeoutSeconds = 20;

// Peak memory says something only without a sanitizer, whose shadow memory and quarantine inflate
// every process's resident size (and whose shadow memory does not fit under an address-space
// limit); under one the memory checks are its own.
bool memory_measurable() { return !outcheck::test::kSanitized; }

// The wall-clock limit catches a hang, not slowness (speed is measured in bench/): under ASan,
// which runs this work five to six times slower, it is six times longer. The million-column file
// takes 10 to 12 s on a loaded 2-core machine, and went past 60 s under ASan beside other tests.
int timeout_seconds() { return memory_measurable() ? kTimeoutSeconds : 6 * kTimeoutSeconds; }

struct Limited {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, 0 when it exited
  bool timed_out = false;
  long max_rss_kb = 0;
  double seconds = 0;
  std::string out, err;
};

// Runs the outcheck binary in `cwd` under RLIMIT_AS and a wall-clock timeout that SIGKILLs it.
// stdout and stderr go to files, so nothing the child writes can block it.
Limited run_limited(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env = {}) {
  TempDir capture;
  const fs::path out_path = capture.path() / "out", err_path = capture.path() / "err";
  std::vector<std::string> argv_s{OUTCHECK_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = outcheck::test::child_environment(env);  // built before the fork
  std::vector<char*> envp = outcheck::test::pointers(env_s);
  const bool limit_memory = memory_measurable();

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (limit_memory) {
      struct rlimit lim{kMemoryLimit, kMemoryLimit};
      if (::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(126);
    }
    struct rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  Limited r;
  int status = 0;
  struct rusage usage {};
  const auto deadline = start + std::chrono::seconds(timeout_seconds());
  while (true) {
    pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      ::wait4(pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

// Every run must end by itself, within the limits, with one of the documented exit codes.
void require_clean_exit(const Limited& r) {
  INFO("exit " << r.exit_code << ", signal " << r.signal << ", " << r.seconds << " s, max RSS " << r.max_rss_kb
               << " KiB\nstderr: " << r.err.substr(0, 2000));
  REQUIRE_FALSE(r.timed_out);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code >= 0);
  REQUIRE(r.exit_code <= 3);
  CHECK(r.err.find("internal error") == std::string::npos);
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The CSV corpus

// A path near PATH_MAX once the workspace root is in front of it: deep folders of 200 characters.
std::string long_relpath(const fs::path& root) {
  const std::size_t target = PATH_MAX - 64;  // the absolute path's length, short of the limit
  std::string rel = "output/long";
  const std::string leaf = "/deep.csv";
  int i = 0;
  while (root.string().size() + 1 + rel.size() + leaf.size() + 1 < target) {
    std::size_t room = target - (root.string().size() + 1 + rel.size() + leaf.size() + 1);
    std::string dir = "d" + std::to_string(i++) + "_";
    dir += std::string(std::min<std::size_t>(200, room) - std::min(room, dir.size()), 'x');
    if (dir.size() > room) dir.resize(room);
    rel += "/" + dir;
  }
  return rel + leaf;
}

const char* const kUnicodeFolder = "output/dossier été 表";
const char* const kUnicodeName = "output/tables/my file é 表 (v2).csv";

// Moderately sensitive: output/tables/*.csv, a folder with spaces and unicode, and one literal path
// (`long_path`, when given) for the PATH_MAX case.
std::string corpus_project(const std::string& long_path = "") {
  std::string y =
      "version: '5'\n"
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
      "        unicode: \"" + std::string(kUnicodeFolder) + "/*.csv\"\n";
  if (!long_path.empty()) y += "        long: " + long_path + "\n";
  return y;
}

struct Expected {
  std::string rule;
  std::optional<std::int64_t> row;          // nullopt: the finding has no row
  std::optional<std::string> column;        // nullopt: the finding has no column
  std::string message_part;
};

struct CsvCase {
  std::string name;
  // Writes the file into the workspace root and returns its workspace-relative path.
  std::function<std::string(const fs::path& root)> make;
  int exit_code;
  std::string outcome;
  std::int64_t rows, columns;
  std::map<std::string, int> counts;  // finding_counts, exactly
  std::vector<Expected> findings;     // each present, with exactly this row and column
};

std::function<std::string(const fs::path&)> file(const std::string& relpath, const std::string& bytes) {
  return [relpath, bytes](const fs::path& root) {
    fs::create_directories((root / relpath).parent_path());
    std::ofstream(root / relpath, std::ios::binary) << bytes;
    return relpath;
  };
}

// A file written in pieces, so that a 100 MB test input never sits in the test's own memory twice.
std::function<std::string(const fs::path&)> streamed(const std::string& relpath,
                                                     std::function<void(std::ofstream&)> write) {
  return [relpath, write](const fs::path& root) {
    fs::create_directories((root / relpath).parent_path());
    std::ofstream out(root / relpath, std::ios::binary);
    write(out);
    return relpath;
  };
}

std::vector<CsvCase> csv_corpus() {
  const std::string t = "output/tables/";
  std::vector<CsvCase> c;
  c.push_back({"empty file", file(t + "empty.csv", ""), 1, "fail", 0, 0, {{"malformed_csv", 1}},
               {{"malformed_csv", std::nullopt, std::nullopt, "the file is empty"}}});
  c.push_back({"header only", file(t + "header.csv", "group,num\n"), 0, "pass", 0, 2, {}, {}});
  c.push_back({"header only, no line break", file(t + "header2.csv", "group,num"), 0, "pass", 0, 2, {}, {}});
  c.push_back({"a BOM only", file(t + "bom_only.csv", "\xEF\xBB\xBF"), 1, "fail", 0, 0, {{"malformed_csv", 1}},
               {{"malformed_csv", std::nullopt, std::nullopt, "the file is empty"}}});
  // The BOM is not part of the first header name: the count column is still called "num".
  c.push_back({"BOM before the header", file(t + "bom.csv", "\xEF\xBB\xBFnum,group\n3,a\n10,b\n"), 1, "fail", 2, 2,
               {{"small_count", 1}}, {{"small_count", 1, "num", "count 3"}}});
  c.push_back({"BOM before a patient id header", file(t + "bom_pid.csv", "\xEF\xBB\xBFpatient_id,num\nx1,10\n"), 1,
               "blocked", 1, 2, {{"patient_id", 1}}, {{"patient_id", std::nullopt, "patient_id", ""}}});
  c.push_back({"CRLF line endings", file(t + "crlf.csv", "group,num\r\na,10\r\nb,3\r\n"), 1, "fail", 2, 2,
               {{"small_count", 1}}, {{"small_count", 2, "num", "count 3"}}});
  // \r\n, \n and a lone \r each end a line; a blank line is not a record.
  c.push_back({"mixed line endings", file(t + "mixed.csv", "group,num\r\na,10\nb,15\rc,3\r\n\nd,20\n"), 1, "fail", 4,
               2, {{"small_count", 1}}, {{"small_count", 3, "num", "count 3"}}});
  c.push_back({"a quoted field spanning mixed line endings", file(t + "mixed_quoted.csv", "group,num\r\n\"a\r\nb\nc\",3\rd,10"),
               1, "fail", 2, 2, {{"small_count", 1}}, {{"small_count", 1, "num", "count 3"}}});
  c.push_back({"a NUL byte in a cell", file(t + "nul.csv", std::string("group,num\na,10\nb\0,15\n", 21)), 1, "fail", 2,
               2, {{"malformed_csv", 1}}, {{"malformed_csv", 2, "group", "NUL byte on line 3"}}});
  c.push_back({"a binary file of NUL bytes", file(t + "zeros.csv", std::string(4096, '\0')), 1, "fail", 0, 1,
               {{"malformed_csv", 1}}, {{"malformed_csv", std::nullopt, std::nullopt, "NUL byte on the header (line 1)"}}});
  for (const auto& [what, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"a lone 0xFF", "b\xFF"},
           {"a lone continuation byte", "b\x80"},
           {"an overlong encoding", "b\xC0\xAF"},
           {"a UTF-16 surrogate", "b\xED\xA0\x80"},
           {"a code point above U+10FFFF", "b\xF4\x90\x80\x80"}}) {
    c.push_back({"invalid UTF-8: " + what, file(t + "utf8_" + std::to_string(c.size()) + ".csv", "group,num\na,10\n" + bytes + ",15\n"),
                 1, "fail", 2, 2, {{"malformed_csv", 1}},
                 {{"malformed_csv", 2, "group", "not valid UTF-8 on line 3"}}});
  }
  c.push_back({"invalid UTF-8: a sequence cut short by the end of the file", file(t + "utf8_cut.csv", "group,num\na,10\n15,b\xE2\x82"),
               1, "fail", 2, 2, {{"malformed_csv", 1}}, {{"malformed_csv", 2, "num", "not valid UTF-8 on line 3"}}});
  // A header that is not UTF-8 still gets its cell findings, and the JSON report stays valid JSON:
  // the name is shown with U+FFFD for the bad byte.
  c.push_back({"invalid UTF-8 in a header name", file(t + "utf8_header.csv", "group,n\xFFum\na,3\n"), 1, "fail", 1, 2,
               {{"malformed_csv", 1}, {"small_count", 1}},
               {{"malformed_csv", std::nullopt, std::nullopt, "not valid UTF-8 on the header (line 1)"},
                {"small_count", 1, "n\xEF\xBF\xBDum", "count 3"}}});
  // The open quote also leaves its record one field short: one bad record, one finding, its first issue.
  c.push_back({"an unterminated quote", file(t + "quote.csv", "group,num\na,10\n\"b,15\nc,20\n"), 1, "fail", 2, 2,
               {{"malformed_csv", 1}},
               {{"malformed_csv", 2, "group", "a quoted field opened on line 3 is never closed"}}});
  c.push_back({"an unterminated quote in the header", file(t + "quote_header.csv", "\"group,num\na,10\n"), 1, "fail", 0,
               1, {{"malformed_csv", 1}},
               {{"malformed_csv", std::nullopt, std::nullopt, "opened on the header (line 1) is never closed"}}});
  c.push_back({"a stray quote", file(t + "stray.csv", "group,num\na\"b,10\nc,20\n"), 1, "fail", 2, 2,
               {{"malformed_csv", 1}}, {{"malformed_csv", 1, "group", "a quote inside an unquoted field"}}});
  c.push_back({"an unterminated quote holding 1 MB", streamed(t + "quote_big.csv", [](std::ofstream& out) {
                 out << "group,num\na,10\n\"b,";
                 out << repeat("0123456789abcdef\n", 1 << 16);
               }),
               1, "fail", 2, 2, {{"malformed_csv", 1}},
               {{"malformed_csv", 2, "group", "a quoted field opened on line 3 is never closed"}}});
  // One record of 100 MB: bounded by the record, over the size limit, and still well formed.
  c.push_back({"a 100 MB single field", streamed(t + "big_field.csv", [](std::ofstream& out) {
                 out << "group,num\n\"";
                 const std::string chunk(1 << 20, 'x');
                 for (int i = 0; i < 100; ++i) out << chunk;
                 out << "\",10\n";
               }),
               1, "blocked", 1, 2, {{"file_size", 1}}, {{"file_size", std::nullopt, std::nullopt, "100.0 MiB"}}});
  c.push_back({"a million columns", streamed(t + "wide.csv", [](std::ofstream& out) {
                 for (int i = 0; i < 1000000; ++i) out << (i ? ",c" : "c") << i;
                 out << "\n";
               }),
               0, "pass", 0, 1000000, {}, {}});
  c.push_back({"a million columns and a ragged row", streamed(t + "wide_ragged.csv", [](std::ofstream& out) {
                 for (int i = 0; i < 1000000; ++i) out << (i ? ",c" : "c") << i;
                 out << "\n";
                 for (int i = 0; i < 999999; ++i) out << (i ? ",x" : "x");
                 out << "\n";
               }),
               1, "fail", 1, 1000000, {{"malformed_csv", 1}},
               {{"malformed_csv", 1, std::nullopt, "has 999999 fields but the header has 1000000 (line 2)"}}});
  c.push_back({"a path near PATH_MAX", [](const fs::path& root) {
                 std::string rel = long_relpath(root);
                 fs::create_directories((root / rel).parent_path());
                 std::ofstream(root / rel, std::ios::binary) << "group,num\na,3\n";
                 return rel;
               },
               1, "fail", 1, 2, {{"small_count", 1}}, {{"small_count", 1, "num", "count 3"}}});
  c.push_back({"a name with spaces and unicode", file(kUnicodeName, "group,num\na,3\n"), 1, "fail", 1, 2,
               {{"small_count", 1}}, {{"small_count", 1, "num", "count 3"}}});
  c.push_back({"a folder with spaces and unicode", file(std::string(kUnicodeFolder) + "/résumé 2024 ✓.csv", "grüppe,num\nä,10\n"),
               0, "pass", 1, 2, {}, {}});
  return c;
}

const json* finding(const json& f, const Expected& e) {
  for (const auto& x : f.at("findings")) {
    if (x.at("rule") != e.rule) continue;
    if (e.row ? !x.contains("row") || x.at("row") != *e.row : x.contains("row")) continue;
    if (e.column ? !x.contains("column") || x.at("column") != *e.column : x.contains("column")) continue;
    if (x.at("message").get<std::string>().find(e.message_part) == std::string::npos) continue;
    return &x;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// The YAML corpus

std::string laughs(const std::string& indent, int levels) {
  std::string y = indent + "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  std::string prev = "a";
  for (int i = 1; i < levels; ++i) {
    std::string name(1, static_cast<char>('a' + i));
    y += indent + name + ": &" + name + " [";
    for (int k = 0; k < 9; ++k) y += (k ? ",*" : "*") + prev;
    y += "]\n";
    prev = name;
  }
  return y;
}

const std::string kValidTail =
    "actions:\n"
    "  summarise:\n"
    "    run: python:v2 python analysis/summarise.py\n"
    "    outputs:\n"
    "      moderately_sensitive:\n"
    "        table: output/tables/*.csv\n";

constexpr int kAnyLine = 0;   // names a line, which one depends on the parser's internals
constexpr int kNoLine = -1;   // a file-level problem: names the file only

struct YamlCase {
  std::string name;
  std::string project;                  // the project.yaml's bytes
  int line;                             // 1-based line the message names; kAnyLine; kNoLine
  std::string message_part;
};

std::vector<YamlCase> yaml_corpus() {
  std::vector<YamlCase> c;
  c.push_back({"an empty file", "", 1, "is empty"});
  c.push_back({"only a comment", "# nothing here\n", 1, "is empty"});
  c.push_back({"deeply nested flow lists", "version: '5'\n" + kValidTail + "x: " + repeat("[", 100000) + repeat("]", 100000) + "\n",
               8, "nested too deeply"});
  c.push_back({"deeply nested flow mappings", "version: '5'\n" + kValidTail + "x: " + repeat("{a: ", 50000) + "1" + repeat("}", 50000) + "\n",
               8, "nested too deeply"});
  {
    std::string y = "version: '5'\nactions:\n";
    for (int i = 0; i < 1500; ++i) y += std::string(2 * (i + 1), ' ') + "k" + std::to_string(i) + ":\n";
    c.push_back({"deeply nested block mappings", y, kAnyLine, "nested too deeply"});
  }
  c.push_back({"billion laughs in an unknown key", "version: '5'\n" + laughs("", 9) + kValidTail, 2,
               "Unexpected parameters (a, b, c, d, e, f, g, h, i)"});
  c.push_back({"billion laughs aliased where a list of names is needed",
               "version: '5'\nactions:\n  summarise:\n    run: python:v2 python analysis/summarise.py\n    config:\n" +
                   laughs("      ", 12) + "    needs: *l\n    outputs:\n      moderately_sensitive:\n        table: output/tables/*.csv\n",
               kAnyLine, "`needs` section for action summarise must be a list of action names"});
  c.push_back({"a duplicate action", "version: '5'\n" + kValidTail + "  summarise:\n    run: python:v2 python x.py\n", 8,
               "found duplicate key \"summarise\" with value \"{'run': 'python:v2 python x.py'}\" (original value: "
               "\"{'run': 'python:v2 python analysis/summarise.py', 'outputs': {'moderately_sensitive': {'table': "
               "'output/tables/*.csv'}}}\"; first defined at line 3)"});
  c.push_back({"a duplicate top-level key", "version: '5'\n" + kValidTail + "version: '4'\n", 8,
               "found duplicate key \"version\" with value \"4\" (original value: \"5\"; first defined at line 1)"});
  c.push_back({"a duplicate output name", "version: '5'\n" + kValidTail + "        table: output/other/*.csv\n", 8,
               "found duplicate key \"table\" with value \"output/other/*.csv\" (original value: \"output/tables/*.csv\"; "
               "first defined at line 7)"});
  c.push_back({"a NUL byte", "version: '5'\n" + std::string("actions:\0\n", 10), 2, "NUL byte"});
  c.push_back({"invalid UTF-8", "version: '5'\n" + kValidTail.substr(0, kValidTail.size() - 1) + "\xFF\n", 7,
               "not valid UTF-8"});
  c.push_back({"an alias to an undefined anchor", "version: '5'\nactions: *nope\n", 2, "anchor"});
  c.push_back({"a tab in the indentation", "version: '5'\nactions:\n\tsummarise:\n", 3, "'\\t'"});
  c.push_back({"a comma where a node should start", ",\n", 1, "cannot start any node"});
  c.push_back({"a file over 4 MiB", "version: '5'\n" + kValidTail + "#" + std::string(5 << 20, 'x') + "\n", kNoLine,
               "larger than 4 MiB"});
  return c;
}

}  // namespace

TEST_CASE("hostile CSV files: each gets its exact finding within the memory and time limits", "[cli][hostile]") {
  for (const auto& kase : csv_corpus()) {
    DYNAMIC_SECTION(kase.name) {
      TempDir root;
      fs::path ws = root.path();
      // The PATH_MAX case declares its own literal path; others only need the patterns.
      std::string rel = kase.make(ws);
      std::ofstream(ws / "project.yaml") << corpus_project(rel.rfind("output/long/", 0) == 0 ? rel : "");
      INFO("file: " << rel << " (" << fs::file_size(ws / rel) << " bytes)");

      Limited r = run_limited({"check", "--json", rel}, ws);
      require_clean_exit(r);
      CHECK(r.exit_code == kase.exit_code);
      json report = json::parse(r.out);
      REQUIRE(report.at("files").size() == 1);
      const json& f = report.at("files")[0];
      INFO(f.dump(2).substr(0, 4000));
      CHECK(f.at("path") == rel);
      CHECK(f.at("outcome") == kase.outcome);
      CHECK(f.at("rows") == kase.rows);
      CHECK(f.at("columns") == kase.columns);
      std::map<std::string, int> counts;
      for (const auto& [rule, n] : f.at("finding_counts").items()) counts[rule] = n.get<int>();
      CHECK(counts == kase.counts);
      for (const auto& e : kase.findings) {
        INFO("expected " << e.rule << " row " << (e.row ? std::to_string(*e.row) : "-") << " column "
                         << e.column.value_or("-") << " message containing '" << e.message_part << "'");
        CHECK(finding(f, e) != nullptr);
      }
      if (rel.rfind("output/tables/big", 0) == 0 || rel.rfind("output/tables/wide", 0) == 0) {
        // Memory follows the longest record, not the file: well under the limit.
        if (memory_measurable()) CHECK(r.max_rss_kb < 700 * 1024);
      }
      fs::remove_all(ws / "output");  // a 100 MB file goes as soon as it is done with
    }
  }
}

TEST_CASE("hostile names: spaces and unicode and deep folders are reported exactly by a scan too", "[cli][hostile]") {
  TempDir root;
  fs::path ws = root.path();
  const std::string long_rel = long_relpath(ws);
  std::ofstream(ws / "project.yaml") << corpus_project(long_rel);
  const std::vector<std::string> names{kUnicodeName, std::string(kUnicodeFolder) + "/résumé 2024 ✓.csv", long_rel,
                                       "output/tables/ leading and trailing space .csv"};
  for (const auto& n : names) {
    fs::create_directories((ws / n).parent_path());
    std::ofstream(ws / n) << "group,num\na,10\n";
  }
  REQUIRE((ws / long_rel).string().size() > PATH_MAX - 100);

  Limited scan = run_limited({"check", "--json"}, ws);
  require_clean_exit(scan);
  INFO(scan.out.substr(0, 3000));
  CHECK(scan.exit_code == 0);
  json report = json::parse(scan.out);
  std::vector<std::string> paths;
  for (const auto& f : report.at("files")) {
    paths.push_back(f.at("path"));
    CHECK(f.at("outcome") == "pass");
    CHECK(f.at("privacy") == "moderately_sensitive");
  }
  std::vector<std::string> expected = names;
  std::sort(expected.begin(), expected.end());
  std::sort(paths.begin(), paths.end());
  CHECK(paths == expected);

  // The same entry when named, and named from inside the unicode folder with a relative path.
  Limited named = run_limited({"check", "--json", "résumé 2024 ✓.csv"}, ws / kUnicodeFolder);
  require_clean_exit(named);
  CHECK(named.exit_code == 0);
  CHECK(json::parse(named.out).at("files")[0].at("path") == names[1]);
  // Text output names them as they are, too.
  Limited text = run_limited({"check"}, ws);
  require_clean_exit(text);
  for (const auto& n : names) CHECK(text.out.find(n) != std::string::npos);
}

TEST_CASE("hostile project.yaml files: exit 2 with a message naming the file and line", "[cli][hostile]") {
  for (const auto& kase : yaml_corpus()) {
    DYNAMIC_SECTION(kase.name) {
      TempDir root;
      fs::path ws = root.path();
      std::ofstream(ws / "project.yaml", std::ios::binary) << kase.project;
      fs::create_directories(ws / "output/tables");
      std::ofstream(ws / "output/tables/a.csv") << "group,num\na,10\n";
      for (const std::vector<std::string>& args :
           {std::vector<std::string>{"check", "--json"}, std::vector<std::string>{"project", "validate"}}) {
        Limited r = run_limited(args, ws);
        require_clean_exit(r);
        INFO(args[0] << ": stderr: " << r.err.substr(0, 1000));
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        const std::string first = r.err.substr(0, r.err.find('\n'));
        // check names the absolute file; validate names it as it found it.
        const std::string file = args[0] == "check" ? "outcheck: " + (ws / "project.yaml").string() : "project.yaml";
        std::smatch m;
        REQUIRE(std::regex_search(first, m, std::regex("(.*project\\.yaml)(:([0-9]+):([0-9]+))?: ")));
        if (args[0] == "check") CHECK(m[1].str() == file);
        if (kase.line == kNoLine) CHECK_FALSE(m[2].matched);
        else REQUIRE(m[2].matched);
        if (kase.line > 0) CHECK(std::stoi(m[3].str()) == kase.line);
        CHECK(first.find(kase.message_part) != std::string::npos);
        if (memory_measurable()) CHECK(r.max_rss_kb < 300 * 1024);
      }
    }
  }
}

TEST_CASE("hostile YAML that is valid: aliases are never expanded", "[cli][hostile]") {
  // A billion laughs (9^15 leaves) and a self-referencing anchor where arbitrary config is allowed:
  // the pipeline accepts these, and so does outcheck, in bounded time and memory.
  TempDir root;
  fs::path ws = root.path();
  std::ofstream(ws / "project.yaml")
      << "version: '5'\nactions:\n  summarise:\n    run: python:v2 python analysis/summarise.py\n    config:\n"
      << laughs("      ", 15) << "      self: &s {again: *s}\n"
      << "    outputs:\n      moderately_sensitive:\n        table: output/tables/*.csv\n";
  fs::create_directories(ws / "output/tables");
  std::ofstream(ws / "output/tables/a.csv") << "group,num\na,10\n";
  Limited validate = run_limited({"project", "validate"}, ws);
  require_clean_exit(validate);
  CHECK(validate.exit_code == 0);
  Limited check = run_limited({"check", "--json"}, ws);
  require_clean_exit(check);
  CHECK(check.exit_code == 0);
  CHECK(json::parse(check.out).at("summary").at("pass") == 1);
  if (memory_measurable()) CHECK(check.max_rss_kb < 300 * 1024);
}

TEST_CASE("hostile policy files: exit 2 naming the policy file and line", "[cli][hostile]") {
  TempDir root;
  fs::path ws = root.path();
  std::ofstream(ws / "project.yaml") << corpus_project();
  fs::create_directories(ws / "output/tables");
  std::ofstream(ws / "output/tables/a.csv") << "group,num\na,10\n";
  struct Case {
    std::string name, text;
    int line;
    std::string message_part;
  };
  const std::vector<Case> cases{
      {"billion laughs at the top", laughs("", 9), 1, "unknown key 'a'"},
      {"billion laughs where a list of strings is needed",
       "extends: opensafely\nredaction_markers: &m [\"x\",\"y\"]\ncolumns:\n  identifier: &i [*m, *m]\n", 2,
       "columns.identifier: each entry must be a string, not a list"},
      {"a duplicate key", "extends: opensafely\nlimits: {max_csv_rows: 10}\nlimits: {max_csv_rows: 20}\n", 3,
       "found duplicate key \"limits\""},
      {"deep nesting", "extends: opensafely\nx: " + repeat("[", 100000) + repeat("]", 100000) + "\n", 2, "nested too deeply"},
      {"invalid UTF-8", "extends: opensafely\nredaction_markers: [\"\xC3\x28\"]\n", 2, "not valid UTF-8"},
  };
  for (const auto& kase : cases) {
    DYNAMIC_SECTION(kase.name) {
      std::ofstream(ws / "policy.yaml", std::ios::binary) << kase.text;
      Limited r = run_limited({"check", "--policy", (ws / "policy.yaml").string(), "output/tables/a.csv"}, ws);
      require_clean_exit(r);
      INFO("stderr: " << r.err);
      CHECK(r.exit_code == 2);
      const std::string first = r.err.substr(0, r.err.find('\n'));
      CHECK(first.find("policy.yaml:" + std::to_string(kase.line) + ":") != std::string::npos);
      CHECK(first.find(kase.message_part) != std::string::npos);
    }
  }
}
