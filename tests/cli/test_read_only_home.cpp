// Reads open the database read-only (issue 21, item 6). The CLI on a home of its own opens
// outcheck.db O_RDONLY for request list, request show, audit log/verify/head, user list, release
// verify --home and home check without --repair: they take no write lock and write nothing. A
// read's one write, its audit row (a refusal), goes through a read-write connection opened only
// then. Watched with inotify: closing a file opened for writing is IN_CLOSE_WRITE, and any write or
// truncation is IN_MODIFY; what every WAL reader does to the -shm and -wal files is left out.
// The second case, on a home mounted read-only (a backup on read-only media), runs as its own
// ctest entry inside `unshare -rm` (tests/CMakeLists.txt).
#include <sys/inotify.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::contains;
using outcheck::test::RunResult;

namespace {

const char* const kProject =
    "version: '5'\nactions:\n  a:\n    run: python:v2 python a.py\n    outputs:\n      moderately_sensitive:\n"
    "        t: output/*.csv\n";

// A home with an admin, a researcher's pending request holding one file, and a second researcher.
class Site : public outcheck::test::UserSite {
 public:
  Site() {
    write("project.yaml", kProject);
    write("output/t.csv", "group,num\na,10\nb,20\n");
    add_admin();
    add_user("res", {"researcher"});
    add_user("res2", {"researcher"});
    add_user("c1", {"output-checker"});
    ok("admin", {"workspace", "grant", "ws", "res"});
    id = create_by("res");
    ok("res", {"request", "add", id, "output/t.csv"});
  }
  std::string id;
};

// Every event on the files of a folder, by file name, while it is watched.
class FolderWatch {
 public:
  explicit FolderWatch(const fs::path& dir) : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    REQUIRE(fd_ >= 0);
    REQUIRE(::inotify_add_watch(fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_TO) >= 0);
  }
  ~FolderWatch() { ::close(fd_); }
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  // name -> the events seen since the last call, as words.
  std::map<std::string, std::set<std::string>> take() {
    std::map<std::string, std::set<std::string>> seen;
    alignas(struct inotify_event) char buf[1 << 16];
    while (true) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        auto* e = reinterpret_cast<struct inotify_event*>(p);
        std::string name = e->len ? std::string(e->name) : std::string(".");
        if (e->mask & IN_CLOSE_WRITE) seen[name].insert("closed after opening for writing");
        if (e->mask & IN_MODIFY) seen[name].insert("modified");
        if (e->mask & IN_CREATE) seen[name].insert("created");
        if (e->mask & IN_DELETE) seen[name].insert("deleted");
        if (e->mask & IN_MOVED_TO) seen[name].insert("renamed to");
        p += sizeof(struct inotify_event) + e->len;
      }
    }
    return seen;
  }

 private:
  int fd_;
};

// What a watch saw, less what every WAL reader does: it maps the -shm index (shared memory, written
// by readers too) and opens the -wal for reading and writing, though it writes nothing there.
std::map<std::string, std::set<std::string>> writes(std::map<std::string, std::set<std::string>> seen) {
  seen.erase("outcheck.db-shm");
  if (auto wal = seen.find("outcheck.db-wal"); wal != seen.end()) {
    wal->second.erase("closed after opening for writing");
    if (wal->second.empty()) seen.erase(wal);
  }
  return seen;
}

std::string describe(const std::map<std::string, std::set<std::string>>& seen) {
  std::string s;
  for (const auto& [name, what] : seen) {
    s += name + ":";
    for (const auto& w : what) s += " " + w + ";";
    s += "\n";
  }
  return s.empty() ? "nothing" : s;
}

}  // namespace

