// Several outcheck processes at once on one home: files added, comments written and votes cast
// concurrently must all land (nothing lost), no command may fail because the database is busy, and
// the audit chain must still verify. Each worker is a forked process running the real binary.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

using outcheck::test::trim;

namespace {

constexpr int kWorkers = 6;
constexpr int kOpsPerWorker = 10;

struct Outcome {
  int exit_code;
  std::string command;
  std::string err;
};

// Runs kWorkers processes at once; worker w runs the commands `plan(w)` one after another (each
// with its own environment). All start together, released by a pipe. Returns every outcome.
std::vector<Outcome> run_concurrently(const fs::path& cwd, const fs::path& scratch,
                                      const std::function<std::vector<std::pair<std::vector<std::string>,
                                                                                std::vector<std::string>>>(int)>& plan) {
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> pids;
  for (int w = 0; w < kWorkers; ++w) {
    auto commands = plan(w);  // built before the fork: no allocation surprises in the child's loop
    fs::path results = scratch / ("worker-" + std::to_string(w));
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char c;
      while (::read(gate[0], &c, 1) > 0) {
      }
      std::ofstream out(results);
      for (const auto& [args, env] : commands) {
        RunResult r = run_outcheck(args, cwd, env);
        std::string line;
        for (const auto& a : args) line += a + " ";
        json j{{"exit", r.exit_code}, {"command", line}, {"err", r.err}};
        out << j.dump() << "\n";
      }
      out.close();
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // go
  for (pid_t pid : pids) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
  std::vector<Outcome> outcomes;
  for (int w = 0; w < kWorkers; ++w) {
    std::ifstream in(scratch / ("worker-" + std::to_string(w)));
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line);
      outcomes.push_back({j["exit"].get<int>(), j["command"].get<std::string>(), j["err"].get<std::string>()});
    }
  }
  return outcomes;
}

void require_all_succeeded(const std::vector<Outcome>& outcomes, std::size_t expected) {
  REQUIRE(outcomes.size() == expected);
  for (const auto& o : outcomes) {
    INFO(o.command << "\nstderr: " << o.err);
    CHECK(o.exit_code == 0);
    CHECK(o.err.find("locked") == std::string::npos);
    CHECK(o.err.find("busy") == std::string::npos);
  }
}

}  // namespace

