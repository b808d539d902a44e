// The server's promise "one visibility rule everywhere" (issue 15, item 3), tried as an insider
// would on a real `outcheck serve` on loopback: an admin who is also an output checker and a
// researcher writes a request, then reads everything the server offers while another checker's
// votes and private comment exist. During independent review no one sees another checker's vote,
// and the author never sees a private comment, whatever other roles they hold: not in the request
// view, the audit log through the API, the request page, nor `outcheck audit log` over --server.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/review_site.h"
#include "tests/support/workspace_fixture.h"

using nlohmann::json;
using outcheck::test::Browser;
using outcheck::test::contains;
using outcheck::test::kReviewPass;
using outcheck::test::ReviewSite;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::trim;

namespace {

const std::string kVoteComment = "c1-judgement-7f3a";
const std::string kPrivate = "c1-private-note-91bd";
const std::string kPublic = "c1-public-note-22ce";

// The user `boss`: admin, researcher and output checker at once, made through the server.
struct Insider {
  ReviewSite& site;
  std::string token;

  RunResult as(const std::vector<std::string>& args) const {
    return run_outcheck(args, site.ws(), {"OUTCHECK_SERVER=" + site.server().url(), "OUTCHECK_TOKEN=" + token});
  }
  RunResult ok(const std::vector<std::string>& args) const {
    RunResult r = as(args);
    INFO("boss ran: " << outcheck::test::join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

// The JSON at `path`, or null when the server refuses it (403).
json api_get(const ReviewSite& site, const std::string& token, const std::string& path) {
  auto r = site.client().Get(path.c_str(), httplib::Headers{{"Authorization", "Bearer " + token}});
  REQUIRE(r);
  INFO(path << " -> " << r->status << " " << r->body);
  if (r->status == 403) return nullptr;
  REQUIRE(r->status == 200);
  return json::parse(r->body);
}

// Whether any audit row is `user`'s `action`.
bool has_row(const json& rows, const std::string& user, const std::string& action) {
  for (const auto& row : rows) {
    if (row.at("user") == user && row.at("action") == action) return true;
  }
  return false;
}

// Every way `token`'s holder can read request `id` through the server: its JSON view, the audit log
// (for the request, and whole), the request page and the CLI's audit log.
struct Seen {
  json shown, audit_request, audit_all;
  std::string page, cli;
};

Seen everything_seen_by(ReviewSite& site, const std::string& token, const std::string& id) {
  Seen s;
  // A plain admin may not open the request (only its author and output checkers may), but reads
  // its rows in the audit log.
  s.shown = api_get(site, token, "/api/requests/" + id);
  if (s.shown.is_null()) s.shown = json{{"files", json::array()}};
  s.audit_request = api_get(site, token, "/api/audit?request=" + id);
  s.audit_all = api_get(site, token, "/api/audit");
  Browser browser(site);
  REQUIRE(browser.sign_in(token) == 303);
  auto page = browser.get("/requests/" + id);
  REQUIRE(page);
  REQUIRE((page->status == 200 || page->status == 403));
  s.page = page->body;
  RunResult cli = run_outcheck({"audit", "log", "--request", id}, site.ws(),
                               {"OUTCHECK_SERVER=" + site.server().url(), "OUTCHECK_TOKEN=" + token});
  INFO(cli.err);
  REQUIRE(cli.exit_code == 0);
  s.cli = cli.out + cli.err;
  RunResult whole = run_outcheck({"audit", "log"}, site.ws(),
                                 {"OUTCHECK_SERVER=" + site.server().url(), "OUTCHECK_TOKEN=" + token});
  REQUIRE(whole.exit_code == 0);
  s.cli += whole.out;
  return s;
}

// Nothing of c1's vote, and nothing of the private comment, anywhere `s` holds.
void expect_blind(const Seen& s, bool private_hidden, bool votes_hidden) {
  const std::string all = s.shown.dump() + s.audit_request.dump() + s.audit_all.dump() + s.page + s.cli;
  if (votes_hidden) {
    CHECK_FALSE(contains(all, kVoteComment));
    CHECK_FALSE(has_row(s.audit_request, "c1", "vote"));
    CHECK_FALSE(has_row(s.audit_all, "c1", "vote"));
    CHECK_FALSE(has_row(s.audit_all, "c1", "review_submit"));
    for (const auto& f : s.shown.at("files")) {
      for (const auto& v : f.at("votes")) CHECK(v.at("reviewer") != "c1");
    }
    CHECK_FALSE(contains(s.page, "c1: approved"));
  }
  if (private_hidden) {
    CHECK_FALSE(contains(all, kPrivate));
    for (const auto& row : s.audit_all) CHECK_FALSE((row.at("user") == "c1" && row.at("action") == "comment" &&
                                                     contains(row.at("details").dump(), "private")));
  }
}

}  // namespace

TEST_CASE("promise: one visibility rule for an admin who authored the request, in every view", "[web][promise]") {
  ReviewSite site;
  Insider boss{site, trim(site.ok("admin", {"user", "add", "boss", "--role", "admin", "--role", "researcher", "--role",
                                            "output-checker"}).out)};
  const std::string id = trim(boss.ok({"request", "create", "--workspace", "."}).out);
  REQUIRE(id.size() == 26);
  boss.ok({"request", "add", id, kReviewPass});
  boss.ok({"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
  boss.ok({"request", "submit", id});

  // Independent review: c1 votes with a comment, writes a private and a public comment.
  site.ok("c1", {"review", "vote", id, kReviewPass, "approve", "--comment", kVoteComment});
  site.ok("c1", {"review", "comment", id, "--group", "default", "--text", kPrivate, "--private"});
  site.ok("c1", {"review", "comment", id, "--group", "default", "--text", kPublic});

  SECTION("the author, admin and checker too, sees no vote and no comment of c1's while reviews are independent") {
    Seen s = everything_seen_by(site, boss.token, id);
    expect_blind(s, /*private_hidden=*/true, /*votes_hidden=*/true);
    CHECK_FALSE(contains(s.audit_all.dump() + s.page + s.cli, kPublic));  // this turn's: blinded too
    // What the author did is all there.
    CHECK(has_row(s.audit_request, "boss", "request_submit"));
  }
  SECTION("another checker and a plain admin see no vote of c1's either") {
    expect_blind(everything_seen_by(site, site.token("c2"), id), /*private_hidden=*/false, /*votes_hidden=*/true);
    expect_blind(everything_seen_by(site, site.token("admin"), id), /*private_hidden=*/true, /*votes_hidden=*/true);
  }
  SECTION("c1 sees their own (the views do show what is visible)") {
    Seen s = everything_seen_by(site, site.token("c1"), id);
    CHECK(has_row(s.audit_request, "c1", "vote"));
    CHECK(contains(s.page, kPrivate));
    CHECK(contains(s.cli, kVoteComment));
  }
  SECTION("once both reviews are in, the checkers see each other's; the author still no private comment") {
    site.ok("c1", {"review", "submit", id});
    site.ok("c2", {"review", "vote", id, kReviewPass, "approve"});
    site.ok("c2", {"review", "submit", id});
    Seen c2 = everything_seen_by(site, site.token("c2"), id);
    CHECK(has_row(c2.audit_request, "c1", "vote"));
    CHECK(contains(c2.page, kPrivate));
    // Consolidating: the author, whatever their roles, sees neither the votes nor the private comment.
    expect_blind(everything_seen_by(site, boss.token, id), /*private_hidden=*/true, /*votes_hidden=*/true);
    // Returned to the author: votes and public comments show; the private comment never does.
    site.ok("c1", {"request", "return", id});
    Seen back = everything_seen_by(site, boss.token, id);
    expect_blind(back, /*private_hidden=*/true, /*votes_hidden=*/false);
    CHECK(has_row(back.audit_request, "c1", "vote"));
    CHECK(contains(back.page, kPublic));
  }
}
