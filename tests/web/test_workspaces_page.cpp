// The workspace membership page (issue 15 item 10): an admin grants and revokes through it, on a
// real `outcheck serve`; a researcher cannot use it, and the membership it sets is the one that
// `request create` obeys.
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/review_site.h"

using namespace outcheck::test;

TEST_CASE("workspaces page: an admin grants and revokes membership, and request create obeys it", "[web][workspaces]") {
  ReviewSite site;
  const std::string ws = site.ws().filename().string();

  Browser admin(site);
  REQUIRE(admin.sign_in(site.token("admin")) == 303);
  auto page = admin.get("/workspaces");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(contains(page->body, "Not enforced yet"));
  CHECK(contains(page->body, "href=\"/workspaces\""));  // the admin's header links it

  // A researcher gets no such page, and no link to it.
  Browser res(site);
  REQUIRE(res.sign_in(site.token("res")) == 303);
  auto refused = res.get("/workspaces");
  REQUIRE(refused);
  CHECK(refused->status == 403);
  auto list = res.get("/requests");
  REQUIRE(list);
  CHECK_FALSE(contains(list->body, "href=\"/workspaces\""));
  // Nor may they grant themselves anything.
  REQUIRE(res.get("/requests"));
  auto self_grant = res.post("/workspaces/grant", {{"workspace", ws}, {"user", "res"}});
  REQUIRE(self_grant);
  REQUIRE(self_grant->status == 303);

  // Granting another user turns membership on: res may no longer create a request here.
  REQUIRE(admin.get("/workspaces"));
  auto granted = admin.post("/workspaces/grant", {{"workspace", ws}, {"user", "c1"}});
  REQUIRE(granted);
  CHECK(granted->status == 303);
  page = admin.get("/workspaces");
  REQUIRE(page);
  CHECK(contains(page->body, "Researchers create requests only for workspaces they are members of."));
  CHECK(contains(page->body, "<td>c1</td>"));
  CHECK_FALSE(contains(page->body, "<td>res</td>"));  // the researcher's own attempt changed nothing
  RunResult refused_create = site.as("res", {"request", "create", "--workspace", site.ws().string()});
  CHECK(refused_create.exit_code == 1);

  // Granted through the page: res may.
  auto res_granted = admin.post("/workspaces/grant", {{"workspace", ws}, {"user", "res"}});
  REQUIRE(res_granted);
  CHECK(res_granted->status == 303);
  site.ok("res", {"request", "create", "--workspace", site.ws().string()});

  // Revoked through the page: gone from the list.
  REQUIRE(admin.get("/workspaces"));
  auto revoked = admin.post("/workspaces/revoke", {{"workspace", ws}, {"user", "res"}});
  REQUIRE(revoked);
  CHECK(revoked->status == 303);
  page = admin.get("/workspaces");
  REQUIRE(page);
  CHECK(contains(page->body, "is no longer a member of workspace " + ws));
  CHECK_FALSE(contains(page->body, "<td>res</td>"));

  // A name that is not one safe segment is refused with a message, and nothing is granted.
  REQUIRE(admin.get("/workspaces"));
  auto bad = admin.post("/workspaces/grant", {{"workspace", "../elsewhere"}, {"user", "res"}});
  REQUIRE(bad);
  CHECK(bad->status == 303);
  page = admin.get("/workspaces");
  REQUIRE(page);
  CHECK(contains(page->body, "class=\"flash error\""));
  CHECK_FALSE(contains(page->body, "elsewhere</td>"));

  // Without the form's CSRF token: refused, nothing changed.
  REQUIRE(admin.get("/workspaces"));
  auto forged = admin.post("/workspaces/grant", {{"workspace", ws}, {"user", "c2"}}, /*with_csrf=*/false);
  REQUIRE(forged);
  CHECK(forged->status == 403);
  page = admin.get("/workspaces");
  REQUIRE(page);
  CHECK_FALSE(contains(page->body, "<td>c2</td>"));
}
