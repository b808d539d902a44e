// The release record from the review pages (issue 16): once released, a signed-in viewer downloads
// the record from the server's own pages, on a real `outcheck serve`: the bytes released for the
// request's reviewers, the copy without private comments for its author, nothing without a session.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "release/release_record.h"
#include "tests/support/review_site.h"

using namespace outcheck::test;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("release record page: reviewers download the record as released and the author the public copy",
          "[web][release_record]") {
  ReviewSite site;
  const fs::path published = site.root() / "published";
  site.restart({"--release-to", published.string()});
  const std::string id = trim(site.ok("res", {"request", "create", "--workspace", "."}).out);
  site.ok("res", {"request", "add", id, kReviewPass});
  site.ok("res", {"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
  site.ok("res", {"request", "submit", id});
  const std::string kPrivate = "checkers only: compare with last month's table";
  site.ok("c1", {"review", "comment", id, "--group", "default", "--text", kPrivate, "--private"});
  for (const char* c : {"c1", "c2"}) {
    site.ok(c, {"review", "vote", id, kReviewPass, "approve"});
    site.ok(c, {"review", "submit", id});
  }
  site.ok("c1", {"request", "release", id});
  const fs::path folder = published / site.ws().filename() / id;
  const std::string released_json = slurp(folder / "release-record.json");
  const std::string released_html = slurp(folder / "release-record.html");
  REQUIRE(contains(released_json, kPrivate));

  Browser checker(site);
  REQUIRE(checker.sign_in(site.token("c2")) == 303);
  auto page = checker.get("/requests/" + id);
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(contains(page->body, "href=\"/requests/" + id + "/release-record.json\""));
  auto as_json = checker.get("/requests/" + id + "/release-record.json");
  REQUIRE(as_json);
  CHECK(as_json->status == 200);
  CHECK(as_json->body == released_json);  // byte for byte what was published
  CHECK(contains(as_json->get_header_value("Content-Disposition"), "attachment"));
  auto as_html = checker.get("/requests/" + id + "/release-record.html");
  REQUIRE(as_html);
  CHECK(as_html->status == 200);
  CHECK(as_html->body == released_html);
  CHECK(contains(as_html->get_header_value("Content-Security-Policy"), "sandbox"));

  Browser author(site);
  REQUIRE(author.sign_in(site.token("res")) == 303);
  auto copy = author.get("/requests/" + id + "/release-record.json");
  REQUIRE(copy);
  CHECK(copy->status == 200);
  CHECK(!contains(copy->body, kPrivate));
  CHECK(json::parse(copy->body).at("request").at("id") == id);
  auto author_page = author.get("/requests/" + id);
  REQUIRE(author_page);
  CHECK(!contains(author_page->body, kPrivate));
  CHECK(contains(author_page->body, "private comments are left out"));

  // Without a session: the sign-in page, no record.
  auto anonymous = site.client().Get(("/requests/" + id + "/release-record.json").c_str());
  REQUIRE(anonymous);
  CHECK(anonymous->status == 303);
  CHECK(!contains(anonymous->body, "counts"));
}
