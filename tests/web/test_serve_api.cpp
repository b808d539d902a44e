// `outcheck serve`'s JSON API and the CLI's --server mode against a real server on loopback:
// credentials (401 and no data without a valid token), errors carried as the local mode's, the
// release published by the server with the server's own job-server token, and a clean stop.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/fake_job_server.h"
#include "tests/support/review_site.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace outcheck::test;

namespace {

// Everything in the body must be the error: no request, no file, no user.
void expect_no_data(const httplib::Result& r, const std::string& id) {
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 401);
  auto j = json::parse(r->body, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j.size() == 1);
  CHECK(j.contains("error"));
  CHECK(j["error"]["kind"] == "refused");
  CHECK(r->body.find(id) == std::string::npos);
  CHECK(r->body.find("fail.csv") == std::string::npos);
  CHECK(r->body.find("res") == std::string::npos);
}

}  // namespace

TEST_CASE("serve: API calls without a valid token get 401 and no data", "[web][api]") {
  ReviewSite site;
  const std::string id = site.submitted();
  const std::string gone = trim(site.ok("admin", {"user", "add", "gone", "--role", "output-checker"}).out);
  site.ok("admin", {"user", "disable", "gone"});
  auto http = site.client();
  const std::vector<httplib::Headers> credentials = {
      {},
      {{"Authorization", "Bearer oc_WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWR"}},
      {{"Authorization", "Bearer " + gone}},                // a disabled user's
      {{"Authorization", site.token("c1")}},                // not a bearer credential
      {{"Authorization", "Basic " + site.token("c1")}},
      {{"Cookie", "outcheck_session=" + site.token("c1")}},  // the API takes no cookies
  };
  for (const std::string& path : std::vector<std::string>{"/api/requests", "/api/requests/" + id, "/api/requests/" + id + "/actions", "/api/audit",
                                 "/api/audit/verify", "/api/audit/head", "/api/users", "/api/policy", "/api/me"}) {
    for (const auto& h : credentials) {
      INFO("GET " << path << " with " << (h.empty() ? "nothing" : h.begin()->second));
      expect_no_data(http.Get(path.c_str(), h), id);
    }
  }
  // A change without a token is refused before anything happens.
  json vote{{"path", kReviewPass}, {"vote", "approve"}};
  expect_no_data(http.Post(("/api/requests/" + id + "/votes").c_str(), vote.dump(), "application/json"), id);
  expect_no_data(http.Post(("/api/requests/" + id + "/reviews").c_str(), "{}", "application/json"), id);
  const json shown = json::parse(site.ok("c1", {"request", "show", id, "--json"}).out);
  for (const auto& f : shown["files"]) CHECK(f["votes"].empty());
  CHECK(shown["status"] == "submitted");

  // And the same call with a valid token works.
  auto good = http.Get("/api/requests", {{"Authorization", "Bearer " + site.token("c1")}});
  REQUIRE(good);
  CHECK(good->status == 200);
  CHECK(good->body.find(id) != std::string::npos);
  CHECK(site.server().stop() == 0);
}

TEST_CASE("serve: API errors keep their kind: 400, 404, 405, 403 and the CLI's exit codes", "[web][api]") {
  ReviewSite site;
  const std::string id = site.submitted();
  auto http = site.client();
  httplib::Headers auth{{"Authorization", "Bearer " + site.token("c1")}};
  auto status_of = [&](httplib::Result r) { return r ? r->status : -1; };
  CHECK(status_of(http.Post("/api/requests", auth, "{not json", "application/json")) == 400);
  CHECK(status_of(http.Post("/api/requests", auth, "[1,2]", "application/json")) == 400);
  CHECK(status_of(http.Post(("/api/requests/" + id + "/votes").c_str(), auth, R"({"path": 5, "vote": "approve"})",
                            "application/json")) == 400);
  CHECK(status_of(http.Get("/api/requests/01ZZZZZZZZZZZZZZZZZZZZZZZZ", auth)) == 404);
  CHECK(status_of(http.Get("/api/nothing/here", auth)) == 404);
  CHECK(status_of(http.Delete(("/api/requests/" + id).c_str(), auth)) == 405);
  // The author may not vote: 403, a refusal as on a local home.
  httplib::Headers author{{"Authorization", "Bearer " + site.token("res")}};
  CHECK(status_of(http.Post(("/api/requests/" + id + "/votes").c_str(), author,
                            json{{"path", kReviewPass}, {"vote", "approve"}}.dump(), "application/json")) == 403);

  // Through the CLI: the same messages and exit codes as local mode.
  RunResult missing = site.as("c1", {"request", "show", "01ZZZZZZZZZZZZZZZZZZZZZZZZ"});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "no request 01ZZZZZZZZZZZZZZZZZZZZZZZZ"));
  RunResult refused = site.as("res", {"review", "vote", id, kReviewPass, "approve"});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "only output checkers can vote"));
  RunResult bad_status = site.as("c1", {"request", "list", "--status", "nonsense"});
  CHECK(bad_status.exit_code == 2);
  CHECK(contains(bad_status.err, "--status nonsense"));
  CHECK(site.server().stop() == 0);
}

