// Issue 15's promises of `outcheck serve` (interface.md, "The server's promises" and "Publishing"),
// each tried as an attacker would against a real server on loopback:
// - a release naming another URL, folder or CA file is refused, and a listener where it must not go
//   gets no connection; the job-server token goes to the server's target only;
// - two releases of one request at once: one upload, the second refused as in progress;
// - direct SQLite edits on a copy of the home (a review forged, a file's hash swapped) do not
//   release, and `audit verify` names the tables that disagree with the chain;
// - a deleted or emptied audit.head, rows cut with the head rewritten, a deleted audit.head.log and
//   an edited release manifest all fail `audit verify` (exit 1, naming why);
// - a researcher creating a request on a workspace they are not a member of gets 403.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/fake_job_server.h"
#include "tests/support/review_site.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace outcheck::test;

namespace {

// A loopback port that a release must never reach: listens, never accepts, and says whether anyone
// connected (a connection completes in the kernel's backlog, so poll sees it).
class TrapListener {
 public:
  TrapListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TrapListener() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v2"; }
  bool connected() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 200) > 0;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

void sql(const fs::path& db_path, const std::string& statements) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &err);
  INFO(statements << ": " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::string status_of(const ReviewSite& site, const std::string& id) {
  return json::parse(site.ok("c1", {"request", "show", id, "--json"}).out)["status"].get<std::string>();
}

// A request by res holding the passing file, submitted; with `reviews` of c1 then c2 approving it.
std::string request_with_reviews(const ReviewSite& site, int reviews) {
  std::string id = trim(site.ok("res", {"request", "create", "--workspace", "."}).out);
  REQUIRE(id.size() == 26);
  site.ok("res", {"request", "add", id, kReviewPass});
  site.ok("res", {"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
  site.ok("res", {"request", "submit", id});
  for (const char* c : {"c1", "c2"}) {
    if (reviews-- <= 0) break;
    site.ok(c, {"review", "vote", id, kReviewPass, "approve"});
    site.ok(c, {"review", "submit", id});
  }
  return id;
}

RunResult as_on(const ServeProcess& server, const std::string& token, const std::vector<std::string>& args,
                const fs::path& cwd) {
  return run_outcheck(args, cwd, {"OUTCHECK_SERVER=" + server.url(), "OUTCHECK_TOKEN=" + token});
}

}  // namespace

TEST_CASE("serve promise: a release goes only to the server's target, the job-server token only there",
          "[server][promise][release]") {
  const std::string token = "jobsrv-PROMISE-ONLY-HERE-5t9w";
  FakeJobServer jobs(token);
  TrapListener trap;
  ReviewSite site({"--release-to", jobs.api_url()},
                  {"OUTCHECK_RELEASE_TOKEN=" + token, "OUTCHECK_RELEASE_BACKOFF_MS=5", "OUTCHECK_RELEASE_ATTEMPTS=1"});
  const std::string id = request_with_reviews(site, 2);
  REQUIRE(status_of(site, id) == "reviewed");

  // Another URL, another folder, a CA file of the client's choosing: each refused (403, exit 1).
  RunResult other_url = site.as("c1", {"request", "release", id, "--to", trap.url()});
  CHECK(other_url.exit_code == 1);
  CHECK(contains(other_url.err, "releases only to its own target"));
  const fs::path elsewhere = site.root() / "elsewhere";
  RunResult other_folder = site.as("c1", {"request", "release", id, "--to", elsewhere.string()});
  CHECK(other_folder.exit_code == 1);
  CHECK(contains(other_folder.err, "releases only to its own target"));
  RunResult ca = site.as("c1", {"request", "release", id, "--to", jobs.api_url(), "--ca-file", "/etc/hostname"});
  CHECK(ca.exit_code == 1);
  CHECK(contains(ca.err, "--ca-file is refused"));
  // The raw API: 403 with a JSON error.
  auto http = site.client();
  httplib::Headers auth{{"Authorization", "Bearer " + site.token("c1")}};
  auto raw = http.Post(("/api/requests/" + id + "/release").c_str(), auth, json{{"to", trap.url()}}.dump(),
                       "application/json");
  REQUIRE(raw);
  CHECK(raw->status == 403);
  CHECK(json::parse(raw->body)["error"]["kind"] == "refused");

  CHECK_FALSE(trap.connected());
  CHECK_FALSE(fs::exists(elsewhere));
  CHECK(jobs.requests().empty());
  CHECK(status_of(site, id) == "reviewed");

  // No --to: the server's own target, with the server's token, and only there.
  RunResult sent = site.as("c1", {"request", "release", id});
  INFO(sent.out << sent.err);
  REQUIRE(sent.exit_code == 0);
  REQUIRE(jobs.uploads().size() == 1);
  for (const auto& r : jobs.requests()) CHECK(r.headers.at("authorization") == token);
  CHECK(status_of(site, id) == "released");
  CHECK_FALSE(trap.connected());

  // A server with no --release-to releases nowhere, whatever the client names.
  ReviewSite bare;
  const std::string id2 = request_with_reviews(bare, 2);
  RunResult nowhere = bare.as("c1", {"request", "release", id2, "--to", (bare.root() / "out").string()});
  CHECK(nowhere.exit_code == 1);
  CHECK(contains(nowhere.err, "no release target"));
  CHECK_FALSE(fs::exists(bare.root() / "out"));
}

TEST_CASE("serve promise: two releases of one request at once make one upload, the second is refused as in progress",
          "[server][promise][release]") {
  const std::string token = "jobsrv-ONE-AT-A-TIME";
  FakeJobServer jobs(token);
  // Each upload takes two seconds: the first release is still sending when the second starts.
  Fault slow;
  slow.kind = FaultKind::slow;
  slow.endpoint = "release";
  slow.times = -1;
  slow.delay_ms = 2000;
  jobs.add_fault(slow);
  ReviewSite site({"--release-to", jobs.api_url()}, {"OUTCHECK_RELEASE_TOKEN=" + token, "OUTCHECK_RELEASE_BACKOFF_MS=5"});
  const std::string id = request_with_reviews(site, 2);

  TempDir logs;
  pid_t first = spawn_outcheck({"request", "release", id}, site.ws(),
                               {"OUTCHECK_SERVER=" + site.server().url(), "OUTCHECK_TOKEN=" + site.token("c1")},
                               logs.path() / "out1", logs.path() / "err1");
  // Wait until the first has created the release at the job-server (it is then uploading).
  for (int i = 0; i < 200 && jobs.requests().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  REQUIRE_FALSE(jobs.requests().empty());
  RunResult second = site.as("c2", {"request", "release", id});
  int status = 0;
  REQUIRE(::waitpid(first, &status, 0) == first);
  INFO("first: " << slurp(logs.path() / "out1") << slurp(logs.path() / "err1") << "\nsecond: " << second.out << second.err);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(second.exit_code == 1);
  CHECK(contains(second.err, "a release of request " + id + " is in progress"));
  CHECK(jobs.uploads(false).size() == 1);
  std::size_t creations = 0;
  for (const auto& r : jobs.requests()) creations += contains(r.path, "/releases/workspace/");
  CHECK(creations == 1);
  CHECK(status_of(site, id) == "released");
  // The lock was freed: running it again is harmless and sends nothing.
  RunResult again = site.as("c2", {"request", "release", id});
  CHECK(again.exit_code == 0);
  CHECK(jobs.uploads(false).size() == 1);
}

TEST_CASE("serve promise: SQLite edited without audit.key does not release, and verify names the tables",
          "[server][promise][release][audit]") {
  ReviewSite site;
  // One review only (partially reviewed); and a second request, reviewed, whose file will be swapped.
  const std::string forged = request_with_reviews(site, 1);
  REQUIRE(status_of(site, forged) == "partially_reviewed");
  REQUIRE(site.server().stop() == 0);

  // On a copy of the home, the attacker forges what the chain does not say: a second review.
  TempDir copy;
  const fs::path home = copy.path() / "home";
  fs::copy(site.home(), home, fs::copy_options::recursive);
  const fs::path db = home / "outcheck.db";
  sql(db, "UPDATE requests SET status = 'reviewed' WHERE id = '" + forged + "';"
          "INSERT INTO votes (request_id, relpath, reviewer, vote, review_turn, updated_at) VALUES ('" + forged +
              "', '" + kReviewPass + "', 'c2', 'approved', 2, '2026-01-01T00:00:00Z');"
          "INSERT INTO submitted_reviews (request_id, reviewer, review_turn, submitted_at) VALUES ('" + forged +
              "', 'c2', 2, '2026-01-01T00:00:00Z');");
  const fs::path out = copy.path() / "out";
  ServeProcess server(home, {"--release-to", out.string()});
  RunResult released = as_on(server, site.token("c1"), {"request", "release", forged}, site.ws());
  INFO(released.out << released.err);
  CHECK(released.exit_code == 1);
  CHECK(contains(released.err, "audit log"));
  CHECK_FALSE(fs::exists(out));
  RunResult verify = as_on(server, site.token("c1"), {"audit", "verify"}, site.ws());
  INFO(verify.out);
  CHECK(verify.exit_code == 1);
  CHECK(contains(verify.out, "requests disagrees with the audit chain"));
  CHECK(contains(verify.out, "votes disagrees with the audit chain"));
  CHECK(contains(verify.out, "submitted_reviews disagrees with the audit chain"));
  CHECK(server.stop() == 0);

  // A reviewed request whose reviewed file is swapped, in the table, for another stored file.
  TempDir copy2;
  const fs::path home2 = copy2.path() / "home";
  {
    ReviewSite legit({"--release-to", (copy2.path() / "out").string()});
    const std::string id = request_with_reviews(legit, 2);
    // Another stored file: the failing one, in another request of res's (another workspace name).
    std::string other = trim(legit.ok("res", {"request", "create", "--workspace", ".", "--workspace-name", "other"}).out);
    legit.ok("res", {"request", "add", other, kReviewFail});
    const std::string fail_sha = json::parse(legit.ok("res", {"request", "show", other, "--json"}).out)["files"][0]["sha256"];
    REQUIRE(legit.server().stop() == 0);
    fs::copy(legit.home(), home2, fs::copy_options::recursive);
    sql(home2 / "outcheck.db", "UPDATE request_files SET sha256 = '" + fail_sha + "' WHERE request_id = '" + id + "';");
    ServeProcess server2(home2, {"--release-to", (copy2.path() / "out").string()});
    RunResult swapped = as_on(server2, legit.token("c1"), {"request", "release", id}, legit.ws());
    INFO(swapped.out << swapped.err);
    CHECK(swapped.exit_code == 1);
    CHECK(contains(swapped.err, "the audit log does not show this file"));
    CHECK_FALSE(fs::exists(copy2.path() / "out" / "ws" / id / "files"));
    RunResult verify2 = as_on(server2, legit.token("c1"), {"audit", "verify"}, legit.ws());
    CHECK(verify2.exit_code == 1);
    CHECK(contains(verify2.out, "request_files disagrees with the audit chain"));
  }
}

TEST_CASE("serve promise: the record cannot be cut quietly (audit.head, audit.head.log, release manifests)",
          "[server][promise][audit]") {
  ReviewSite site;
  site.restart({"--release-to", (site.root() / "out").string()});
  const std::string id = request_with_reviews(site, 2);
  site.ok("c1", {"request", "release", id});
  auto verify = [&] { return site.as("c1", {"audit", "verify"}); };
  REQUIRE(verify().exit_code == 0);
  const fs::path head = site.home() / "audit.head", log = site.home() / "audit.head.log";
  REQUIRE(fs::exists(log));
  const std::string head_text = slurp(head);

  // Deleted: exit 1, naming it.
  fs::remove(head);
  RunResult missing = verify();
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.out, "audit.head is missing"));
  // Emptied.
  put(head, "");
  RunResult empty = verify();
  CHECK(empty.exit_code == 1);
  CHECK(contains(empty.out, "audit.head is empty"));
  put(head, head_text);
  REQUIRE(verify().exit_code == 0);

  // The release manifest anchors the head at release: edited, it no longer matches the chain.
  const fs::path manifest = site.root() / "out" / "ws" / id / "manifest.json";
  const std::string manifest_text = slurp(manifest);
  json m = json::parse(manifest_text);
  REQUIRE(m.contains("audit_seq"));
  m["audit_head"] = std::string(64, 'a');
  put(manifest, m.dump());
  RunResult anchored = verify();
  CHECK(anchored.exit_code == 1);
  CHECK(contains(anchored.out, "the manifest of release " + id));
  put(manifest, manifest_text);

  // Rows cut from the end, with audit.head rewritten to match: audit.head.log still knows.
  sql(site.home() / "outcheck.db",
      "DROP TRIGGER audit_log_append_only_delete; DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 3 FROM audit_log);");
  {
    sqlite3* db = nullptr;
    sqlite3_open((site.home() / "outcheck.db").c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    put(head, std::to_string(sqlite3_column_int64(st, 0)) + " " + reinterpret_cast<const char*>(sqlite3_column_text(st, 1)) + "\n");
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  RunResult cut = verify();
  CHECK(cut.exit_code == 1);
  CHECK(contains(cut.out, "audit.head.log line"));
  CHECK(contains(cut.out, "rows were deleted from the end"));
  // And with audit.head.log deleted too.
  fs::remove(log);
  RunResult no_log = verify();
  CHECK(no_log.exit_code == 1);
  CHECK(contains(no_log.out, "audit.head.log is missing"));
}

TEST_CASE("serve promise: a researcher creates requests only for workspaces they are a member of",
          "[server][promise][workspace]") {
  ReviewSite site;
  const std::string res2 = trim(site.ok("admin", {"user", "add", "res2", "--role", "researcher"}).out);
  site.ok("admin", {"workspace", "grant", "ws", "res"});
  // Only an admin grants.
  RunResult self_grant = site.as("res", {"workspace", "grant", "ws", "res"});
  CHECK(self_grant.exit_code == 1);
  CHECK(contains(site.ok("admin", {"workspace", "list"}).out, "membership enforced\n"));
  CHECK(contains(site.ok("admin", {"workspace", "list"}).out, "ws  res  (granted by admin"));

  CHECK(site.as("res", {"request", "create", "--workspace", "."}).exit_code == 0);
  RunResult outsider = run_outcheck({"request", "create", "--workspace", "."}, site.ws(),
                                    {"OUTCHECK_SERVER=" + site.server().url(), "OUTCHECK_TOKEN=" + res2});
  CHECK(outsider.exit_code == 1);
  CHECK(contains(outsider.err, "not a member of workspace ws"));
  auto http = site.client();
  auto raw = http.Post("/api/requests", {{"Authorization", "Bearer " + res2}},
                       json{{"workspace", site.ws().string()}, {"cwd", site.ws().string()}}.dump(), "application/json");
  REQUIRE(raw);
  CHECK(raw->status == 403);
  // Another name for the same folder is another workspace: not granted either.
  CHECK(run_outcheck({"request", "create", "--workspace", ".", "--workspace-name", "ws2"}, site.ws(),
                     {"OUTCHECK_SERVER=" + site.server().url(), "OUTCHECK_TOKEN=" + res2})
            .exit_code == 1);

  // Granted, res2 may; revoked, res may not any more.
  site.ok("admin", {"workspace", "grant", "ws", "res2"});
  CHECK(run_outcheck({"request", "create", "--workspace", "."}, site.ws(),
                     {"OUTCHECK_SERVER=" + site.server().url(), "OUTCHECK_TOKEN=" + res2})
            .exit_code == 0);
  site.ok("admin", {"workspace", "revoke", "ws", "res"});
  RunResult revoked = site.as("res", {"request", "create", "--workspace", ".", "--workspace-name", "ws"});
  CHECK(revoked.exit_code == 1);
  // Every grant and revocation is in the audit log, and the chain still verifies.
  std::string log = site.ok("admin", {"audit", "log"}).out;
  CHECK(contains(log, "workspace_grant"));
  CHECK(contains(log, "workspace_revoke"));
  CHECK(site.as("c1", {"audit", "verify"}).exit_code == 0);
}
