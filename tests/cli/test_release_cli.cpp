// `outcheck request release` end to end through the real binary: a request taken to `reviewed` by
// its author and two output checkers, then released by a third checker to a real HTTP server that
// speaks job-server's release API (tests/support/fake_job_server.h) or to a folder. Expected values
// come from interface.md ("Publishing") and airlock.md section 4: only output files leave, exactly
// the reviewed bytes, once each; transient failures are retried and an interrupted release resumes;
// a tampered store or a file now declared highly_sensitive stops the release; the job-server token
// is never shown.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/sha256.h"
#include "tests/support/fake_job_server.h"
#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::FakeJobServer;
using outcheck::test::Fault;
using outcheck::test::FaultKind;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

using outcheck::test::trim;
using outcheck::test::contains;
using outcheck::test::slurp;
using outcheck::test::join;

namespace {

const char* const kA = "group,num\na,10\nb,15\n";
const char* const kB = "group,num\nc,20\nd,25\ne,30\n";
const char* const kSupport = "group,num\nx,40\ny,45\n";
const std::string kPathA = "output/tables/a.csv";
const std::string kPathB = "output/tables/b.csv";
const std::string kPathSupport = "output/tables/support.csv";
// Distinctive, so that any leak of it is found by a plain search.
const std::string kReleaseToken = "jobsrv-TOKEN-q7Zr9xKp2Lw4-never-shown";

// A site with a workspace "ws" holding two output files and a supporting one, and users: admin;
// res (researcher, the author); c1 and c2 (the reviewers); c3 (an output checker who releases);
// oc (an output checker who authors a request of their own).
class Site : public outcheck::test::UserSite {
 public:
  Site() {
    write("project.yaml", outcheck::test::simple_project_yaml());
    write(kPathA, kA);
    write(kPathB, kB);
    write(kPathSupport, kSupport);
    add_admin();
    add_user("res", {"researcher"});
    for (const char* c : {"c1", "c2", "c3", "oc"}) add_user(c, {"output-checker"});
  }

  json show(const std::string& id) const { return show_as("c3", id); }
  std::string status(const std::string& id) const { return show(id).at("status").get<std::string>(); }
  json audit(const std::string& id) const {
    return json::parse(ok("admin", {"audit", "log", "--request", id, "--json"}).out);
  }
  std::string audit_head() const { return trim(ok("c3", {"audit", "head"}).out); }

  // A request by `author` with both output files and the supporting file, reviewed and approved by
  // c1 and c2.
  std::string reviewed(const std::string& author = "res") const {
    std::string id = create_by(author);
    ok(author, {"request", "add", id, kPathA, kPathB});
    ok(author, {"request", "add", id, kPathSupport, "--type", "supporting", "--group", "context"});
    ok(author, {"request", "group", id, "default", "--context", "counts by group", "--controls", "rounded to 5"});
    ok(author, {"request", "group", id, "context", "--context", "denominators", "--controls", "none needed"});
    ok(author, {"request", "submit", id});
    for (const char* c : {"c1", "c2"}) {
      for (const auto& f : {kPathA, kPathB}) ok(c, {"review", "vote", id, f, "approve"});
      ok(c, {"review", "submit", id});
    }
    REQUIRE(status(id) == "reviewed");
    return id;
  }

  // `request release ID --to TO` as `user`, with the job-server token and quick retries.
  RunResult release(const std::string& id, const std::string& to, const std::string& user = "c3",
                    const std::string& token = kReleaseToken, int attempts = 6) const {
    std::vector<std::string> env{"OUTCHECK_RELEASE_TOKEN=" + token, "OUTCHECK_RELEASE_BACKOFF_MS=5",
                                 "OUTCHECK_RELEASE_ATTEMPTS=" + std::to_string(attempts)};
    return as(user, {"request", "release", id, "--to", to}, env);
  }

  // path -> sha256 of the request's files, as recorded.
  std::map<std::string, std::string> hashes(const std::string& id) const {
    std::map<std::string, std::string> out;
    const json shown = show(id);  // kept: a range-for over a temporary's member would dangle
    for (const auto& f : shown.at("files")) out[f.at("path")] = f.at("sha256");
    return out;
  }
};

// Successful uploads per file name.
std::map<std::string, int> upload_counts(const FakeJobServer& server) {
  std::map<std::string, int> out;
  for (const auto& r : server.uploads()) ++out[r.filename];
  return out;
}

int count_status(const FakeJobServer& server, const std::string& path_part, int status) {
  int n = 0;
  for (const auto& r : server.requests()) n += contains(r.path, path_part) && r.status == status;
  return n;
}

bool audit_has(const json& log, const std::string& action, const std::string& path = "") {
  for (const auto& e : log) {
    if (e.at("action") != action) continue;
    if (path.empty() || (e.at("path").is_string() && e.at("path") == path)) return true;
  }
  return false;
}

// Every regular file under `dir`, relative, with forward slashes.
std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() || e.is_symlink()) out.insert(fs::relative(e.path(), dir).generic_string());
  }
  return out;
}

