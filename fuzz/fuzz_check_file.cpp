// libFuzzer harness for the whole `check` of one file: the bytes become output/fuzz.csv in a
// workspace made once (a project.yaml declaring output/*.csv moderately_sensitive), which is checked
// as `outcheck check output/fuzz.csv` does (run_check -> check_file, opensafely policy), and the
// report is rendered both ways (JSON as --format json dumps it, and text).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "checker/check_run.h"
#include "checker/json_text.h"
#include "checker/policy_file.h"
#include "checker/report.h"
#include "checker/workspace.h"

namespace fs = std::filesystem;
using namespace outcheck::checker;

namespace {

const char* const kProject =
    "version: '4'\n"
    "actions:\n"
    "  tables:\n"
    "    run: python:latest python analysis/tables.py\n"
    "    outputs:\n"
    "      moderately_sensitive:\n"
    "        tables: output/*.csv\n";

struct Fixture {
  fs::path dir;
  std::optional<Workspace> ws;
  std::optional<PolicySet> policies;
  fs::path csv;
};

Fixture* fixture = nullptr;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "fuzz_check_file: %s\n", message.c_str());
  std::abort();
}

void remove_workspace() {
  if (!fixture) return;
  std::error_code ec;
  fs::remove_all(fixture->dir, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture = new Fixture;
  std::string tmpl = (fs::temp_directory_path() / "outcheck-fuzz-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) die("mkdtemp failed");
  fixture->dir = tmpl;
  std::atexit(remove_workspace);
  fs::create_directories(fixture->dir / "output");
  std::ofstream(fixture->dir / "project.yaml", std::ios::binary) << kProject;

  auto ws = open_workspace(fixture->dir);
  if (!ws) die(ws.error().message);
  fixture->ws = std::move(*ws);
  auto policies = load_policy("opensafely", fixture->dir);
  if (!policies) die(policies.error().message);
  fixture->policies = std::move(*policies);
  fixture->csv = fixture->ws->root / "output" / "fuzz.csv";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(fixture->csv, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) die("cannot write " + fixture->csv.string());
  }
  CheckOptions options;
  options.paths = {"output/fuzz.csv"};
  options.cwd = fixture->ws->root;
  options.threads = 1;
  auto report = run_check(*fixture->ws, *fixture->policies, options);
  if (!report) die("run_check failed: " + report.error().message);
  if (report->files.size() != 1) die("expected one file in the report");
  const FileReport& file = report->files.front();
  if (file.privacy != Privacy::moderately_sensitive) die("output/fuzz.csv is not moderately_sensitive");
  if (!file.sha256 || file.size != static_cast<std::int64_t>(size)) die("the file was not read whole");

  (void)json_text(report_to_json(*report), 2);  // as `check --format json` prints it
  (void)report_to_text(*report);
  (void)exit_code_for(*report);
  return 0;
}
