// The review pages over real HTTP: signing in (a login CSRF token, HttpOnly SameSite=Strict
// cookies), CSRF on every form, the actions a user may take and no others, the file view with its
// flagged cells, audited views, escaping, and sessions that end.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/review_site.h"

using nlohmann::json;
using namespace outcheck::test;

namespace {

// As c1 sees them: during independent review no one else, an admin included, sees c1's votes.
json audit_rows(const ReviewSite& site, const std::string& id, const std::string& action) {
  json out = json::array();
  for (const auto& row : json::parse(site.ok("c1", {"audit", "log", "--request", id, "--json"}).out)) {
    if (row["action"] == action) out.push_back(row);
  }
  return out;
}


std::string file_url(const std::string& id, const std::string& path, const char* view = "file") {
  return "/requests/" + id + "/" + view + "?path=" + path;
}

}  // namespace

TEST_CASE("pages: signing in needs the form's CSRF token and a valid token, the cookie is HttpOnly and SameSite=Strict",
          "[web][pages]") {
  ReviewSite site;
  {
    Browser b(site);
    auto r = b.post("/login", {{"token", site.token("c1")}}, /*with_csrf=*/false);  // never saw the form
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(!b.cookies().count("outcheck_session"));
  }
  {
    Browser b(site);
    CHECK(b.sign_in("oc_not-a-token") == 401);
    CHECK(!b.cookies().count("outcheck_session"));
  }
  Browser b(site);
  REQUIRE(b.sign_in(site.token("c1")) == 303);
  CHECK(contains(b.last_set_cookie(), "outcheck_session="));
  CHECK(contains(b.last_set_cookie(), "HttpOnly"));
  CHECK(contains(b.last_set_cookie(), "SameSite=Strict"));
  auto page = b.get("/requests");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(contains(page->body, "<strong id=\"me\">c1</strong>"));
  CHECK(contains(page->get_header_value("Content-Security-Policy"), "default-src 'none'"));
  CHECK(page->get_header_value("X-Frame-Options") == "DENY");
  CHECK(!contains(page->body, site.token("c1")));
}

TEST_CASE("pages: without a session every page and form redirects to sign-in", "[web][pages]") {
  ReviewSite site;
  const std::string id = site.submitted();
  Browser b(site);
  for (const std::string& path : {std::string("/requests"), "/requests/" + id, file_url(id, kReviewFail),
                                  file_url(id, kReviewChart, "raw")}) {
    auto r = b.get(path);
    REQUIRE(r);
    INFO(path);
    CHECK(r->status == 303);
    CHECK(r->get_header_value("Location") == "/login");
    CHECK(!contains(r->body, "fail.csv"));
  }
  auto post = b.post("/requests/" + id + "/vote", {{"path", kReviewPass}, {"vote", "approve"}}, false);
  REQUIRE(post);
  CHECK(post->status == 303);
  CHECK(audit_rows(site, id, "vote").empty());
}

TEST_CASE("pages: a form post without its CSRF token is refused and changes nothing", "[web][pages]") {
  ReviewSite site;
  const std::string id = site.submitted();
  Browser b(site);
  REQUIRE(b.sign_in(site.token("c1")) == 303);
  REQUIRE(b.get("/requests/" + id)->status == 200);
  auto no_token = b.post("/requests/" + id + "/vote", {{"path", kReviewPass}, {"vote", "approve"}}, false);
  REQUIRE(no_token);
  CHECK(no_token->status == 403);
  CHECK(contains(no_token->body, "CSRF"));
  auto wrong = b.post("/requests/" + id + "/vote", {{"path", kReviewPass}, {"vote", "approve"}, {"csrf", "0000"}}, false);
  REQUIRE(wrong);
  CHECK(wrong->status == 403);
  CHECK(audit_rows(site, id, "vote").empty());
  auto logout = b.post("/logout", {}, false);
  CHECK(logout->status == 403);  // signing out needs it too

  // With the page's token the same vote is taken.
  REQUIRE(b.get("/requests/" + id)->status == 200);
  auto good = b.post("/requests/" + id + "/vote", {{"path", kReviewPass}, {"vote", "approve"}});
  REQUIRE(good);
  CHECK(good->status == 303);
  auto after = b.get("/requests/" + id);
  CHECK(contains(after->body, "voted approve on output/tables/a.csv"));
  CHECK(audit_rows(site, id, "vote").size() == 1);
}

