// Crashes: the real binary SIGKILLed at random points (a fixed seed, a bounded number of trials)
// during `request add` of many files, `review vote`, `review submit` and `request release --to DIR`.
// After every kill: the audit chain verifies; every file a request records has its content-addressed
// copy in OUTCHECK_HOME/store/xx/<sha> holding exactly those bytes; the release folder never shows
// a partial file under a final name, and its manifest appears only once every file is there; and
// running the same command again completes (exit 0) with the expected end state.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/sha256.h"
#include "tests/support/sanitized.h"
#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::checker::sha256_hex;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

using outcheck::test::trim;
using outcheck::test::contains;
using outcheck::test::slurp;
using outcheck::test::put;
using outcheck::test::join;

namespace {

// Kills per phase. Under a sanitizer fewer: there each trial is a few times slower, and what that
// build looks for (memory errors) shows in any trial; the plain build runs them all.
constexpr int kTrials = outcheck::test::kSanitized ? 5 : 15;
constexpr int kManyFiles = 200;      // files in one `request add`
constexpr std::uint32_t kSeed = 20240611;

// Runs the binary and SIGKILLs it `delay` after the fork (unless it has ended by then). Returns
// true when the kill ended it, false when it had already exited (with `exit_code`).
struct Killed {
  bool killed = false;
  int exit_code = -1;
};

Killed run_and_kill(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env,
                    std::chrono::microseconds delay) {
  std::vector<std::string> argv_s{OUTCHECK_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = outcheck::test::child_environment(env);  // built before the fork
  std::vector<char*> envp = outcheck::test::pointers(env_s);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + delay;
  int status = 0;
  Killed k;
  while (true) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      k.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return k;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ::kill(pid, SIGKILL);
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
    k.killed = true;
  } else {
    k.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return k;
}

// A site: a home, a workspace of many small CSVs (output/many) and a few larger ones
// (output/big), and users admin, res (the author), c1 and c2 (reviewers), c3 (who releases).
class Site : public outcheck::test::UserSite {
 public:
  Site() {
    write("project.yaml",
          "version: '5'\n"
          "actions:\n"
          "  summarise:\n"
          "    run: python:v2 python analysis/summarise.py\n"
          "    outputs:\n"
          "      moderately_sensitive:\n"
          "        many: output/many/*.csv\n"
          "        big: output/big/*.csv\n");
    for (int i = 0; i < kManyFiles; ++i) {
      write(many(i), "group,num\nrow" + std::to_string(i) + "," + std::to_string(10 * (i + 1)) + "\nother,15\n");
    }
    // Larger files make a release take long enough to be interrupted in the middle of a file.
    for (int i = 0; i < 4; ++i) {
      // Under the 5,000-row limit, with long group names: about 1.5 MB, passing every rule.
      std::string csv = "group,num\n";
      const std::string pad(380, 'x');
      for (int r = 0; r < 4000; ++r) csv += "g" + std::to_string(i) + "_" + std::to_string(r) + pad + ",10\n";
      write(big(i), csv);
    }
    add_admin();
    add_user("res", {"researcher"});
    for (const char* c : {"c1", "c2", "c3"}) add_user(c, {"output-checker"});
  }

  static std::string many(int i) { return "output/many/f" + std::to_string(1000 + i) + ".csv"; }
  static std::string big(int i) { return "output/big/b" + std::to_string(i) + ".csv"; }

  // The environment of `user`'s commands, for a process this test starts (and kills) itself.
  std::vector<std::string> env(const std::string& user) const {
    return {"OUTCHECK_HOME=" + home().string(), "OUTCHECK_TOKEN=" + token(user)};
  }
  json show(const std::string& id) const { return show_as("c3", id); }

  // A new request (its own workspace name, so the author may have many at once).
  std::string create(const std::string& name) const { return create_by("res", {}, {"--workspace-name", name}); }
  std::string submitted(const std::string& name, const std::vector<std::string>& files) const {
    std::string id = create(name);
    std::vector<std::string> add{"request", "add", id};
    add.insert(add.end(), files.begin(), files.end());
    ok("res", add);
    ok("res", {"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
    ok("res", {"request", "submit", id});
    return id;
  }
  std::string reviewed(const std::string& name, const std::vector<std::string>& files) const {
    std::string id = submitted(name, files);
    for (const char* c : {"c1", "c2"}) {
      for (const auto& f : files) ok(c, {"review", "vote", id, f, "approve"});
      ok(c, {"review", "submit", id});
    }
    REQUIRE(show(id).at("status") == "reviewed");
    return id;
  }

  // The invariants that must hold after any kill: the audit chain verifies, and every file the
  // requests `ids` record has its stored copy, holding exactly the recorded bytes.
  void expect_consistent(const std::vector<std::string>& ids) const {
    RunResult verify = as("admin", {"audit", "verify"});
    INFO("audit verify: " << verify.out << verify.err);
    CHECK(verify.exit_code == 0);
    std::vector<std::string> problems;
    for (const auto& id : ids) {
      const json shown = show(id);
      for (const auto& f : shown.at("files")) {
        const std::string sha = f.at("sha256");
        const fs::path copy = home() / "store" / sha.substr(0, 2) / sha;
        const std::string where = id + " " + f.at("path").get<std::string>() + ": ";
        if (!fs::exists(copy)) problems.push_back(where + "no stored copy " + copy.string());
        else if (sha256_hex(slurp(copy)) != sha) problems.push_back(where + "the stored copy does not hash to its name");
        else if (fs::file_size(copy) != f.at("size").get<std::uintmax_t>()) problems.push_back(where + "wrong size");
      }
    }
    INFO(problems.size() << " problems; first: " << (problems.empty() ? "" : problems.front()));
    CHECK(problems.empty());
  }
};

// How long a command takes when left alone, to spread the kills over its whole run: a delay is
// drawn from [0, max(50 ms, 1.2 x that)].
std::chrono::microseconds kill_window(const std::function<RunResult()>& run_once) {
  const auto start = std::chrono::steady_clock::now();
  RunResult r = run_once();
  INFO("baseline run: " << r.err);
  REQUIRE(r.exit_code == 0);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  return std::max(std::chrono::microseconds(50000), took * 6 / 5);
}

std::chrono::microseconds draw(std::mt19937& rng, std::chrono::microseconds window) {
  return std::chrono::microseconds(std::uniform_int_distribution<std::int64_t>(0, window.count())(rng));
}

}  // namespace

TEST_CASE("crash: request add of many files killed at random points and run again", "[cli][crash]") {
  Site site;
  std::mt19937 rng(kSeed);
  std::map<std::string, std::string> expected;  // path -> sha256 of the workspace file
  for (int i = 0; i < kManyFiles; ++i) expected[Site::many(i)] = sha256_hex(slurp(site.ws() / Site::many(i)));
  const auto window = kill_window([&] {
    std::string id = site.create("baseline");
    return site.as("res", {"request", "add", id, "output/many"});
  });

  int killed = 0;
  for (int t = 0; t < kTrials; ++t) {
    const std::string id = site.create("add-" + std::to_string(t));
    const std::vector<std::string> add{"request", "add", id, "output/many"};
    const auto delay = draw(rng, window);
    Killed k = run_and_kill(add, site.ws(), site.env("res"), delay);
    INFO("trial " << t << ": killed after " << delay.count() << " us: " << (k.killed ? "killed" : "had exited"));
    if (!k.killed) CHECK(k.exit_code == 0);
    killed += k.killed;
    site.expect_consistent({id});
    // All or nothing: one transaction adds the whole batch.
    const std::size_t n = site.show(id).at("files").size();
    CHECK((n == 0 || n == expected.size()));

    RunResult again = site.as("res", add);
    INFO("again: " << again.out << again.err);
    REQUIRE(again.exit_code == 0);
    std::map<std::string, std::string> got;
    const json shown = site.show(id);  // kept: a range-for over a temporary's member would dangle
    for (const auto& f : shown.at("files")) got[f.at("path")] = f.at("sha256");
    CHECK(got == expected);
    site.expect_consistent({id});
  }
  CHECK(killed > 0);
}

TEST_CASE("crash: review vote and review submit killed at random points and run again", "[cli][crash]") {
  Site site;
  std::mt19937 rng(kSeed + 1);
  std::vector<std::string> files;
  for (int i = 0; i < kTrials; ++i) files.push_back(Site::many(i));

  SECTION("review vote") {
    const std::string id = site.submitted("votes", files);
    const auto window = kill_window([&] { return site.as("c2", {"review", "vote", id, files[0], "approve"}); });
    int killed = 0;
    for (int t = 0; t < kTrials; ++t) {
      const std::vector<std::string> vote{"review", "vote", id, files[t], "approve"};
      const auto delay = draw(rng, window);
      Killed k = run_and_kill(vote, site.ws(), site.env("c1"), delay);
      INFO("trial " << t << ": killed after " << delay.count() << " us: " << (k.killed ? "killed" : "had exited"));
      if (!k.killed) CHECK(k.exit_code == 0);
      killed += k.killed;
      site.expect_consistent({id});
      RunResult again = site.as("c1", vote);
      INFO("again: " << again.out << again.err);
      REQUIRE(again.exit_code == 0);
    }
    // Every vote landed exactly once, as c1 sees them.
    json mine = json::parse(site.ok("c1", {"request", "show", id, "--json"}).out);
    for (const auto& f : mine.at("files")) {
      std::vector<std::string> votes;
      for (const auto& v : f.at("votes")) {
        if (v.at("reviewer") == "c1") votes.push_back(v.at("vote"));
      }
      CHECK(votes == std::vector<std::string>{"approved"});
    }
    site.ok("c1", {"review", "submit", id});
    CHECK(site.show(id).at("status") == "partially_reviewed");
    CHECK(killed > 0);
  }

  SECTION("review submit") {
    // One request per trial, each voted on by c1, whose `review submit` is killed.
    std::vector<std::string> ids;
    for (int t = 0; t <= kTrials; ++t) {
      ids.push_back(site.submitted("submit-" + std::to_string(t), {files[t % files.size()]}));
      site.ok("c1", {"review", "vote", ids.back(), files[t % files.size()], "approve"});
    }
    const auto window = kill_window([&] { return site.as("c1", {"review", "submit", ids.back()}); });
    int killed = 0;
    for (int t = 0; t < kTrials; ++t) {
      const std::vector<std::string> submit{"review", "submit", ids[t]};
      const auto delay = draw(rng, window);
      Killed k = run_and_kill(submit, site.ws(), site.env("c1"), delay);
      INFO("trial " << t << ": killed after " << delay.count() << " us: " << (k.killed ? "killed" : "had exited"));
      if (!k.killed) CHECK(k.exit_code == 0);
      killed += k.killed;
      site.expect_consistent({ids[t]});
      const std::string status = site.show(ids[t]).at("status");
      CHECK((status == "submitted" || status == "partially_reviewed"));
      RunResult again = site.as("c1", submit);
      INFO("status after the kill: " << status << "; again: " << again.out << again.err);
      if (status == "submitted") {
        CHECK(again.exit_code == 0);  // the killed run did not commit: this one does
      } else {
        // The killed run had committed before it died: the review is in, once, and submitting it a
        // second time is refused (the documented outcome for a repeated review submit).
        CHECK(again.exit_code == 1);
      }
      const json shown = json::parse(site.ok("c1", {"request", "show", ids[t], "--json"}).out);
      CHECK(shown.at("status") == "partially_reviewed");
      CHECK(shown.at("reviews_submitted").size() == 1);
    }
    CHECK(killed > 0);
  }
}

TEST_CASE("crash: request release to a folder killed at random points and run again", "[cli][crash]") {
  Site site;
  std::mt19937 rng(kSeed + 2);
  std::vector<std::string> files{Site::big(0), Site::big(1), Site::big(2), Site::big(3), Site::many(0), Site::many(1)};
  const fs::path out = site.root() / "published";
  // Two kills per request (the second interrupts the resumed release), then the run that finishes.
  constexpr int kRequests = (kTrials + 1) / 2;
  std::vector<std::string> ids;
  for (int r = 0; r <= kRequests; ++r) ids.push_back(site.reviewed("rel-" + std::to_string(r), files));
  const auto window = kill_window([&] { return site.as("c3", {"request", "release", ids.back(), "--to", out.string()}); });

  int killed = 0, trials = 0;
  for (int r = 0; r < kRequests; ++r) {
    const std::string& id = ids[r];
    const std::map<std::string, std::string> hashes = [&] {
      std::map<std::string, std::string> h;
      const json shown = site.show(id);
      for (const auto& f : shown.at("files")) h[f.at("path")] = f.at("sha256");
      return h;
    }();
    const fs::path root = out / ("rel-" + std::to_string(r)) / id;
    const std::vector<std::string> release{"request", "release", id, "--to", out.string()};

    // What the folder may hold at any moment: complete files under their final names, temporary
    // names beginning with a dot, and the manifest only once every file is there.
    auto expect_no_partial_file = [&] {
      bool manifest = false;
      std::set<std::string> complete, records;
      if (!fs::exists(root)) return;
      for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (e.is_directory()) continue;
        const std::string rel = fs::relative(e.path(), root).generic_string();
        const std::string name = e.path().filename().string();
        if (name[0] == '.') {
          CHECK(contains(name, ".tmp-"));  // a temporary name of the atomic writer
          continue;
        }
        if (rel == "manifest.json") {
          manifest = true;
          continue;
        }
        if (rel == "release-record.json" || rel == "release-record.html") {
          records.insert(rel);
          continue;
        }
        INFO("published file " << rel);
        REQUIRE(rel.rfind("files/", 0) == 0);
        const std::string path = rel.substr(6);
        REQUIRE(hashes.count(path) == 1);
        CHECK(sha256_hex(slurp(e.path())) == hashes.at(path));
        complete.insert(path);
      }
      // The final folder appears whole: its release record with its manifest.
      CHECK(records.size() == (manifest ? 2u : 0u));
      if (manifest) {
        CHECK(complete.size() == hashes.size());
        json m = json::parse(slurp(root / "manifest.json"));
        CHECK(m.at("files").size() == hashes.size());
      }
    };

    for (int attempt = 0; attempt < 2 && trials < kTrials; ++attempt, ++trials) {
      const auto delay = draw(rng, window);
      Killed k = run_and_kill(release, site.ws(), site.env("c3"), delay);
      INFO("request " << r << " attempt " << attempt << ": killed after " << delay.count()
                      << " us: " << (k.killed ? "killed" : "had exited"));
      if (!k.killed) CHECK(k.exit_code == 0);
      killed += k.killed;
      site.expect_consistent({id});
      expect_no_partial_file();
      const std::string status = site.show(id).at("status");
      CHECK((status == "reviewed" || status == "approved" || status == "released"));
    }

    RunResult again = site.as("c3", release);
    INFO("again: " << again.out << again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(site.show(id).at("status") == "released");
    expect_no_partial_file();
    REQUIRE(fs::exists(root / "manifest.json"));
    for (const auto& [path, sha] : hashes) CHECK(sha256_hex(slurp(root / "files" / path)) == sha);
    // Nothing but the files, the manifest and the release record is left once it is done: no temporary from a killed run.
    std::set<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_directory()) names.insert(fs::relative(e.path(), root).generic_string());
    }
    std::set<std::string> want{"manifest.json", "release-record.json", "release-record.html"};
    for (const auto& [path, sha] : hashes) want.insert("files/" + path);
    CHECK(names == want);
    site.expect_consistent({id});
  }
  CHECK(killed > 0);
}

// ---- issue 21 item 5: named crash points, a time-bounded random kill loop, and a killed server.

namespace {

// `outcheck home check --json` on the site's home (with --repair when asked): its report.
json home_check(const Site& site, bool repair = false, int* exit_code = nullptr) {
  std::vector<std::string> args{"home", "check", "--home", site.home().string(), "--json"};
  if (repair) args.push_back("--repair");
  RunResult r = run_outcheck(args, site.root());
  INFO("home check: " << r.out << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  if (exit_code) *exit_code = r.exit_code;
  return json::parse(r.out);
}

// After any stop: the database's integrity, the audit record, every stored copy the requests
// record; and, once the next writer has run (or after home check --repair), nothing left over.
void expect_after_stop(const Site& site, const std::vector<std::string>& ids) {
  json report = home_check(site);
  CHECK(report.at("integrity") == "ok");
  CHECK(report.at("store").at("problems").empty());
  CHECK(report.at("audit").at("intact") == true);
  site.expect_consistent(ids);
}

void expect_clean(const Site& site) {
  int rc = -1;
  json report = home_check(site, false, &rc);
  INFO(report.dump(2));
  CHECK(rc == 0);
  CHECK(report.at("orphans").empty());
  CHECK(report.at("leftovers").empty());
  CHECK(report.at("interrupted_releases").empty());
}

std::size_t count_rows(const json& rows, const std::string& action, const std::string& path = "") {
  std::size_t n = 0;
  for (const auto& r : rows) {
    if (r.at("action") == action && (path.empty() || (r.at("path").is_string() && r.at("path") == path))) ++n;
  }
  return n;
}

// The request's audit rows as `user` sees them (a reviewer always sees their own rows; others
// see judgements once the lifecycle allows it).
json audit_of(const Site& site, const std::string& id, const std::string& user = "admin") {
  return json::parse(site.ok(user, {"audit", "log", "--request", id, "--json"}).out);
}

std::vector<std::string> staging_entries(const Site& site) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(site.home() / "store" / "staging", ec)) out.push_back(e.path().string());
  return out;
}

}  // namespace