// Makes the content-addressed copy of `sha` writable and replaces its bytes.
void tamper_store(const fs::path& home, const std::string& sha, const std::string& bytes) {
  fs::path p = home / "store" / sha.substr(0, 2) / sha;
  REQUIRE(fs::exists(p));
  REQUIRE(::chmod(p.c_str(), 0600) == 0);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  REQUIRE(slurp(p) == bytes);
}

}  // namespace

TEST_CASE("release cli: to job-server through 503s, a dropped upload and slow answers", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  auto hashes = site.hashes(id);
  REQUIRE(hashes.size() == 3);
  FakeJobServer server(kReleaseToken);
  // Creation: two 503s. a.csv: the connection is dropped mid-body once. b.csv: two slow answers
  // and a 503. The first upload of all is slow too.
  server.add_fault({FaultKind::unavailable, "workspace", "", 2});
  server.add_fault({FaultKind::slow, "release", "", 1, 150});
  server.add_fault({FaultKind::drop, "release", kPathA, 1});
  server.add_fault({FaultKind::slow, "release", kPathB, 2, 150});
  server.add_fault({FaultKind::unavailable, "release", kPathB, 1});
  const std::string head_before = site.audit_head();

  RunResult r = site.release(id, server.api_url());
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(site.status(id) == "released");
  CHECK(contains(r.out, "sent " + kPathA));
  CHECK(contains(r.out, "sent " + kPathB));

  // The faults really happened, and were retried.
  CHECK(count_status(server, "/releases/workspace/", 503) == 2);
  CHECK(count_status(server, "/releases/workspace/", 201) == 1);
  CHECK(count_status(server, "/releases/release/", 0) == 1);    // the dropped connection
  CHECK(count_status(server, "/releases/release/", 503) == 1);

  // (a) every output file exactly once, with its reviewed bytes.
  CHECK(upload_counts(server) == std::map<std::string, int>{{kPathA, 1}, {kPathB, 1}});
  for (const auto& u : server.uploads()) {
    CHECK(u.body_sha256 == hashes.at(u.filename));
    CHECK(u.method == "POST");
    CHECK(u.path == "/api/v2/releases/release/" + id);
    CHECK(u.headers.at("authorization") == kReleaseToken);
    CHECK(u.headers.at("os-user") == "c3");
    CHECK(u.headers.at("content-type") == "application/octet-stream");
    CHECK(u.headers.at("content-disposition") == "attachment; filename=\"" + u.filename + "\"");
  }
  auto releases = server.releases();
  REQUIRE(releases.count(id) == 1);
  CHECK(releases.at(id).workspace == "ws");
  CHECK(releases.at(id).created_by == "c3");
  CHECK(releases.at(id).uploaded.at(kPathA) == kA);
  CHECK(releases.at(id).uploaded.at(kPathB) == kB);

  // The release's file list: output files only, as reviewed; the audit head at release time.
  bool created = false;
  const auto all = server.requests();
  for (const auto& q : all) {
    if (contains(q.path, "/releases/workspace/") && q.status == 201) {
      CHECK(q.path == "/api/v2/releases/workspace/ws");
      CHECK(q.headers.at("content-type") == "application/json");
      CHECK(q.headers.at("authorization") == kReleaseToken);
      json body = json::parse(q.body);
      CHECK(body.at("metadata").at("tool") == "outcheck");
      CHECK(body.at("metadata").at("airlock_id") == id);
      CHECK(body.at("metadata").at("audit_head") == head_before);
      CHECK(body.contains("review"));
      CHECK(body.at("review").is_null());
      std::set<std::string> names;
      for (const auto& f : body.at("files")) {
        std::string name = f.at("name");
        names.insert(name);
        CHECK(f.at("url") == name);
        CHECK(f.at("sha256") == hashes.at(name));
        CHECK(f.at("size") == (name == kPathA ? std::string(kA).size() : std::string(kB).size()));
        std::string date = f.at("date");
        CHECK(date.size() >= 20);
        CHECK(date.back() == 'Z');
      }
      CHECK(names == std::set<std::string>{kPathA, kPathB});
      created = true;
    }
  }
  CHECK(created);

  // (b) the supporting file is never sent, by name or by content.
  for (const auto& q : server.requests()) {
    CHECK(q.filename != kPathSupport);
    CHECK(q.body_sha256 != hashes.at(kPathSupport));
    CHECK(!contains(q.body, kPathSupport));
  }

  // The audit log has the approval, each upload and the release.
  json log = site.audit(id);
  CHECK(audit_has(log, "request_approve"));
  CHECK(audit_has(log, "file_upload", kPathA));
  CHECK(audit_has(log, "file_upload", kPathB));
  CHECK(!audit_has(log, "file_upload", kPathSupport));
  CHECK(audit_has(log, "request_released"));

  // (c) a second run sends nothing new.
  const std::size_t uploads_before = server.uploads(false).size();
  RunResult again = site.release(id, server.api_url());
  INFO("again stdout: " << again.out << "\nstderr: " << again.err);
  CHECK(again.exit_code == 0);
  CHECK(server.uploads(false).size() == uploads_before);
  CHECK(upload_counts(server) == std::map<std::string, int>{{kPathA, 1}, {kPathB, 1}});
  CHECK(site.status(id) == "released");
  CHECK(contains(again.out, "already sent " + kPathA));
  CHECK(contains(again.out, "already sent " + kPathB));
}