TEST_CASE("pages: a checker is offered votes and review, the author none of them", "[web][pages]") {
  ReviewSite site;
  const std::string id = site.submitted();
  Browser checker(site);
  REQUIRE(checker.sign_in(site.token("c1")) == 303);
  auto page = checker.get("/requests/" + id);
  REQUIRE(page->status == 200);
  CHECK(occurrences(page->body, "action=\"/requests/" + id + "/vote\"") == 3);
  CHECK(occurrences(page->body, "name=\"override\"") == 1);  // only the failing file asks for a reason
  CHECK(!contains(page->body, "Submit my review"));  // not before every file has a vote
  CHECK(contains(page->body, "Return to author"));
  CHECK(!contains(page->body, "Submit for review"));

  // Approving the failing file without a reason is refused, with the reason on the page.
  checker.post("/requests/" + id + "/vote", {{"path", kReviewFail}, {"vote", "approve"}});
  auto refused = checker.get("/requests/" + id);
  CHECK(contains(refused->body, "class=\"flash error\" role=\"alert\""));
  CHECK(contains(refused->body, "override reason"));
  checker.post("/requests/" + id + "/vote", {{"path", kReviewFail}, {"vote", "approve"}, {"override", "suppressed upstream"}});
  checker.post("/requests/" + id + "/vote", {{"path", kReviewPass}, {"vote", "approve"}});
  checker.post("/requests/" + id + "/vote", {{"path", kReviewChart}, {"vote", "request-changes"}, {"comment", "axis labels"}});
  page = checker.get("/requests/" + id);
  CHECK(contains(page->body, "Submit my review"));
  checker.post("/requests/" + id + "/review", {});
  page = checker.get("/requests/" + id);
  CHECK(contains(page->body, "review submitted; request " + id + " is partially_reviewed"));
  CHECK(contains(page->body, "<span class=\"status\" id=\"request-status\">partially_reviewed</span>"));
  CHECK(occurrences(page->body, "/vote\"") == 0);  // submitted: no more votes this turn

  Browser author(site);
  REQUIRE(author.sign_in(site.token("res")) == 303);
  auto mine = author.get("/requests/" + id);
  REQUIRE(mine->status == 200);
  CHECK(occurrences(mine->body, "/vote\"") == 0);
  CHECK(!contains(mine->body, "Submit my review"));
  CHECK(!contains(mine->body, "Return to author"));
  CHECK(!contains(mine->body, "Reject"));
  // Blinded: the author does not see c1's votes during review.
  CHECK(!contains(mine->body, "axis labels"));
  // Forcing the form anyway is refused by the service, not just hidden.
  author.post("/requests/" + id + "/vote", {{"path", kReviewPass}, {"vote", "approve"}});
  CHECK(contains(author.get("/requests/" + id)->body, "only output checkers can vote"));
}

