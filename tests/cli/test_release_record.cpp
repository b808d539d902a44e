// The release record (issue 16 item 2; interface.md "Publishing") end to end through the real
// binary: a request reviewed over two turns (changes requested, returned, approved), with a public
// and a private comment, released to a folder and to the job-server stand-in. The folder holds
// release-record.json (canonical, sha256 in the release's audit row and the manifest) and
// release-record.html; `outcheck release verify` finds changed, missing and forged contents; the
// job-server's metadata carries the record without the private comment; the API serves the record
// as released to reviewers and refuses researchers who are not the author.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "checker/sha256.h"
#include "release/release_record.h"
#include "tests/support/fake_job_server.h"
#include "tests/support/serve_process.h"
#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"
#include "web/pages.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::checker::sha256_hex;
using outcheck::test::contains;
using outcheck::test::FakeJobServer;
using outcheck::test::RunResult;
using outcheck::test::slurp;
using outcheck::test::TempDir;
using outcheck::test::trim;

namespace {

const std::string kPathA = "output/tables/a.csv";
const std::string kPathB = "output/tables/b.csv";
const std::string kPathSupport = "output/tables/support.csv";
const std::string kToken = "jobsrv-record-token";
const std::string kPrivate = "PRIVATE-NOTE-only-checkers-see-this";
const std::string kPublic = "public note <script>alert(1)</script> & more";

class Site : public outcheck::test::UserSite {
 public:
  Site() {
    write("project.yaml", outcheck::test::simple_project_yaml());
    write(kPathA, "group,num\na,10\nb,15\n");
    write(kPathB, "group,num\nc,20\nd,25\ne,30\n");
    write(kPathSupport, "group,num\nx,40\ny,45\n");
    add_admin();
    add_user("res", {"researcher"});
    add_user("other", {"researcher"});
    for (const char* c : {"c1", "c2", "c3"}) add_user(c, {"output-checker"});
  }

  // Reviewed over two turns: c1 asks for changes to a.csv in turn 1 (c2 approves everything), the
  // request is returned and submitted again, and c1 approves a.csv in turn 2.
  std::string reviewed() const {
    std::string id = create_by("res");
    ok("res", {"request", "add", id, kPathA, kPathB});
    ok("res", {"request", "add", id, kPathSupport, "--type", "supporting", "--group", "context"});
    ok("res", {"request", "group", id, "default", "--context", "counts by group", "--controls", "rounded to 5"});
    ok("res", {"request", "group", id, "context", "--context", "denominators", "--controls", "none needed"});
    ok("res", {"request", "submit", id});
    ok("c1", {"review", "vote", id, kPathA, "request-changes", "--comment", "round a.csv to 5"});
    ok("c1", {"review", "vote", id, kPathB, "approve"});
    ok("c1", {"review", "comment", id, "--group", "default", "--text", kPrivate, "--private"});
    ok("c1", {"review", "comment", id, "--group", "default", "--text", kPublic});
    ok("c1", {"review", "submit", id});
    for (const auto& f : {kPathA, kPathB}) ok("c2", {"review", "vote", id, f, "approve"});
    ok("c2", {"review", "submit", id});
    ok("c1", {"request", "return", id});
    ok("res", {"request", "submit", id});
    ok("c1", {"review", "vote", id, kPathA, "approve", "--comment", "fine now"});
    ok("c1", {"review", "submit", id});
    ok("c2", {"review", "submit", id});
    REQUIRE(show_as("c3", id).at("status") == "reviewed");
    return id;
  }

  RunResult release(const std::string& id, const std::string& to) const {
    return as("c3", {"request", "release", id, "--to", to},
              {"OUTCHECK_RELEASE_TOKEN=" + kToken, "OUTCHECK_RELEASE_BACKOFF_MS=5", "OUTCHECK_RELEASE_ATTEMPTS=3"});
  }

  // `outcheck release verify` needs no user: it reads the folder (and the home) itself.
  RunResult verify(const fs::path& dir, bool with_home = false) const {
    std::vector<std::string> args{"release", "verify", dir.string()};
    if (with_home) args.insert(args.end(), {"--home", home().string()});
    return outcheck::test::run_outcheck(args, root());
  }

