// The server's promises about the workspace (issue 15, items 4 to 6), each tried as an attack on a
// real `outcheck serve` on loopback: only the workspace is readable (a workspace folder swapped for
// a link after create is refused at every operation; a path outside gets one answer whether or not
// it exists, names nothing outside, and long lists are capped); workspace names are one safe path
// segment; and opening a workspace file never blocks (a FIFO swapped in after add leaves every view
// answering at once).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/review_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::Browser;
using outcheck::test::contains;
using outcheck::test::kReviewFail;
using outcheck::test::kReviewPass;
using outcheck::test::put;
using outcheck::test::ReviewSite;
using outcheck::test::RunResult;
using outcheck::test::TempDir;
using outcheck::test::trim;

namespace {

struct Answer {
  int status = 0;
  std::string body;
  double seconds = 0;
};

Answer api(const ReviewSite& site, const std::string& token, const std::string& method, const std::string& path,
           const json& body = nullptr) {
  httplib::Client c = site.client();
  c.set_read_timeout(10);
  httplib::Headers auth{{"Authorization", "Bearer " + token}};
  auto start = std::chrono::steady_clock::now();
  auto r = method == "GET" ? c.Get(path.c_str(), auth) : c.Post(path.c_str(), auth, body.dump(), "application/json");
  Answer a;
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(r);
  a.status = r->status;
  a.body = r->body;
  return a;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

void relink(const fs::path& target, const fs::path& link) {
  std::error_code ec;
  fs::remove(link, ec);
  fs::create_symlink(target, link);
}

// A FIFO at `path`, and on the way out a writer opened and closed on it, so that any reader that
// did block (the bug this guards against) is released and the server can stop.
struct Fifo {
  fs::path path;
  explicit Fifo(fs::path p) : path(std::move(p)) {
    std::error_code ec;
    fs::remove(path, ec);
    REQUIRE(::mkfifo(path.c_str(), 0644) == 0);
  }
  ~Fifo() {
    int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

TEST_CASE("promise: a FIFO swapped in for a requested file after add never blocks a view or the server",
          "[web][promise]") {
  ReviewSite site;
  // An empty CSV (it fails the check, but may be added) has the size of a FIFO: the old view saw the
  // same size, a new modification time, and opened the FIFO to hash it, blocking for ever.
  const std::string empty = "output/tables/empty.csv";
  put(site.ws() / empty, "");
  const std::string id = trim(site.ok("res", {"request", "create", "--workspace", "."}).out);
  site.ok("res", {"request", "add", id, kReviewPass, kReviewFail, empty});
  // The researcher swaps all three: two for FIFOs, the third for a link to a FIFO.
  Fifo fifo(site.ws() / kReviewPass);
  Fifo fifo_empty(site.ws() / empty);
  Fifo hidden(site.ws() / "output/tables/hidden.csv");
  relink("hidden.csv", site.ws() / kReviewFail);

  // The JSON view, as a reviewer and as the author, answers at once and reads nothing there.
  for (const char* user : {"c1", "res"}) {
    Answer shown = api(site, site.token(user), "GET", "/api/requests/" + id);
    INFO(user << ": " << shown.body);
    CHECK(shown.status == 200);
    CHECK(shown.seconds < 1.0);
    json j = json::parse(shown.body);
    for (const auto& f : j.at("files")) {
      CHECK(f.at("workspace_status") == "updated");
    }
  }
  // The request page and the file page, in a browser.
  Browser browser(site);
  REQUIRE(browser.sign_in(site.token("c1")) == 303);
  for (const std::string& path : {"/requests/" + id, "/requests/" + id + "/file?path=" + std::string(kReviewPass)}) {
    auto start = std::chrono::steady_clock::now();
    auto page = browser.get(path);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(seconds < 1.0);
  }
  // Adding or updating through the FIFO is refused at once: not a regular file.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"request", "update", id, kReviewPass}, {"request", "add", id, "output/tables/hidden.csv"},
        {"request", "update", id, kReviewFail}, {"request", "update", id, empty}}) {
    auto start = std::chrono::steady_clock::now();
    RunResult r = site.as("res", args);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(outcheck::test::join(args) << "\n" << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "special_file"));
    CHECK(seconds < 5.0);  // a whole CLI process, connection included
  }
  // And the server still answers everyone.
  Answer me = api(site, site.token("c2"), "GET", "/api/me");
  CHECK(me.status == 200);
  CHECK(me.seconds < 1.0);
}

TEST_CASE("promise: a workspace folder swapped for a link after create is refused at every operation",
          "[web][promise]") {
  ReviewSite site;
  TempDir elsewhere;
  const fs::path published = site.root() / "published";
  site.restart({"--workspaces", site.root().string(), "--release-to", published.string()});
  const std::string id = site.submitted();
  // Swapping: the workspace folder moves out of the served folder, and a link to it takes its name.
  const fs::path moved = elsewhere.path() / "ws";
  auto swap_in = [&] {
    fs::rename(site.ws(), moved);
    fs::create_directory_symlink(moved, site.ws());
  };
  auto swap_back = [&] {
    fs::remove(site.ws());
    fs::rename(moved, site.ws());
  };
  auto expect_refused = [&](const std::string& user, const std::vector<std::string>& args) {
    RunResult r = site.as(user, args);
    INFO(user << " ran " << outcheck::test::join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "is no longer the folder the request was created for"));
    CHECK_FALSE(contains(r.err, elsewhere.path().string()));
  };

