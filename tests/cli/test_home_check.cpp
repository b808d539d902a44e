// `outcheck home check [--repair]` (issue 21 item 5) on real homes: a clean home is exit 0; an
// orphaned stored file, a staging folder no process holds and a stale audit temporary are reported
// (exit 1) and removed by --repair, which never touches a referenced copy, a staging folder a live
// process holds under its flock, or any stored file while home/maintenance.lock is held; a missing
// or changed stored copy and a broken audit record are reported and not "repaired".
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::contains;
using outcheck::test::put;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::slurp;
using outcheck::test::TempDir;

namespace {

class CheckSite : public outcheck::test::UserSite {
 public:
  CheckSite() {
    write("project.yaml",
          "version: '5'\nactions:\n  a:\n    run: python:v2 python a.py\n    outputs:\n      moderately_sensitive:\n"
          "        t: output/*.csv\n");
    write("output/t.csv", "group,num\na,10\nb,20\n");
    add_admin();
    add_user("res", {"researcher"});
    id = create_by("res");
    ok("res", {"request", "add", id, "output/t.csv"});
    sha = show_as("res", id).at("files").at(0).at("sha256");
  }
  RunResult check(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args{"home", "check", "--home", home().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_outcheck(args, root());
  }
  json check_json(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args{"--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = check(args);
    INFO(r.out << r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 1));
    json j = json::parse(r.out);
    CHECK(j.at("clean").get<bool>() == (r.exit_code == 0));
    return j;
  }
  fs::path stored() const { return home() / "store" / sha.substr(0, 2) / sha; }
  std::string id, sha;
};

// Holds an exclusive flock on `path` (opened, created if need be) while it lives.
struct HeldLock {
  int fd;
  explicit HeldLock(const fs::path& path, int flags = O_RDONLY) : fd(::open(path.c_str(), flags | O_CLOEXEC, 0600)) {
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  }
  ~HeldLock() { ::close(fd); }
};

}  // namespace

TEST_CASE("home check: a clean home is exit 0 and says so", "[cli][home_check]") {
  CheckSite site;
  RunResult r = site.check();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "integrity: ok"));
  CHECK(contains(r.out, "store: 1 stored files referenced"));
  CHECK(contains(r.out, "home check: clean"));
  json j = site.check_json();
  CHECK(j.at("integrity") == "ok");
  CHECK(j.at("audit").at("intact") == true);
  CHECK(j.at("orphans").empty());
  CHECK(j.at("leftovers").empty());
}

TEST_CASE("home check: orphans and leftovers are reported, and --repair removes them and nothing else",
          "[cli][home_check]") {
  CheckSite site;
  const std::string orphan_sha(64, 'e');
  const fs::path orphan = site.home() / "store" / "ee" / orphan_sha;
  put(orphan, "nobody references me");
  const fs::path dead = site.home() / "store" / "staging" / "s-dead01";
  put(dead / "add-abcdef", std::string(1000, 'x'));
  const fs::path live = site.home() / "store" / "staging" / "s-live01";
  put(live / "add-123456", "still being written");
  const fs::path head_tmp = site.home() / "audit.head.tmp-Zz9Yy8";
  put(head_tmp, "1 " + std::string(64, '0') + "\n");
  HeldLock holder(live, O_RDONLY | O_DIRECTORY);  // a live process's staging folder

  json found = site.check_json();
  CHECK(found.at("clean") == false);
  CHECK(found.at("orphans") == json::array({orphan.string()}));
  std::set<std::string> leftovers(found.at("leftovers").begin(), found.at("leftovers").end());
  CHECK(leftovers == std::set<std::string>{dead.string(), head_tmp.string()});
  CHECK(fs::exists(orphan));  // reporting removes nothing
  CHECK(fs::exists(dead));

  RunResult repaired = site.check({"--repair"});
  INFO(repaired.out << repaired.err);
  CHECK(repaired.exit_code == 0);
  CHECK(!fs::exists(orphan));
  CHECK(!fs::exists(dead));
  CHECK(!fs::exists(head_tmp));
  CHECK(fs::exists(live / "add-123456"));  // held: never touched
  CHECK(slurp(site.stored()).size() > 0);   // the referenced copy stays
  CHECK(site.check().exit_code == 0);
  site.ok("admin", {"audit", "verify"});
}

TEST_CASE("home check: --repair removes no stored file while the maintenance lock is held", "[cli][home_check]") {
  CheckSite site;
  const fs::path orphan = site.home() / "store" / "ee" / std::string(64, 'e');
  put(orphan, "orphan");
  {
    HeldLock backup(site.home() / "maintenance.lock", O_RDWR | O_CREAT);
    RunResult r = site.check({"--repair"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "maintenance.lock"));
    CHECK(fs::exists(orphan));
  }
  CHECK(site.check({"--repair"}).exit_code == 0);
  CHECK(!fs::exists(orphan));
}

TEST_CASE("home check: a missing or changed stored copy and a broken audit record are reported, not repaired",
          "[cli][home_check]") {
  CheckSite site;
  SECTION("missing") {
    fs::remove(site.stored());
    RunResult r = site.check({"--repair"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, site.stored().string() + " missing"));
    CHECK(contains(r.out, site.id + " output/t.csv"));
  }
  SECTION("changed") {
    fs::permissions(site.stored(), fs::perms::owner_write, fs::perm_options::add);
    put(site.stored(), "group,num\na,1\n");
    RunResult r = site.check({"--repair"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "holds other bytes"));
    CHECK(fs::exists(site.stored()));
  }
  SECTION("an empty audit.head") {
    put(site.home() / "audit.head", "");
    json j = site.check_json();
    CHECK(j.at("audit").at("intact") == false);
    CHECK(contains(j.at("audit").at("problems").dump(), "audit.head is empty"));
  }
}

TEST_CASE("home check: a folder without a home is exit 2 and nothing is created", "[cli][home_check]") {
  TempDir dir;
  RunResult r = run_outcheck({"home", "check", "--home", (dir.path() / "nohome").string()}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "no outcheck home"));
  CHECK(!fs::exists(dir.path() / "nohome"));
}