TEST_CASE("release cli: an interrupted release resumes with only the missing file", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  auto hashes = site.hashes(id);
  FakeJobServer server(kReleaseToken);
  server.add_fault({FaultKind::unavailable, "release", kPathB, -1});  // the second file: 503 forever

  RunResult r = site.release(id, server.api_url(), "c3", kReleaseToken, 3);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "again"));  // tells the user to run it again
  CHECK(count_status(server, "/releases/release/", 503) == 3);  // bounded: exactly the attempts allowed
  CHECK(site.status(id) == "approved");
  CHECK(upload_counts(server) == std::map<std::string, int>{{kPathA, 1}});
  json log = site.audit(id);
  CHECK(audit_has(log, "file_upload", kPathA));
  CHECK(!audit_has(log, "file_upload", kPathB));
  CHECK(!audit_has(log, "request_released"));

  server.clear_faults();
  const std::size_t seen = server.uploads(false).size();

  SECTION("the server heals; run again, only the missing file is sent") {
    RunResult again = site.release(id, server.api_url());
    INFO("again stdout: " << again.out << "\nstderr: " << again.err);
    REQUIRE(again.exit_code == 0);
    auto all = server.uploads(false);
    REQUIRE(all.size() == seen + 1);
    CHECK(all.back().filename == kPathB);
    CHECK(all.back().status == 201);
    CHECK(all.back().body_sha256 == hashes.at(kPathB));
    CHECK(upload_counts(server) == std::map<std::string, int>{{kPathA, 1}, {kPathB, 1}});
    CHECK(site.status(id) == "released");
    CHECK(audit_has(site.audit(id), "request_released"));
  }
  SECTION("the missing file's stored copy changed meanwhile: the resumed release stops, still approved") {
    tamper_store(site.home(), hashes.at(kPathB), "group,num\nc,1\nd,2\ne,3\n");
    RunResult again = site.release(id, server.api_url());
    INFO("again stdout: " << again.out << "\nstderr: " << again.err);
    CHECK(again.exit_code == 1);
    CHECK(contains(again.err, kPathB));
    CHECK(server.uploads(false).size() == seen);
    CHECK(site.status(id) == "approved");
    CHECK(audit_has(site.audit(id), "release_stopped", kPathB));
  }
}

TEST_CASE("release cli: a stored copy changed after review is not published", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  auto hashes = site.hashes(id);
  tamper_store(site.home(), hashes.at(kPathB), "group,num\nc,1\nd,2\ne,3\n");
  FakeJobServer server(kReleaseToken);
  const std::string before = site.ok("c3", {"request", "show", id, "--json"}).out;

  SECTION("to job-server") {
    RunResult r = site.release(id, server.api_url());
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, kPathB));
    CHECK(server.uploads(false).empty());
  }
  SECTION("to a folder") {
    fs::path out = site.root() / "published";
    RunResult r = site.release(id, out.string());
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, kPathB));
    for (const auto& f : files_under(out)) CHECK(!contains(f, "b.csv"));
  }
  // The request stays where it was (only the explanation is new), and show and the audit log name
  // the file.
  json after = json::parse(site.ok("c3", {"request", "show", id, "--json"}).out);
  REQUIRE(after.at("release_problem").is_object());
  CHECK(contains(after.at("release_problem").at("problem").get<std::string>(), kPathB));
  json unchanged = json::parse(before);
  after["release_problem"] = unchanged["release_problem"];
  CHECK(after == unchanged);
  CHECK(site.status(id) == "reviewed");
  json log = site.audit(id);
  bool named = false;
  for (const auto& e : log) {
    if (e.at("action") == "release_stopped" && e.at("path") == kPathB) {
      named = contains(e.at("details").dump(), hashes.at(kPathB));  // says why: the reviewed hash
    }
  }
  CHECK(named);
  CHECK(!audit_has(log, "file_upload"));
  CHECK(!audit_has(log, "request_released"));
}