TEST_CASE("pages: the file view marks flagged cells, and every view of contents is audited", "[web][pages]") {
  ReviewSite site;
  const std::string id = site.submitted();
  Browser b(site);
  REQUIRE(b.sign_in(site.token("c2")) == 303);
  auto view = b.get(file_url(id, kReviewFail));
  REQUIRE(view);
  REQUIRE(view->status == 200);
  INFO(view->body);
  CHECK(contains(view->body, "<table class=\"csv\">"));
  CHECK(occurrences(view->body, "class=\"flag flag-fail\"") == 1);
  CHECK(contains(view->body, "title=\"small_count (fail) row 2 column &quot;num&quot;"));
  CHECK(contains(view->body, "<span class=\"value\">3</span><span class=\"rule\">small_count</span>"));
  CHECK(contains(view->body, "id=\"next-finding\""));
  json views = audit_rows(site, id, "file_view");
  REQUIRE(views.size() == 1);
  CHECK(views[0]["user"] == "c2");
  CHECK(views[0]["path"] == kReviewFail);

  // An image is shown inline; its bytes are served for viewing only, and audited.
  auto chart_page = b.get(file_url(id, kReviewChart));
  CHECK(contains(chart_page->body, "<img class=\"output\""));
  CHECK(audit_rows(site, id, "file_view").size() == 1);  // the page itself reads no bytes
  auto png = b.get(file_url(id, kReviewChart, "raw"));
  REQUIRE(png);
  CHECK(png->status == 200);
  CHECK(png->get_header_value("Content-Type") == "image/png");
  CHECK(contains(png->get_header_value("Content-Security-Policy"), "sandbox"));
  CHECK(png->body == slurp(site.ws() / kReviewChart));
  CHECK(audit_rows(site, id, "file_view").size() == 2);

  auto missing = b.get(file_url(id, "output/tables/nothing.csv"));
  CHECK(missing->status == 404);
  // Another researcher cannot see the request's files at all.
  site.ok("admin", {"user", "add", "other", "--role", "researcher"});
}

TEST_CASE("pages: what users wrote is escaped", "[web][pages]") {
  ReviewSite site;
  const std::string id = site.submitted();
  site.ok("c1", {"review", "comment", id, "--group", "default", "--text", "<script>alert('x')</script> & \"more\""});
  Browser b(site);
  REQUIRE(b.sign_in(site.token("c1")) == 303);
  auto page = b.get("/requests/" + id);
  CHECK(!contains(page->body, "<script>alert"));
  CHECK(contains(page->body, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"));
}

TEST_CASE("pages: signing out ends the session, a disabled user's session ends too", "[web][pages]") {
  ReviewSite site;
  Browser b(site);
  REQUIRE(b.sign_in(site.token("c1")) == 303);
  REQUIRE(b.get("/requests")->status == 200);
  const std::string old = b.cookies()["outcheck_session"];
  auto out = b.post("/logout", {});
  CHECK(out->status == 303);
  CHECK(!b.cookies().count("outcheck_session"));
  b.cookies()["outcheck_session"] = old;  // the old cookie, replayed
  CHECK(b.get("/requests")->status == 303);

  Browser c2(site);
  REQUIRE(c2.sign_in(site.token("c2")) == 303);
  REQUIRE(c2.get("/requests")->status == 200);
  site.ok("admin", {"user", "disable", "c2"});
  auto after = c2.get("/requests");
  CHECK(after->status == 303);
  CHECK(after->get_header_value("Location") == "/login");
  CHECK(c2.get("/requests")->status == 303);
}

TEST_CASE("pages: a file with more findings than are kept says how many are marked", "[web][pages]") {
  ReviewSite site;
  std::string csv = "group,num\n";
  for (int i = 0; i < 150; ++i) csv += "g" + std::to_string(i) + ",3\n";
  put(site.ws() / "output/tables/many.csv", csv);
  std::string id = trim(site.ok("res", {"request", "create", "--workspace", "."}).out);
  site.ok("res", {"request", "add", id, "output/tables/many.csv"});
  Browser b(site);
  REQUIRE(b.sign_in(site.token("res")) == 303);  // the author may look at their own files
  auto view = b.get(file_url(id, "output/tables/many.csv"));
  REQUIRE(view->status == 200);
  CHECK(occurrences(view->body, "class=\"flag flag-fail\"") == 100);
  CHECK(contains(view->body, "150 findings in all; the first 100 (a number per rule) are marked"));
}