TEST_CASE("serve: --server mode's own errors", "[web][api]") {
  TempDir dir;
  RunResult unreachable = run_outcheck({"request", "list"}, dir.path(),
                                       {"OUTCHECK_SERVER=http://127.0.0.1:1", "OUTCHECK_TOKEN=oc_x"});
  CHECK(unreachable.exit_code == 1);
  CHECK(contains(unreachable.err, "cannot reach the outcheck server at http://127.0.0.1:1"));
  RunResult both = run_outcheck({"request", "list", "--server", "http://127.0.0.1:1", "--home", "h"}, dir.path());
  CHECK(both.exit_code == 2);
  CHECK(contains(both.err, "--server or --home, not both"));
  RunResult scheme = run_outcheck({"request", "list", "--server", "127.0.0.1:8080"}, dir.path());
  CHECK(scheme.exit_code == 2);
  CHECK(contains(scheme.err, "http(s)://HOST:PORT"));
  // An explicit --home beats OUTCHECK_SERVER from the environment.
  RunResult local = run_outcheck({"user", "add", "first", "--role", "admin", "--home", (dir.path() / "h").string()},
                                 dir.path(), {"OUTCHECK_SERVER=http://127.0.0.1:1"});
  CHECK(local.exit_code == 0);
  CHECK(fs::exists(dir.path() / "h" / "outcheck.db"));
}

TEST_CASE("serve: a port already in use is a clear error, and SIGTERM stops a server cleanly", "[web][api]") {
  ReviewSite site;
  RunResult second = run_outcheck({"serve", "--home", site.home().string(), "--port", std::to_string(site.server().port())},
                                  site.root());
  CHECK(second.exit_code == 1);
  CHECK(contains(second.err, "cannot listen on 127.0.0.1:" + std::to_string(site.server().port())));
  CHECK(site.server().stop() == 0);
  CHECK(contains(site.server().log(), "SIGTERM, stopping"));
  CHECK(contains(site.server().log(), "stopped"));
  // Stopped means stopped: nothing answers.
  auto http = site.client();
  http.set_connection_timeout(2);
  auto r = http.Get("/api/me");
  CHECK((!r || r->status != 200));
}

TEST_CASE("serve: a release through the server publishes what was reviewed, with the server's job-server token",
          "[web][api][release]") {
  const std::string token = "jobsrv-SERVER-ONLY-8f3k2m";
  FakeJobServer jobs(token);
  ReviewSite site({"--release-to", jobs.api_url()}, {"OUTCHECK_RELEASE_TOKEN=" + token, "OUTCHECK_RELEASE_BACKOFF_MS=5"});
  std::string id = trim(site.ok("res", {"request", "create", "--workspace", "."}).out);
  site.ok("res", {"request", "add", id, kReviewPass});
  site.ok("res", {"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
  site.ok("res", {"request", "submit", id});
  for (const char* c : {"c1", "c2"}) {
    site.ok(c, {"review", "vote", id, kReviewPass, "approve"});
    site.ok(c, {"review", "submit", id});
  }
  // The client's environment holds no job-server token; the server's does.
  // The destination is the server's (serve --release-to): the client names none.
  RunResult sent = site.as("c1", {"request", "release", id});
  INFO(sent.out << sent.err);
  REQUIRE(sent.exit_code == 0);
  CHECK(contains(sent.out, std::string("sent ") + kReviewPass));
  REQUIRE(jobs.uploads().size() == 1);
  CHECK(jobs.uploads()[0].filename == kReviewPass);
  CHECK(jobs.uploads()[0].body_sha256 == json::parse(site.ok("c1", {"request", "show", id, "--json"}).out)["files"][0]["sha256"]);
  CHECK(json::parse(site.ok("c1", {"request", "show", id, "--json"}).out)["status"] == "released");
  CHECK(site.server().stop() == 0);
  CHECK(!contains(sent.out + sent.err + site.server().log(), token));

  // A --to naming the server's own folder, resolved against the client's working directory, is
  // accepted (any other is refused: tests/cli/test_server_promises.cpp).
  ReviewSite folder_site;
  folder_site.restart({"--release-to", (folder_site.root() / "published").string()});
  std::string id2 = trim(folder_site.ok("res", {"request", "create", "--workspace", "."}).out);
  folder_site.ok("res", {"request", "add", id2, kReviewPass});
  folder_site.ok("res", {"request", "group", id2, "default", "--context", "counts", "--controls", "rounded"});
  folder_site.ok("res", {"request", "submit", id2});
  for (const char* c : {"c1", "c2"}) {
    folder_site.ok(c, {"review", "vote", id2, kReviewPass, "approve"});
    folder_site.ok(c, {"review", "submit", id2});
  }
  folder_site.ok("c1", {"request", "release", id2, "--to", "../published"});
  fs::path published = folder_site.root() / "published" / "ws" / id2;
  CHECK(slurp(published / "files" / kReviewPass) == slurp(folder_site.ws() / kReviewPass));
  CHECK(fs::exists(published / "manifest.json"));
}

TEST_CASE("serve --workspaces: requests only for workspaces inside the served folder", "[web][api]") {
  ReviewSite site;
  TempDir outside;
  outside.write("elsewhere/project.yaml", simple_project_yaml());
  site.restart({"--workspaces", site.root().string()});
  RunResult inside = site.as("res", {"request", "create", "--workspace", "."});
  CHECK(inside.exit_code == 0);
  RunResult refused = site.as("res", {"request", "create", "--workspace", (outside.path() / "elsewhere").string()});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "this server serves workspaces under " + std::filesystem::canonical(site.root()).string()));
  // Not by a link out of the folder either.
  std::filesystem::create_directory_symlink(outside.path() / "elsewhere", site.root() / "link");
  CHECK(site.as("res", {"request", "create", "--workspace", (site.root() / "link").string()}).exit_code == 1);
  RunResult missing = run_outcheck({"serve", "--home", site.home().string(), "--port", "0", "--workspaces", "/no/such"},
                                   site.root());
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "--workspaces /no/such: no such folder"));
}

