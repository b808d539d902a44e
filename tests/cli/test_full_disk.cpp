// A full disk (issue 21 item 6), on a real small tmpfs: tests/CMakeLists.txt runs this case as its
// own ctest entry inside `unshare -rm` with a 2 MB tmpfs mounted at OUTCHECK_FULL_DISK_DIR (and
// skips it, exit 77, where mounting is not allowed); it is hidden from the ordinary run. With the
// home's disk full: adding a file fails as `unavailable` (exit 1) with a message naming the path
// written and what to do, never a stale errno; request list, request show and audit verify still
// work; nothing is half-written (home check finds no damage); and once space is freed the same
// add completes and the home checks clean.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::contains;
using outcheck::test::put;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

namespace {

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Writes zeros to `path` until the file system says ENOSPC; true when it did.
bool fill(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::vector<char> zeros(1 << 16, 0);
  bool full = false;
  for (std::size_t chunk : {std::size_t(1) << 16, std::size_t(4096), std::size_t(1)}) {
    while (true) {
      ssize_t n = ::write(fd, zeros.data(), chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        full = full || errno == ENOSPC;
        break;
      }
    }
  }
  ::close(fd);
  return full;
}

}  // namespace

TEST_CASE("full disk: a full home refuses writes clearly, still serves reads, and half-writes nothing",
          "[.][full_disk]") {
  const char* mount = std::getenv("OUTCHECK_FULL_DISK_DIR");
  if (!mount || !*mount) {
    WARN("OUTCHECK_FULL_DISK_DIR is not set: run through its ctest entry (a tmpfs inside unshare -m)");
    return;
  }
  TempDir dir;  // the workspace, on the ordinary disk
  const fs::path ws = dir.path() / "fdws", home = fs::path(mount) / "home";
  put(ws / "project.yaml",
      "version: '5'\nactions:\n  a:\n    run: python:v2 python a.py\n    outputs:\n      moderately_sensitive:\n"
      "        t: output/*.csv\n");
  put(ws / "output/t.csv", "group,num\na,10\nb,20\n");
  std::string big = "group,num\n";
  for (int i = 0; i < 3000; ++i) big += "g" + std::to_string(i) + "_" + std::string(40, 'x') + ",10\n";
  put(ws / "output/big.csv", big);

  const std::vector<std::string> env{"OUTCHECK_HOME=" + home.string()};
  auto run = [&](const std::string& token, const std::vector<std::string>& args) {
    std::vector<std::string> e = env;
    e.push_back("OUTCHECK_TOKEN=" + token);
    return run_outcheck(args, ws, e);
  };
  RunResult admin = run("", {"user", "add", "admin", "--role", "admin"});
  REQUIRE(admin.exit_code == 0);
  const std::string admin_token = last_line(admin.out);
  RunResult res = run(admin_token, {"user", "add", "res", "--role", "researcher"});
  REQUIRE(res.exit_code == 0);
  const std::string res_token = last_line(res.out);
  REQUIRE(run(admin_token, {"workspace", "grant", "fdws", "res"}).exit_code == 0);
  RunResult created = run(res_token, {"request", "create", "--workspace", ws.string()});
  REQUIRE(created.exit_code == 0);
  const std::string id = last_line(created.out);
  REQUIRE(run(res_token, {"request", "add", id, "output/t.csv"}).exit_code == 0);

  const fs::path filler = fs::path(mount) / "filler";
  REQUIRE(fill(filler));

  RunResult add = run(res_token, {"request", "add", id, "output/big.csv"});
  INFO("add on a full disk: " << add.out << add.err);
  CHECK(add.exit_code == 1);  // unavailable: run it again once there is space
  CHECK(contains(add.err, "the home's disk is full: free space on " + home.string()));
  CHECK(!contains(add.err, "No such file or directory"));

  RunResult list = run(res_token, {"request", "list"});
  INFO("list: " << list.out << list.err);
  CHECK(list.exit_code == 0);
  CHECK(contains(list.out, id));
  RunResult show = run(res_token, {"request", "show", id, "--json"});
  INFO("show: " << show.out << show.err);
  REQUIRE(show.exit_code == 0);
  CHECK(json::parse(show.out).at("files").size() == 1);  // nothing of the failed add
  RunResult verify = run(admin_token, {"audit", "verify"});
  INFO("verify: " << verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  RunResult check = run_outcheck({"home", "check", "--home", home.string(), "--json"}, ws);
  INFO("home check: " << check.out << check.err);
  REQUIRE((check.exit_code == 0 || check.exit_code == 1));
  json report = json::parse(check.out);
  CHECK(report.at("integrity") == "ok");
  CHECK(report.at("store").at("problems").empty());
  CHECK(report.at("orphans").empty());
  CHECK(report.at("leftovers").empty());  // the failed add removed its partial copy

  fs::remove(filler);
  RunResult again = run(res_token, {"request", "add", id, "output/big.csv"});
  INFO("again: " << again.out << again.err);
  CHECK(again.exit_code == 0);
  RunResult shown = run(res_token, {"request", "show", id, "--json"});
  REQUIRE(shown.exit_code == 0);
  CHECK(json::parse(shown.out).at("files").size() == 2);
  CHECK(run_outcheck({"home", "check", "--home", home.string()}, ws).exit_code == 0);
  CHECK(run(admin_token, {"audit", "verify"}).exit_code == 0);
}

TEST_CASE("full disk: a release into a full folder stops clearly, is recorded, and resumes once there is space",
          "[.][full_disk]") {
  const char* mount = std::getenv("OUTCHECK_FULL_DISK_DIR");
  if (!mount || !*mount) {
    WARN("OUTCHECK_FULL_DISK_DIR is not set: run through its ctest entry (a tmpfs inside unshare -m)");
    return;
  }
  TempDir dir;  // the workspace and the home, on the ordinary disk; the release folder on the tmpfs
  const fs::path ws = dir.path() / "relws", home = dir.path() / "home", out = fs::path(mount) / "released";
  put(ws / "project.yaml",
      "version: '5'\nactions:\n  a:\n    run: python:v2 python a.py\n    outputs:\n      moderately_sensitive:\n"
      "        t: output/*.csv\n");
  std::string big = "group,num\n";
  for (int i = 0; i < 3000; ++i) big += "g" + std::to_string(i) + "_" + std::string(40, 'x') + ",10\n";
  put(ws / "output/big.csv", big);
  const std::vector<std::string> env{"OUTCHECK_HOME=" + home.string()};
  auto run = [&](const std::string& token, const std::vector<std::string>& args) {
    std::vector<std::string> e = env;
    e.push_back("OUTCHECK_TOKEN=" + token);
    return run_outcheck(args, ws, e);
  };
  RunResult admin = run("", {"user", "add", "admin", "--role", "admin"});
  REQUIRE(admin.exit_code == 0);
  std::map<std::string, std::string> tokens{{"admin", last_line(admin.out)}};
  for (const std::string name : {"res", "c1", "c2", "c3"}) {
    RunResult u = run(tokens["admin"], {"user", "add", name, "--role", name == "res" ? "researcher" : "output-checker"});
    REQUIRE(u.exit_code == 0);
    tokens[name] = last_line(u.out);
  }
  REQUIRE(run(tokens["admin"], {"workspace", "grant", "relws", "res"}).exit_code == 0);
  RunResult created = run(tokens["res"], {"request", "create", "--workspace", ws.string()});
  REQUIRE(created.exit_code == 0);
  const std::string id = last_line(created.out);
  REQUIRE(run(tokens["res"], {"request", "add", id, "output/big.csv"}).exit_code == 0);
  REQUIRE(run(tokens["res"], {"request", "group", id, "default", "--context", "c", "--controls", "r"}).exit_code == 0);
  REQUIRE(run(tokens["res"], {"request", "submit", id}).exit_code == 0);
  for (const std::string c : {"c1", "c2"}) {
    REQUIRE(run(tokens[c], {"review", "vote", id, "output/big.csv", "approve"}).exit_code == 0);
    REQUIRE(run(tokens[c], {"review", "submit", id}).exit_code == 0);
  }
  const fs::path filler = fs::path(mount) / "filler-release";
  REQUIRE(fill(filler));
  RunResult stopped = run(tokens["c3"], {"request", "release", id, "--to", out.string()});
  INFO("release into a full folder: " << stopped.out << stopped.err);
  CHECK(stopped.exit_code == 1);
  CHECK(contains(stopped.err, "disk is full: free space on " + out.string()));
  RunResult shown = run(tokens["c3"], {"request", "show", id, "--json"});
  REQUIRE(shown.exit_code == 0);
  CHECK(json::parse(shown.out).at("status") == "approved");
  RunResult log = run(tokens["admin"], {"audit", "log", "--request", id, "--json"});
  REQUIRE(log.exit_code == 0);
  CHECK(contains(log.out, "release_stopped"));
  CHECK(contains(log.out, "disk is full"));
  CHECK(!fs::exists(out / "relws" / id));  // the final folder appears whole or not at all

  fs::remove(filler);
  RunResult again = run(tokens["c3"], {"request", "release", id, "--to", out.string()});
  INFO("again: " << again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(fs::exists(out / "relws" / id / "manifest.json"));
  CHECK(!fs::exists(out / "relws" / ("." + id + ".partial")));
  CHECK(outcheck::test::slurp(out / "relws" / id / "files" / "output/big.csv") == big);
}