  // The request_released audit row, as an output checker sees it.
  json released_row(const std::string& id) const {
    json log = json::parse(ok("c3", {"audit", "log", "--request", id, "--event", "request_released", "--json"}).out);
    REQUIRE(log.size() == 1);
    return log[0];
  }
};

json votes_by(const json& file, const std::string& reviewer) {
  json out = json::array();
  for (const auto& v : file.at("votes")) {
    if (v.at("reviewer") == reviewer) out.push_back(v);
  }
  return out;
}

const json& file_of(const json& record, const std::string& path) {
  for (const auto& f : record.at("files")) {
    if (f.at("path") == path) return f;
  }
  FAIL("the record has no " << path);
  static const json none;
  return none;
}

std::string comment_texts(const json& record) {
  std::string all;
  for (const auto& g : record.at("groups")) {
    for (const auto& c : g.at("comments")) all += c.at("text").get<std::string>() + "\n";
  }
  return all;
}

// A copy of a release folder to change.
fs::path copy_of(const fs::path& release, const fs::path& where) {
  fs::copy(release, where, fs::copy_options::recursive);
  return where;
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

TEST_CASE("release record: a folder release writes release-record.json and .html with the request's facts",
          "[cli][release][release_record]") {
  Site site;
  const std::string id = site.reviewed();
  const json shown = site.show_as("c3", id);
  TempDir out;
  RunResult r = site.release(id, out.path().string());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path root = out.path() / "ws" / id;
  REQUIRE(fs::exists(root / "release-record.json"));
  REQUIRE(fs::exists(root / "release-record.html"));
  const std::string text = slurp(root / "release-record.json");
  const json record = json::parse(text);
  const json manifest = json::parse(slurp(root / "manifest.json"));

  // Canonical: sorted keys, two-space indent, one final newline.
  CHECK(text == record.dump(2) + "\n");
  CHECK(record.at("schema") == "outcheck.release-record/1");
  CHECK(record.at("tool") == json{{"name", "outcheck"}, {"version", "0.1.0"}});

  const json& rq = record.at("request");
  CHECK(rq.at("id") == id);
  CHECK(rq.at("workspace") == "ws");
  CHECK(rq.at("author") == "res");
  CHECK(rq.at("released_by") == "c3");
  CHECK(rq.at("created_at") == shown.at("created_at"));
  CHECK(rq.at("submitted_at") == shown.at("submitted_at"));
  CHECK(rq.at("released_at").is_string());
  CHECK(!rq.at("released_at").get<std::string>().empty());

  // Released files only, as recorded and as published.
  REQUIRE(record.at("files").size() == 2);
  for (const auto& f : shown.at("files")) {
    if (f.at("type") != "output") continue;
    const json& rf = file_of(record, f.at("path"));
    CHECK(rf.at("sha256") == f.at("sha256"));
    CHECK(rf.at("size") == f.at("size"));
    CHECK(rf.at("outcome") == f.at("outcome"));
    CHECK(rf.at("finding_counts") == f.at("finding_counts"));
    CHECK(rf.at("findings") == f.at("findings"));
    CHECK(rf.contains("job"));
    CHECK(sha256_hex(slurp(root / "files" / f.at("path").get<std::string>())) == rf.at("sha256"));
  }
  // Every reviewer's vote per review turn, with its comment.
  const json& a = file_of(record, kPathA);
  const json c1 = votes_by(a, "c1");
  REQUIRE(c1.size() == 2);
  // (Turns count as Airlock counts them: the first review and the one after the return differ.)
  CHECK(c1[0].at("vote") == "changes_requested");
  CHECK(c1[0].at("comment") == "round a.csv to 5");
  CHECK(c1[1].at("vote") == "approved");
  CHECK(c1[1].at("comment") == "fine now");
  CHECK(c1[0].at("review_turn").get<int>() < c1[1].at("review_turn").get<int>());
  CHECK(c1[1].at("review_turn") == rq.at("review_turn"));
  REQUIRE(votes_by(a, "c2").size() == 1);
  CHECK(votes_by(a, "c2")[0].at("vote") == "approved");
  CHECK(votes_by(a, "c2")[0].at("review_turn") == c1[0].at("review_turn"));
  CHECK(votes_by(file_of(record, kPathB), "c1").size() == 1);

  // Groups with context, controls and comments (the private one included: this copy is the site's).
  std::map<std::string, json> groups;
  for (const auto& g : record.at("groups")) groups[g.at("name")] = g;
  REQUIRE(groups.count("default") == 1);
  REQUIRE(groups.count("context") == 1);
  CHECK(groups["default"].at("context") == "counts by group");
  CHECK(groups["default"].at("controls") == "rounded to 5");
  CHECK(groups["context"].at("controls") == "none needed");
  CHECK(contains(comment_texts(record), kPrivate));
  CHECK(contains(comment_texts(record), kPublic));

  // The site policy in force.
  const json policy = json::parse(site.ok("c3", {"policy", "show", "--json"}).out);
  CHECK(record.at("policy").at("name") == policy.at("name"));
  CHECK(record.at("policy").at("sha256") == policy.at("sha256"));
  CHECK(record.at("policy").at("effective") == policy.at("effective"));

  // The audit head the release was proved at, as the manifest says; the record's sha256 in the
  // release's audit row and the manifest.
  CHECK(record.at("audit_head").at("hash") == manifest.at("audit_head"));
  CHECK(record.at("audit_head").at("seq") == manifest.at("audit_seq"));
  const std::string sha = sha256_hex(text);
  CHECK(manifest.at("release_record_sha256") == sha);
  const json row = site.released_row(id);
  CHECK(row.at("details").at("release_record_sha256") == sha);
  CHECK(row.at("details").at("audit_head") == manifest.at("audit_head"));

  // The page for a person: the same facts, every text escaped.
  const std::string html = slurp(root / "release-record.html");
  CHECK(html == outcheck::release::release_record_html(record));
  CHECK(contains(html, id));
  CHECK(contains(html, "round a.csv to 5"));
  CHECK(contains(html, "public note &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
  CHECK(!contains(html, "<script>"));
  CHECK(contains(html, record.at("policy").at("sha256").get<std::string>()));

  // The audit log still verifies with the record's rows in it.
  CHECK(site.as("c3", {"audit", "verify"}).exit_code == 0);
}

TEST_CASE("release verify: passes on a release and names a changed file or a missing file or a changed record",
          "[cli][release][release_record]") {
  Site site;
  const std::string id = site.reviewed();
  TempDir out;
  REQUIRE(site.release(id, out.path().string()).exit_code == 0);
  const fs::path root = out.path() / "ws" / id;
  const std::string sha = sha256_hex(slurp(root / "release-record.json"));

  RunResult ok = site.verify(root);
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(trim(ok.out) == "release verified: 2 files, record sha256 " + sha);
  RunResult home_ok = site.verify(root, true);
  INFO(home_ok.out << home_ok.err);
  CHECK(home_ok.exit_code == 0);
  CHECK(contains(home_ok.out, "release verified: 2 files"));

  TempDir work;
  {  // a changed file
    fs::path d = copy_of(root, work.path() / "changed");
    write_text(d / "files" / kPathA, "group,num\na,11\nb,15\n");
    RunResult r = site.verify(d);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "files/" + kPathA + ": changed"));
    CHECK(!contains(r.out, kPathB));
  }
  {  // a missing file
    fs::path d = copy_of(root, work.path() / "missing");
    fs::remove(d / "files" / kPathB);
    RunResult r = site.verify(d, true);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "files/" + kPathB + ": missing"));
    CHECK(!contains(r.out, kPathA));
  }
  {  // a file added
    fs::path d = copy_of(root, work.path() / "added");
    write_text(d / "files" / "output" / "extra.csv", "x\n1\n");
    RunResult r = site.verify(d);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "files/output/extra.csv: not in the manifest"));
  }
  {  // a changed record
    fs::path d = copy_of(root, work.path() / "record");
    std::string text = slurp(d / "release-record.json");
    const auto at = text.find("rounded to 5");
    REQUIRE(at != std::string::npos);
    text.replace(at, 12, "rounded to 9");
    write_text(d / "release-record.json", text);
    RunResult r = site.verify(d);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "release-record.json: changed"));
    CHECK(!contains(r.out, "files/"));
  }
  {  // a missing record
    fs::path d = copy_of(root, work.path() / "norecord");
    fs::remove(d / "release-record.json");
    RunResult r = site.verify(d);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "release-record.json: missing"));
  }
  {  // a record forged whole is found by the home's audit row
    // Changed, written canonically, its page made again and the manifest's hash replaced: the
    // folder agrees with itself, and only the home's release row can tell.
    fs::path d = copy_of(root, work.path() / "forged");
    json record = json::parse(slurp(d / "release-record.json"));
    record["groups"][0]["controls"] = "none";
    const std::string forged = outcheck::release::release_record_text(record);
    write_text(d / "release-record.json", forged);
    write_text(d / "release-record.html", outcheck::release::release_record_html(record));
    json manifest = json::parse(slurp(d / "manifest.json"));
    manifest["release_record_sha256"] = sha256_hex(forged);
    write_text(d / "manifest.json", manifest.dump(2) + "\n");
    RunResult alone = site.verify(d);
    INFO(alone.out << alone.err);
    CHECK(alone.exit_code == 0);
    RunResult r = site.verify(d, true);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "release-record.json: changed (sha256 " + sha256_hex(forged)));
    CHECK(contains(r.out, "the home's release row"));
    CHECK(contains(r.out, sha));
  }
  {  // bad input
    CHECK(site.verify(work.path() / "no-such-folder").exit_code == 2);
    fs::create_directories(work.path() / "empty");
    RunResult r = site.verify(work.path() / "empty");
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "not a release folder"));
  }
}