TEST_CASE("serve: /actions offers each user what the actions themselves allow, and nothing else", "[web][api]") {
  ReviewSite site;
  const std::string id = site.submitted();
  auto http = site.client();
  auto actions_of = [&](const std::string& user) {
    auto r = http.Get(("/api/requests/" + id + "/actions").c_str(), {{"Authorization", "Bearer " + site.token(user)}});
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return json::parse(r->body);
  };
  // The author of a submitted request: it is with the checkers now; a public comment is all.
  CHECK(actions_of("res") == json{{"submit", false},        {"withdraw", false}, {"edit", false},
                                  {"vote", json::array()},  {"submit_review", false},
                                  {"return", false},        {"reject", false},   {"release", false},
                                  {"comment", true},        {"comment_private", false}});
  // A checker: votes on every output file, may return it early, comments privately too; no review
  // to submit before every output file has a vote, and reject and release wait for the review.
  const json c1 = actions_of("c1");
  CHECK(c1 == json{{"submit", false},
                   {"withdraw", false},
                   {"edit", false},
                   {"vote", {kReviewChart, kReviewPass, kReviewFail}},  // in path order
                   {"submit_review", false},
                   {"return", true},
                   {"reject", false},
                   {"release", false},
                   {"comment", true},
                   {"comment_private", true}});
  // Each offer is what the action does: a vote on every file offered is taken, and then the review.
  for (const auto& path : c1.at("vote")) {
    site.ok("c1", {"review", "vote", id, path.get<std::string>(), "approve", "--override", "checked by hand"});
  }
  CHECK(actions_of("c1").at("submit_review") == true);
  site.ok("c1", {"review", "submit", id});
  CHECK(site.server().stop() == 0);
}

TEST_CASE("serve: `outcheck serve` runs outcheck-serve from its own folder, with every word after serve",
          "[web][cli]") {
  TempDir dir;
  // Its help is the server's: its options, under the name the user typed.
  RunResult help = run_outcheck({"serve", "--help"}, dir.path());
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "Usage: outcheck serve [OPTIONS]"));
  CHECK(contains(help.out, "--max-connections-per-address"));
  RunResult bad = run_outcheck({"serve", "--no-such-option"}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "--no-such-option"));
  // outcheck copied alone, without the server beside it: a clear error, exit 2.
  fs::copy_file(OUTCHECK_BINARY, dir.path() / "outcheck");
  const std::string cmd = "cd '" + dir.path().string() + "' && ./outcheck serve --port 0 >out.txt 2>err.txt";
  const int status = std::system(cmd.c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(slurp(dir.path() / "err.txt") ==
        "outcheck: serve: cannot run the review server " + (fs::canonical(dir.path()) / "outcheck-serve").string() +
            ": No such file or directory (it is built and installed beside outcheck)\n");
  CHECK(slurp(dir.path() / "out.txt").empty());
}