TEST_CASE("concurrency: files, comments and votes from many processes at once all land", "[cli][concurrency]") {
  TempDir dir;
  dir.write("ws/project.yaml", outcheck::test::simple_project_yaml());
  const fs::path ws = dir.path() / "ws", home = dir.path() / "home", scratch = dir.path() / "scratch";
  fs::create_directories(scratch);
  std::map<std::string, std::string> token;
  auto env_of = [&](const std::string& user) {
    return std::vector<std::string>{"OUTCHECK_HOME=" + home.string(), "OUTCHECK_TOKEN=" + token[user]};
  };
  auto ok = [&](const std::string& user, const std::vector<std::string>& args) {
    RunResult r = run_outcheck(args, ws, env_of(user));
    INFO(user << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  };
  RunResult first = run_outcheck({"user", "add", "admin", "--role", "admin"}, ws, {"OUTCHECK_HOME=" + home.string()});
  REQUIRE(first.exit_code == 0);
  token["admin"] = trim(first.out);
  std::vector<std::string> checkers;
  token["res"] = trim(ok("admin", {"user", "add", "res", "--role", "researcher"}).out);
  for (int w = 0; w < kWorkers; ++w) {
    std::string name = "checker" + std::to_string(w);
    token[name] = trim(ok("admin", {"user", "add", name, "--role", "output-checker"}).out);
    checkers.push_back(name);
  }

  // Half of each worker's operations add a file of its own, half comment.
  const int adds = kOpsPerWorker / 2;
  std::set<std::string> expected_files, expected_comments;
  for (int w = 0; w < kWorkers; ++w) {
    for (int i = 0; i < adds; ++i) {
      std::string rel = "output/tables/w" + std::to_string(w) + "_" + std::to_string(i) + ".csv";
      // Distinct contents, but the same bytes in two files too (the store is content-addressed).
      std::string body = "group,num\na," + std::to_string(10 + 5 * (i % 3)) + "\nb,15\n";
      dir.write("ws/" + rel, body);
      expected_files.insert(rel);
    }
  }
  const std::string id = trim(ok("res", {"request", "create", "--workspace", ws.string()}).out);
  REQUIRE(id.size() == 26);

  // Phase 1, with the author: six processes add files and comment at once.
  auto authoring = run_concurrently(ws, scratch, [&](int w) {
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cmds;
    for (int i = 0; i < kOpsPerWorker; ++i) {
      if (i % 2 == 0) {
        std::string rel = "output/tables/w" + std::to_string(w) + "_" + std::to_string(i / 2) + ".csv";
        cmds.push_back({{"request", "add", id, rel}, env_of("res")});
      } else {
        std::string text = "author note " + std::to_string(w) + "-" + std::to_string(i);
        cmds.push_back({{"review", "comment", id, "--group", "default", "--text", text}, env_of("res")});
      }
    }
    return cmds;
  });
  require_all_succeeded(authoring, kWorkers * kOpsPerWorker);
  for (int w = 0; w < kWorkers; ++w) {
    for (int i = 1; i < kOpsPerWorker; i += 2) expected_comments.insert("author note " + std::to_string(w) + "-" + std::to_string(i));
  }
  json shown = json::parse(ok("res", {"request", "show", id, "--json"}).out);
  std::set<std::string> files, comments;
  for (const auto& f : shown["files"]) files.insert(f["path"].get<std::string>());
  for (const auto& g : shown["groups"]) {
    for (const auto& c : g["comments"]) comments.insert(c["text"].get<std::string>());
  }
  CHECK(files == expected_files);
  CHECK(comments == expected_comments);

  ok("res", {"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
  ok("res", {"request", "submit", id});

  // Phase 2, under review: six checkers each vote on five files and write five comments, at once.
  std::vector<std::string> all_files(expected_files.begin(), expected_files.end());
  auto reviewing = run_concurrently(ws, scratch, [&](int w) {
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cmds;
    for (int i = 0; i < kOpsPerWorker; ++i) {
      if (i % 2 == 0) {
        const std::string& f = all_files[static_cast<std::size_t>((w * adds + i / 2 + 3) % all_files.size())];
        cmds.push_back({{"review", "vote", id, f, "approve"}, env_of(checkers[static_cast<std::size_t>(w)])});
      } else {
        std::string text = "checker note " + std::to_string(w) + "-" + std::to_string(i);
        std::vector<std::string> args{"review", "comment", id, "--group", "default", "--text", text};
        if (i % 4 == 1) args.push_back("--private");
        cmds.push_back({args, env_of(checkers[static_cast<std::size_t>(w)])});
      }
    }
    return cmds;
  });
  require_all_succeeded(reviewing, kWorkers * kOpsPerWorker);

  // Each checker sees their own five votes and five comments (the others' are blinded).
  for (int w = 0; w < kWorkers; ++w) {
    INFO("checker " << w);
    json view = json::parse(ok(checkers[static_cast<std::size_t>(w)], {"request", "show", id, "--json"}).out);
    std::set<std::string> voted, wrote;
    for (const auto& f : view["files"]) {
      for (const auto& v : f["votes"]) {
        if (v["reviewer"] == checkers[static_cast<std::size_t>(w)] && v["vote"] == "approved") voted.insert(f["path"].get<std::string>());
      }
    }
    std::set<std::string> expected_votes, expected_texts;
    for (int i = 0; i < kOpsPerWorker; ++i) {
      if (i % 2 == 0) expected_votes.insert(all_files[static_cast<std::size_t>((w * adds + i / 2 + 3) % all_files.size())]);
      else expected_texts.insert("checker note " + std::to_string(w) + "-" + std::to_string(i));
    }
    for (const auto& g : view["groups"]) {
      for (const auto& c : g["comments"]) {
        if (c["author"] == checkers[static_cast<std::size_t>(w)]) wrote.insert(c["text"].get<std::string>());
      }
    }
    CHECK(voted == expected_votes);
    CHECK(wrote == expected_texts);
  }

  // The log holds every action once, in one unbroken chain.
  json log = json::parse(ok("admin", {"audit", "log", "--json", "--request", id}).out);
  std::map<std::string, int> actions;
  for (const auto& row : log) actions[row["action"].get<std::string>()]++;
  CHECK(actions["refused"] == 0);
  std::int64_t prev = 0;
  for (const auto& row : log) {
    CHECK(row["seq"].get<std::int64_t>() > prev);
    prev = row["seq"].get<std::int64_t>();
  }
  RunResult verify = run_outcheck({"audit", "verify"}, ws, env_of(checkers[0]));
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}