TEST_CASE("release cli: the job-server token is never shown", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  std::string shown;
  {
    // Refused by a server that expects another token.
    FakeJobServer other("a-different-token");
    RunResult r = site.release(id, other.api_url());
    CHECK(r.exit_code == 1);
    shown += r.out + r.err;
    REQUIRE(!other.requests().empty());
    CHECK(other.requests().front().headers.at("authorization") == kReleaseToken);  // it was sent, only there
  }
  FakeJobServer server(kReleaseToken);
  {
    // Retries exhausted.
    server.add_fault({FaultKind::unavailable, "", "", -1});
    RunResult r = site.release(id, server.api_url(), "c3", kReleaseToken, 2);
    CHECK(r.exit_code == 1);
    shown += r.out + r.err;
    server.clear_faults();
  }
  {
    RunResult r = site.release(id, server.api_url());
    CHECK(r.exit_code == 0);
    shown += r.out + r.err;
    RunResult json_run = site.as("c3", {"request", "release", id, "--to", server.api_url(), "--json"},
                                 {"OUTCHECK_RELEASE_TOKEN=" + kReleaseToken});
    CHECK(json_run.exit_code == 0);
    shown += json_run.out + json_run.err;
  }
  CHECK(site.status(id) == "released");
  RunResult log_json = site.ok("admin", {"audit", "log", "--json"});
  RunResult log_text = site.ok("admin", {"audit", "log"});
  RunResult show = site.ok("c3", {"request", "show", id, "--json"});
  CHECK(!log_json.out.empty());
  CHECK(!contains(shown, kReleaseToken));
  CHECK(!contains(log_json.out + log_json.err, kReleaseToken));
  CHECK(!contains(log_text.out + show.out, kReleaseToken));
  // Nor anywhere in the home: database, journal, store.
  for (const auto& f : files_under(site.home())) {
    INFO(f);
    CHECK(!contains(slurp(site.home() / f), kReleaseToken));
  }
}

TEST_CASE("release cli: a 403 stops with the server's detail", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  FakeJobServer server(kReleaseToken);
  const std::string detail = "User c3 does not have permission to upload to workspace ws (xyzzy)";

  SECTION("creating the release") {
    server.add_fault({FaultKind::forbidden, "workspace", "", -1, 0, detail});
    RunResult r = site.release(id, server.api_url());
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, detail));
    CHECK(server.requests().size() == 1);  // a 4xx is not retried
    CHECK(site.status(id) == "reviewed");
    CHECK(server.uploads(false).empty());
  }
  SECTION("uploading a file") {
    server.add_fault({FaultKind::forbidden, "release", kPathB, -1, 0, detail});
    RunResult r = site.release(id, server.api_url());
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, detail));
    CHECK(count_status(server, "/releases/release/", 403) == 1);
    CHECK(upload_counts(server) == std::map<std::string, int>{{kPathA, 1}});
    CHECK(site.status(id) == "approved");
  }
  SECTION("a wrong token") {
    RunResult r = site.release(id, server.api_url(), "c3", "not-the-token");
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "token is invalid"));
    CHECK(site.status(id) == "reviewed");
  }
}

TEST_CASE("release cli: an http target needs OUTCHECK_RELEASE_TOKEN", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  FakeJobServer server(kReleaseToken);
  ::unsetenv("OUTCHECK_RELEASE_TOKEN");  // not inherited from whoever runs the tests
  RunResult missing = site.as("c3", {"request", "release", id, "--to", server.api_url()});
  INFO("stdout: " << missing.out << "\nstderr: " << missing.err);
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "OUTCHECK_RELEASE_TOKEN"));
  RunResult empty = site.as("c3", {"request", "release", id, "--to", server.api_url()}, {"OUTCHECK_RELEASE_TOKEN="});
  CHECK(empty.exit_code == 2);
  CHECK(server.requests().empty());
  CHECK(site.status(id) == "reviewed");
}