TEST_CASE("crash: request add stopped at each named point, cleaned up by the next writer, re-run adds once",
          "[cli][crash][crash_points]") {
  Site site;
  int round = 0;
  for (const char* point : {"add.after_stage", "add.after_store", "audit.head.before_rename"}) {
    INFO("crash point " << point);
    // Files of their own each round: an orphan is a copy no request references yet.
    const std::vector<std::string> files{Site::many(3 * round), Site::many(3 * round + 1), Site::many(3 * round + 2)};
    ++round;
    const std::string id = site.create(std::string("cp-") + point);
    std::vector<std::string> add{"request", "add", id};
    add.insert(add.end(), files.begin(), files.end());
    RunResult stopped = site.as("res", add, {std::string("OUTCHECK_CRASH_AT=") + point});
    REQUIRE(stopped.exit_code == 86);
    expect_after_stop(site, {id});
    const std::size_t after_stop = site.show(id).at("files").size();
    if (std::string(point) == "audit.head.before_rename") {
      CHECK(after_stop == files.size());  // committed; only the head was not moved on
    } else {
      CHECK(after_stop == 0);
      CHECK(!staging_entries(site).empty());  // the stopped process's copies
    }
    if (std::string(point) == "add.after_store") {
      CHECK(home_check(site).at("orphans").size() == files.size());  // stored, never committed
    }
    RunResult again = site.as("res", add);
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(staging_entries(site).empty());  // the next writer swept what no process holds
    if (std::string(point) == "audit.head.before_rename") {
      // The re-run found every file there (no write, so no head moved): the stopped process's
      // temporary of audit.head is a leftover until the next head is written, or a repair.
      CHECK(home_check(site).at("leftovers").size() == 1);
      CHECK(home_check(site, true).at("clean") == true);
    }
    CHECK(site.show(id).at("files").size() == files.size());
    const json rows = audit_of(site, id);
    for (const auto& f : files) CHECK(count_rows(rows, "file_add", f) == 1);
    expect_after_stop(site, {id});
    expect_clean(site);
  }
}