TEST_CASE("release record: a job-server release carries it in metadata without private comments",
          "[cli][release][release_record]") {
  Site site;
  const std::string id = site.reviewed();
  FakeJobServer server(kToken);
  RunResult r = site.release(id, server.api_url());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  json created;
  for (const auto& q : server.requests()) {
    if (contains(q.path, "/releases/workspace/") && q.status == 201) created = json::parse(q.body);
  }
  REQUIRE(created.is_object());
  const json& record = created.at("metadata").at("release_record");
  CHECK(record.at("schema") == "outcheck.release-record/1");
  CHECK(record.at("request").at("id") == id);
  CHECK(record.at("files").size() == 2);
  CHECK(votes_by(file_of(record, kPathA), "c1").size() == 2);
  CHECK(contains(comment_texts(record), kPublic));
  CHECK(!contains(comment_texts(record), kPrivate));
  for (const auto& q : server.requests()) CHECK(!contains(q.body, kPrivate));
  // The site's own copy keeps it, and the audit row names that copy's hash.
  const std::string full = site.ok("c3", {"audit", "log", "--request", id, "--event", "release_record", "--json"}).out;
  CHECK(contains(full, kPrivate));
  const json row = site.released_row(id);
  CHECK(row.at("details").at("release_record_sha256").get<std::string>().size() == 64);
}