  // Under review: a vote.
  site.ok("c1", {"review", "vote", id, kReviewPass, "approve"});
  swap_in();
  expect_refused("c2", {"review", "vote", id, kReviewPass, "approve"});
  // The views say so, look at nothing there and name nothing outside.
  Answer shown = api(site, site.token("c2"), "GET", "/api/requests/" + id);
  CHECK(shown.status == 200);
  CHECK_FALSE(contains(shown.body, elsewhere.path().string()));
  json j = json::parse(shown.body);
  CHECK(j.at("workspace_problem").is_string());
  for (const auto& f : j.at("files")) CHECK(f.at("workspace_status") == "unavailable");
  // Returned to its author: add, update and remove.
  swap_back();
  site.ok("c1", {"request", "return", id});
  swap_in();
  expect_refused("res", {"request", "add", id, "output/tables/a.csv"});
  expect_refused("res", {"request", "update", id, kReviewPass});
  expect_refused("res", {"request", "remove", id, kReviewPass});

  // Reviewed: the release.
  swap_back();
  site.ok("res", {"request", "submit", id});
  for (const char* c : {"c1", "c2"}) {
    site.ok(c, {"review", "vote", id, kReviewPass, "approve"});
    site.ok(c, {"review", "vote", id, kReviewFail, "approve", "--override", "checked by hand"});
    site.ok(c, {"review", "vote", id, outcheck::test::kReviewChart, "approve"});
    site.ok(c, {"review", "submit", id});
  }
  swap_in();
  expect_refused("c1", {"request", "release", id, "--to", published.string()});
  CHECK_FALSE(fs::exists(published / "ws" / id / "files"));
  // Every refusal is an audit row, and none names the place the link leads to.
  Answer audit = api(site, site.token("c1"), "GET", "/api/audit?request=" + id);
  CHECK(audit.status == 200);
  CHECK(contains(audit.body, "no longer the folder"));
  CHECK_FALSE(contains(audit.body, elsewhere.path().string()));
  swap_back();
}

TEST_CASE("promise: workspace names are one safe path segment", "[web][promise]") {
  ReviewSite site;
  auto create = [&](const std::string& name) {
    return api(site, site.token("res"), "POST", "/api/requests",
               json{{"workspace", site.ws().string()}, {"cwd", site.ws().string()}, {"workspace_name", name}});
  };
  for (const std::string& bad : {std::string(".."), std::string("."), std::string("a/b"), std::string(101, 'x'),
                                 std::string("../../etc"), std::string("a b"), std::string("tab\tname")}) {
    Answer a = create(bad);
    INFO("workspace name '" << bad << "': " << a.body);
    CHECK(a.status == 400);
    CHECK(contains(a.body, "letters, digits"));
  }
  Answer fine = create(std::string(100, 'x'));
  INFO(fine.body);
  CHECK(fine.status == 201);
  CHECK(create("ws-2_b.v1").status == 201);
  // The folder's own name is held to the same rule when no name is given.
  put(site.root() / "bad name/project.yaml", outcheck::test::simple_project_yaml());
  Answer from_folder = api(site, site.token("res"), "POST", "/api/requests",
                           json{{"workspace", (site.root() / "bad name").string()}, {"cwd", site.ws().string()}});
  CHECK(from_folder.status == 400);
}