TEST_CASE("crash: review vote and review submit stopped before and after commit, re-runs land once",
          "[cli][crash][crash_points]") {
  Site site;
  const std::string id = site.submitted("cp-vote", {Site::many(0), Site::many(1)});
  for (const char* point : {"vote.before_commit", "vote.after_commit"}) {
    INFO("crash point " << point);
    const std::string file = std::string(point) == "vote.before_commit" ? Site::many(0) : Site::many(1);
    const std::vector<std::string> vote{"review", "vote", id, file, "approve"};
    REQUIRE(site.as("c1", vote, {std::string("OUTCHECK_CRASH_AT=") + point}).exit_code == 86);
    expect_after_stop(site, {id});
    site.ok("c1", vote);
    // Stopped before its commit, the vote left nothing and the re-run records it once; stopped
    // after, it is in, and the re-run (a second vote, the same) is one more row. Either way c1
    // holds exactly one vote on the file.
    const json rows = audit_of(site, id, "c1");
    CHECK(count_rows(rows, "vote", file) == (std::string(point) == "vote.before_commit" ? 1u : 2u));
    const json mine = json::parse(site.ok("c1", {"request", "show", id, "--json"}).out);
    for (const auto& f : mine.at("files")) {
      if (f.at("path") != file) continue;
      std::vector<std::string> votes;
      for (const auto& v : f.at("votes")) {
        if (v.at("reviewer") == "c1") votes.push_back(v.at("vote"));
      }
      CHECK(votes == std::vector<std::string>{"approved"});
    }
    expect_clean(site);
  }
  for (const char* point : {"review_submit.before_commit", "review_submit.after_commit"}) {
    INFO("crash point " << point);
    const std::string reviewer = std::string(point) == "review_submit.before_commit" ? "c1" : "c2";
    if (reviewer == "c2") {
      site.ok("c2", {"review", "vote", id, Site::many(0), "approve"});
      site.ok("c2", {"review", "vote", id, Site::many(1), "approve"});
    }
    const std::vector<std::string> submit{"review", "submit", id};
    REQUIRE(site.as(reviewer, submit, {std::string("OUTCHECK_CRASH_AT=") + point}).exit_code == 86);
    expect_after_stop(site, {id});
    RunResult again = site.as(reviewer, submit);
    // Before the commit nothing happened, so the re-run submits; after it, the review is in once
    // and a second submit is refused.
    CHECK(again.exit_code == (reviewer == "c1" ? 0 : 1));
    expect_clean(site);
  }
  CHECK(site.show(id).at("status") == "reviewed");
  std::map<std::string, int> submits;
  for (const auto& r : audit_of(site, id, "c1")) {
    if (r.at("action") == "review_submit") ++submits[r.at("user").get<std::string>()];
  }
  CHECK(submits == std::map<std::string, int>{{"c1", 1}, {"c2", 1}});
}