TEST_CASE("read-only home: reads open the database read-only and write nothing, and a refused read is still recorded",
          "[cli][read_only]") {
  Site site;
  const fs::path home = site.home();
  // A reviewer's first look: done before watching, so the home has every file a read may touch.
  site.ok("c1", {"request", "list"});
  FolderWatch watch(home);
  (void)watch.take();

  struct Read {
    std::string user;
    std::vector<std::string> args;
  };
  const std::vector<Read> reads{
      {"res", {"request", "list"}},
      {"res", {"request", "list", "--json"}},
      {"res", {"request", "show", site.id, "--json"}},
      {"c1", {"request", "list", "--json"}},
      {"admin", {"audit", "log", "--json"}},
      {"admin", {"audit", "verify"}},
      {"admin", {"audit", "head", "--json"}},
      {"admin", {"user", "list", "--json"}},
  };
  for (const Read& read : reads) {
    RunResult r = site.as(read.user, read.args);
    INFO(read.user << " ran " << outcheck::test::join(read.args) << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
    auto seen = writes(watch.take());
    INFO("in the home: " << describe(seen));
    CHECK(seen.empty());
  }
  // home check without --repair is a check: it writes nothing either.
  RunResult check = outcheck::test::run_outcheck({"home", "check", "--home", home.string(), "--json"}, site.ws());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  {
    auto seen = writes(watch.take());
    INFO("home check wrote: " << describe(seen));
    CHECK(seen.empty());
  }

  // A read that is refused is still audited: its row is the one write, through a connection opened
  // for it.
  RunResult refused = site.as("res2", {"request", "show", site.id, "--json"});
  CHECK(refused.exit_code == 1);
  CHECK(writes(watch.take())["outcheck.db-wal"].count("modified") == 1);
  json log = json::parse(site.ok("admin", {"audit", "log", "--request", site.id, "--json"}).out);
  bool recorded = false;
  for (const json& row : log) {
    if (row.value("user", "") == "res2" && row.value("action", "") == "refused") recorded = true;
  }
  CHECK(recorded);
  CHECK(site.as("admin", {"audit", "verify"}).exit_code == 0);

  // A write still writes.
  site.ok("res", {"request", "group", site.id, "default", "--context", "counts", "--controls", "rounded"});
  CHECK(writes(watch.take())["outcheck.db-wal"].count("modified") == 1);
}

TEST_CASE("read-only home: on a read-only mount, reads and checks work and a write fails clearly",
          "[.][read_only_mount]") {
  const char* mount_dir = std::getenv("OUTCHECK_READ_ONLY_DIR");
  if (!mount_dir || !*mount_dir) {
    WARN("OUTCHECK_READ_ONLY_DIR is not set: run through its ctest entry (a tmpfs inside unshare -rm)");
    return;
  }
  // The home lives on the tmpfs; the workspace stays on the ordinary disk.
  Site site;
  const fs::path home = fs::path(mount_dir) / "home";
  fs::copy(site.home(), home, fs::copy_options::recursive);
  auto run = [&](const std::string& user, const std::vector<std::string>& args) {
    return outcheck::test::run_outcheck(args, site.ws(),
                                        {"OUTCHECK_HOME=" + home.string(), "OUTCHECK_TOKEN=" + site.token(user)});
  };
  REQUIRE(run("res", {"request", "list"}).exit_code == 0);  // the copy is a working home
  // The backup's media: read-only from here on.
  INFO("remount: " << std::strerror(errno));
  REQUIRE(::mount(nullptr, mount_dir, nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0);

  RunResult list = run("res", {"request", "list", "--json"});
  INFO("list: " << list.out << list.err);
  CHECK(list.exit_code == 0);
  CHECK(contains(list.out, site.id));
  RunResult show = run("res", {"request", "show", site.id, "--json"});
  INFO("show: " << show.out << show.err);
  REQUIRE(show.exit_code == 0);
  CHECK(json::parse(show.out).at("files").size() == 1);
  RunResult verify = run("admin", {"audit", "verify"});
  INFO("verify: " << verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  RunResult log = run("admin", {"audit", "log", "--json"});
  CHECK(log.exit_code == 0);
  RunResult check = outcheck::test::run_outcheck({"home", "check", "--home", home.string(), "--json"}, site.ws());
  INFO("home check: " << check.out << check.err);
  CHECK(check.exit_code == 0);

  RunResult write = run("res", {"request", "group", site.id, "default", "--context", "c", "--controls", "r"});
  INFO("a write: " << write.out << write.err);
  CHECK(write.exit_code == 2);
  CHECK(contains(write.err, home.string() + " cannot be written here (read-only media or permissions): nothing was changed"));
}