TEST_CASE("promise: a path outside the workspace gets one answer whether or not it exists, and names nothing outside",
          "[web][promise]") {
  ReviewSite site;
  const fs::path outside = site.root() / "outside";
  put(outside / "secret.csv", "group,num\nsecret-row,100\n");
  put(outside / "deeper/hidden-name.csv", "group,num\nx,100\n");
  const std::string id = trim(site.ok("res", {"request", "create", "--workspace", "."}).out);
  const std::string token = site.token("res");
  auto add = [&](const std::vector<std::string>& paths) {
    return api(site, token, "POST", "/api/requests/" + id + "/files", json{{"paths", paths}, {"cwd", site.ws().string()}});
  };
  // The answer names what the client typed (from its working directory), nothing else: with that
  // name taken out, the answers for a path that exists and one that does not are the same bytes.
  auto typed = [&](const std::string& p) {
    return fs::path(p).is_absolute() ? p : (site.ws() / p).lexically_normal().string();
  };
  auto same_answer = [&](const std::string& there, const std::string& not_there) {
    Answer a = add({there}), b = add({not_there});
    INFO(there << " -> " << a.status << " " << a.body << "\n" << not_there << " -> " << b.status << " " << b.body);
    CHECK(a.status == 403);
    CHECK(a.status == b.status);
    CHECK(replace_all(a.body, typed(there), "PATH") == replace_all(b.body, typed(not_there), "PATH"));
    return a;
  };

  SECTION("files and folders named outside, by `..` and absolute paths") {
    same_answer("../outside/secret.csv", "../outside/no-such.csv");
    same_answer((outside / "secret.csv").string(), (outside / "no-such.csv").string());
    same_answer("/etc/passwd", "/etc/no-such-file-here");
    same_answer("output/tables/../../../outside/secret.csv", "output/tables/../../../outside/nothing.csv");
    // A folder outside is not listed: its files are never named.
    Answer folder = same_answer("../outside", "../no-such-folder");
    CHECK_FALSE(contains(folder.body, "secret.csv"));
    CHECK_FALSE(contains(folder.body, "hidden-name"));
  }
  SECTION("a link in the workspace that leads out, to something or to nothing") {
    const fs::path link = site.ws() / "output/tables/out.csv";
    relink(outside / "secret.csv", link);
    Answer to_file = add({"output/tables/out.csv"});
    relink(outside / "no-such.csv", link);
    Answer to_nothing = add({"output/tables/out.csv"});
    // Through a linked folder too.
    relink(outside / "deeper", site.ws() / "output/tables/dir");
    Answer via_folder = add({"output/tables/dir/hidden-name.csv"});
    relink(outside / "no-such-folder", site.ws() / "output/tables/dir");
    Answer via_nothing = add({"output/tables/dir/hidden-name.csv"});
    INFO(to_file.body << "\n" << to_nothing.body << "\n" << via_folder.body << "\n" << via_nothing.body);
    CHECK(to_file.status == 403);
    CHECK(to_file.status == to_nothing.status);
    CHECK(to_file.body == to_nothing.body);
    CHECK(via_folder.status == 403);
    CHECK(via_folder.status == via_nothing.status);
    CHECK(via_folder.body == via_nothing.body);
    CHECK_FALSE(contains(to_file.body, outside.string()));
    // Votes name a path too: one answer, and nothing outside in the log.
    Answer audit = api(site, site.token("c1"), "GET", "/api/audit?request=" + id);
    CHECK_FALSE(contains(audit.body, outside.string()));
  }
  SECTION("a long list of refused paths is capped, with the count given") {
    for (int i = 0; i < 30; ++i) relink(outside / "secret.csv", site.ws() / ("output/tables/l" + std::to_string(i) + ".csv"));
    Answer a = add({"output/tables"});
    INFO(a.body);
    CHECK(a.status == 403);
    CHECK(contains(a.body, "30 file(s) may never leave"));
    CHECK(contains(a.body, "and 10 more"));
    CHECK(outcheck::test::occurrences(a.body, "outside_workspace") == 20);
    Answer audit = api(site, site.token("c1"), "GET", "/api/audit?request=" + id);
    CHECK(audit.body.size() < 8000);
  }
}