TEST_CASE("crash: request release stopped at each named point is shown as interrupted and finished exactly once",
          "[cli][crash][crash_points]") {
  Site site;
  const std::vector<std::string> files{Site::many(0), Site::many(1), Site::many(2)};
  const fs::path out = site.root() / "published";
  int n = 0;
  for (const char* point : {"release.after_upload", "release.before_finish", "release.before_rename",
                            "release.before_mark_released"}) {
    INFO("crash point " << point);
    const std::string name = "cp-rel-" + std::to_string(n++);
    const std::string id = site.reviewed(name, files);
    const std::vector<std::string> release{"request", "release", id, "--to", out.string()};
    REQUIRE(site.as("c3", release, {std::string("OUTCHECK_CRASH_AT=") + point}).exit_code == 86);
    expect_after_stop(site, {id});
    const fs::path final_root = out / name / id, partial = out / name / ("." + id + ".partial");
    const std::string p(point);
    // The final folder appears whole (with its manifest) or not at all.
    if (p == "release.before_mark_released") {
      CHECK(fs::exists(final_root / "manifest.json"));
      CHECK(!fs::exists(partial));
    } else {
      CHECK(!fs::exists(final_root));
      CHECK(fs::exists(partial));
    }
    CHECK(site.show(id).at("status") == "approved");
    const json report = home_check(site);
    if (p == "release.after_upload") {
      REQUIRE(report.at("interrupted_releases").size() == 1);
      CHECK(contains(report.at("interrupted_releases")[0].get<std::string>(), "release interrupted at file 2 of 3"));
      // request show says it too (the page renders the same message).
      const json shown = site.show(id);
      REQUIRE(shown.at("release_interrupted").is_object());
      CHECK(shown.at("release_interrupted").at("at") == 2);
      CHECK(shown.at("release_interrupted").at("of") == 3);
      CHECK(contains(shown.at("release_interrupted").at("message").get<std::string>(), "release interrupted at file 2 of 3"));
      // What the killed run left in its partial folder is not trusted: a copy altered there (or lost
      // to a power cut) is written again from the store before anything is published.
      const fs::path left = partial / "files" / files[0];
      REQUIRE(fs::exists(left));
      { std::ofstream(left, std::ios::binary | std::ios::trunc) << "altered after the kill\n"; }
    } else {
      CHECK(report.at("interrupted_releases").empty());  // every file is up: only the last steps remain
      CHECK(site.show(id).at("release_interrupted").is_null());
    }
    RunResult again = site.as("c3", release);
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(site.show(id).at("status") == "released");
    CHECK(!fs::exists(partial));
    REQUIRE(fs::exists(final_root / "manifest.json"));
    for (const auto& f : files) CHECK(sha256_hex(slurp(final_root / "files" / f)) == sha256_hex(slurp(site.ws() / f)));
    const json rows = audit_of(site, id);
    for (const auto& f : files) CHECK(count_rows(rows, "file_upload", f) == 1);
    CHECK(count_rows(rows, "request_released") == 1);
    CHECK(count_rows(rows, "release_interrupted") == (p == "release.after_upload" ? 1u : 0u));
    expect_after_stop(site, {id});
    expect_clean(site);
  }
}