TEST_CASE("release record: the API gives it to reviewers as released and refuses researchers who are not the author",
          "[cli][release][release_record][web]") {
  Site site;
  const std::string id = site.reviewed();
  TempDir out;
  REQUIRE(site.release(id, out.path().string()).exit_code == 0);
  const std::string released = slurp(out.path() / "ws" / id / "release-record.json");
  const std::string unreleased = site.create_by("other");  // pending: nothing released

  outcheck::test::ServeProcess server(site.home());
  httplib::Client http(server.url());
  auto get = [&](const std::string& user, const std::string& rid) {
    auto res = http.Get(("/api/requests/" + rid + "/release-record").c_str(),
                        httplib::Headers{{"Authorization", "Bearer " + site.token(user)}});
    REQUIRE(res);
    return std::pair<int, std::string>(res->status, res->body);
  };
  auto [status, body] = get("c1", id);
  INFO(body);
  CHECK(status == 200);
  CHECK(json::parse(body) == json::parse(released));
  CHECK(contains(body, kPrivate));

  auto [refused, why] = get("other", id);
  CHECK(refused == 403);
  CHECK(!contains(why, "round a.csv"));

  // The author gets the copy they may see: no private comment.
  auto [mine, copy] = get("res", id);
  CHECK(mine == 200);
  CHECK(!contains(copy, kPrivate));
  CHECK(contains(copy, "fine now"));

  // Before release there is none.
  CHECK(get("c1", unreleased).first == 404);

  // The request page, made from what the server's page handler reads with the viewer's token:
  // reviewers get the record to download and open; the author sees its sha256 only.
  auto page_for = [&](const std::string& user) {
    const httplib::Headers auth{{"Authorization", "Bearer " + site.token(user)}};
    auto shown = http.Get(("/api/requests/" + id).c_str(), auth);
    auto trail = http.Get(("/api/audit?request=" + id + "&limit=500").c_str(), auth);
    auto record = http.Get(("/api/requests/" + id + "/release-record").c_str(), auth);
    REQUIRE(shown);
    REQUIRE(trail);
    REQUIRE(record);
    outcheck::web::PageContext ctx{json{{"name", user}, {"roles", json::array()}}, "csrf", "", false};
    return outcheck::web::request_page(ctx, json::parse(shown->body), json::object(), json::parse(trail->body), "", "",
                                       json::parse(record->body));
  };
  const std::string sha = sha256_hex(released);
  const std::string reviewer_page = page_for("c1");
  CHECK(contains(reviewer_page, "href=\"/requests/" + id + "/release-record.json\""));
  CHECK(contains(reviewer_page, "href=\"/requests/" + id + "/release-record.html\""));
  CHECK(contains(reviewer_page, sha));
  CHECK(contains(reviewer_page, kPrivate));
  CHECK(!contains(reviewer_page, "private comments are left out"));
  const std::string author_page = page_for("res");
  CHECK(contains(author_page, sha));
  CHECK(contains(author_page, "href=\"/requests/" + id + "/release-record.json\""));
  CHECK(contains(author_page, "private comments are left out"));
  CHECK(!contains(author_page, kPrivate));
}