TEST_CASE("release cli: to a folder", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  auto hashes = site.hashes(id);
  fs::path out = site.root() / "published";
  const std::string head_before = site.audit_head();
  CHECK(site.audit_head() == head_before);  // reading the head does not move it

  RunResult r = site.release(id, out.string());
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(site.status(id) == "released");
  CHECK(site.audit_head() != head_before);  // the release itself was audited

  fs::path root = out / "ws" / id;
  // Exactly the output files, the manifest and the release record: no supporting file, no
  // temporary names.
  CHECK(files_under(out) == std::set<std::string>{"ws/" + id + "/manifest.json", "ws/" + id + "/release-record.json",
                                                  "ws/" + id + "/release-record.html", "ws/" + id + "/files/" + kPathA,
                                                  "ws/" + id + "/files/" + kPathB});
  CHECK(slurp(root / "files" / kPathA) == kA);
  CHECK(slurp(root / "files" / kPathB) == kB);

  json manifest = json::parse(slurp(root / "manifest.json"));
  CHECK(manifest.at("audit_head") == head_before);
  std::set<std::string> names;
  for (const auto& f : manifest.at("files")) {
    std::string name = f.at("name");
    names.insert(name);
    CHECK(f.at("sha256") == hashes.at(name));
    CHECK(f.at("sha256") == outcheck::checker::sha256_hex(slurp(root / "files" / name)));
    CHECK(f.at("size") == fs::file_size(root / "files" / name));
    std::set<std::string> reviewers;
    for (const auto& rv : f.at("reviewers")) {
      reviewers.insert(rv.at("reviewer").get<std::string>());
      CHECK(!rv.at("approved_at").get<std::string>().empty());
    }
    CHECK(reviewers == std::set<std::string>{"c1", "c2"});
  }
  CHECK(names == std::set<std::string>{kPathA, kPathB});

  // Running it again changes no published file.
  RunResult again = site.release(id, out.string());
  CHECK(again.exit_code == 0);
  CHECK(files_under(out).size() == 5);
  CHECK(slurp(root / "files" / kPathA) == kA);
}

TEST_CASE("release cli: a file now declared highly_sensitive is refused", "[cli][release]") {
  Site site;
  std::string id = site.reviewed();
  std::string yaml = outcheck::test::simple_project_yaml();
  const std::string from = "      moderately_sensitive:\n        table: output/tables/*.csv\n";
  REQUIRE(contains(yaml, from));
  yaml.replace(yaml.find(from), from.size(),
               "      highly_sensitive:\n        table: output/tables/*.csv\n      moderately_sensitive:\n");
  std::ofstream(site.ws() / "project.yaml", std::ios::trunc) << yaml;
  FakeJobServer server(kReleaseToken);
  fs::path out = site.root() / "published";

  RunResult r = site.release(id, server.api_url());
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "highly_sensitive"));
  CHECK(contains(r.err, kPathA));
  CHECK(server.requests().empty());
  RunResult folder = site.release(id, out.string());
  CHECK(folder.exit_code == 1);
  CHECK(files_under(out).empty());
  CHECK(site.status(id) == "reviewed");
}

TEST_CASE("release cli: who may release", "[cli][release]") {
  Site site;
  FakeJobServer server(kReleaseToken);
  fs::path out = site.root() / "published";

  SECTION("the author, though an output checker, cannot") {
    std::string id = site.reviewed("oc");
    RunResult r = site.release(id, server.api_url(), "oc");
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "author"));
    CHECK(site.release(id, out.string(), "oc").exit_code == 1);
    CHECK(site.status(id) == "reviewed");
    CHECK(audit_has(site.audit(id), "refused"));
  }
  SECTION("a researcher cannot") {
    std::string id = site.reviewed();
    RunResult r = site.release(id, server.api_url(), "res");
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(site.status(id) == "reviewed");
  }
  SECTION("not before it is reviewed") {
    std::string id = trim(site.ok("res", {"request", "create", "--workspace", site.ws().string()}).out);
    site.ok("res", {"request", "add", id, kPathA});
    site.ok("res", {"request", "group", id, "default", "--context", "c", "--controls", "k"});
    site.ok("res", {"request", "submit", id});
    RunResult r = site.release(id, server.api_url());
    CHECK(r.exit_code == 1);
    CHECK(site.status(id) == "submitted");
  }
  CHECK(server.requests().empty());
  CHECK(files_under(out).empty());
}