TEST_CASE("crash: a time-bounded loop of CLI processes SIGKILLed at random times through a whole request",
          "[cli][crash][kill_loop]") {
  // About 25 s by default; OUTCHECK_KILL_LOOP_SECONDS sets it (at most 60).
  int seconds = 25;
  if (const char* s = std::getenv("OUTCHECK_KILL_LOOP_SECONDS")) seconds = std::clamp(std::atoi(s), 1, 60);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  Site site;
  const fs::path out = site.root() / "published";
  std::mt19937 rng(kSeed + 3);
  int killed = 0, rounds = 0;
  std::vector<std::string> ids;
  // Each step first runs under a SIGKILL at a random time, then runs again to completion.
  auto step = [&](const std::string& user, const std::vector<std::string>& args, std::set<int> accepted = {0}) {
    const auto delay = std::chrono::microseconds(std::uniform_int_distribution<int>(0, 150000)(rng));
    Killed k = run_and_kill(args, site.ws(), site.env(user), delay);
    killed += k.killed;
    INFO(join(args) << ": " << (k.killed ? "killed" : "exited " + std::to_string(k.exit_code)));
    RunResult again = site.as(user, args);
    INFO("again: " << again.out << again.err);
    CHECK(accepted.count(again.exit_code) == 1);
  };
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string name = "loop-" + std::to_string(rounds);
    const std::vector<std::string> files{Site::many(3 * rounds % kManyFiles), Site::big(rounds % 4)};
    const std::string id = site.create(name);
    ids.push_back(id);
    std::vector<std::string> add{"request", "add", id};
    add.insert(add.end(), files.begin(), files.end());
    step("res", add);
    site.ok("res", {"request", "group", id, "default", "--context", "c", "--controls", "r"});
    site.ok("res", {"request", "submit", id});
    for (const char* c : {"c1", "c2"}) {
      for (const auto& f : files) step(c, {"review", "vote", id, f, "approve"});
      step(c, {"review", "submit", id}, {0, 1});  // 1: the killed run had submitted it
    }
    step("c3", {"request", "release", id, "--to", out.string()});
    CHECK(site.show(id).at("status") == "released");
    const json rows = audit_of(site, id);
    for (const auto& f : files) {
      CHECK(count_rows(rows, "file_add", f) == 1);
      CHECK(count_rows(rows, "file_upload", f) == 1);
    }
    CHECK(count_rows(rows, "review_submit") == 2);
    CHECK(count_rows(rows, "request_released") == 1);
    ++rounds;
  }
  INFO(rounds << " rounds, " << killed << " kills");
  CHECK(rounds > 0);
  CHECK(killed > 0);
  expect_after_stop(site, ids);
  json repaired = home_check(site, true);
  CHECK(repaired.at("clean") == true);
  expect_clean(site);
}

TEST_CASE("crash: outcheck serve SIGKILLed while clients vote, restarted, every vote lands exactly once",
          "[cli][crash][serve_kill]") {
  Site site;
  std::vector<std::string> files;
  for (int i = 0; i < 40; ++i) files.push_back(Site::many(i));
  const std::string id = site.submitted("served", files);
  auto server = std::make_unique<outcheck::test::ServeProcess>(site.home());
  std::string url = server->url();
  std::mutex mutex;
  std::set<std::string> failed;  // "reviewer path" whose vote did not get an answer
  std::atomic<int> answered{0};
  auto voter = [&](const std::string& reviewer) {
    for (const auto& f : files) {
      RunResult r = run_outcheck({"review", "vote", id, f, "approve"}, site.ws(),
                                 {"OUTCHECK_SERVER=" + url, "OUTCHECK_TOKEN=" + site.token(reviewer)});
      if (r.exit_code != 0) {
        std::lock_guard<std::mutex> lock(mutex);
        failed.insert(reviewer + " " + f);
      } else {
        ++answered;
      }
    }
  };
  std::thread a(voter, "c1"), b(voter, "c2");
  // Killed once some votes have landed, while the rest are still to come (bounded wait).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (answered < 6 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const pid_t pid = server->pid();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  a.join();
  b.join();
  server.reset();  // reaps it
  INFO(failed.size() << " votes got no answer");
  CHECK(!failed.empty());  // the kill landed while they voted
  expect_after_stop(site, {id});
  server = std::make_unique<outcheck::test::ServeProcess>(site.home());
  for (const std::string reviewer : {"c1", "c2"}) {
    for (const auto& f : files) {
      RunResult r = run_outcheck({"review", "vote", id, f, "approve"}, site.ws(),
                                 {"OUTCHECK_SERVER=" + server->url(), "OUTCHECK_TOKEN=" + site.token(reviewer)});
      INFO(reviewer << " " << f << ": " << r.out << r.err);
      CHECK(r.exit_code == 0);
    }
  }
  server->stop();
  const json rows = audit_of(site, id);
  for (const std::string reviewer : {"c1", "c2"}) {
    json mine = json::parse(site.ok(reviewer, {"request", "show", id, "--json"}).out);
    for (const auto& f : mine.at("files")) {
      std::vector<std::string> votes;
      for (const auto& v : f.at("votes")) {
        if (v.at("reviewer") == reviewer) votes.push_back(v.at("vote"));
      }
      CHECK(votes == std::vector<std::string>{"approved"});
    }
  }
  expect_after_stop(site, {id});
  expect_clean(site);
}
