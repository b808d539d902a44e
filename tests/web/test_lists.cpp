// Lists (interface.md "Lists", issue 21 item 3) through a real `outcheck serve` on loopback: pages
// of `limit` visible rows with a Link: rel="next" header, the filters, bad parameters refused, the
// CLI following cursors (through the server and on a local home), the pages' next links, and a
// full audit export streamed in bounded memory.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <thread>

#include "db/home.h"
#include "db/identity.h"
#include "db/service.h"
#include "tests/support/review_site.h"
#include "tests/support/sanitized.h"

using nlohmann::json;
using namespace outcheck::test;
namespace fs = std::filesystem;

namespace {

struct Answer {
  int status = 0;
  json body;
  std::string link;
};

Answer get(ReviewSite& site, const std::string& token, const std::string& path) {
  auto http = site.client();
  auto r = http.Get(path.c_str(), {{"Authorization", "Bearer " + token}});
  REQUIRE(r);
  Answer a{r->status, json::parse(r->body, nullptr, false), r->get_header_value("Link")};
  return a;
}

// The path of a Link header's next address, or "" when there is none.
std::string next_of(const std::string& link) {
  if (link.empty()) return "";
  REQUIRE(contains(link, "rel=\"next\""));
  return link.substr(link.find('<') + 1, link.find('>') - link.find('<') - 1);
}

// Every page of a list from `path`, following the Link headers; `sizes` gets each page's length.
json follow(ReviewSite& site, const std::string& token, std::string path, std::vector<std::size_t>* sizes = nullptr) {
  json all = json::array();
  for (int pages = 0; !path.empty(); ++pages) {
    REQUIRE(pages < 1000);
    Answer a = get(site, token, path);
    INFO(path << ": " << a.body.dump());
    REQUIRE(a.status == 200);
    REQUIRE(a.body.is_array());
    if (sizes) sizes->push_back(a.body.size());
    for (auto& row : a.body) all.push_back(row);
    path = next_of(a.link);
  }
  return all;
}

// A user of the site's home acting in this process (to make many requests quickly).
outcheck::db::User user_of(outcheck::db::Service& service, const std::string& token) {
  auto u = service.authenticate(token);
  REQUIRE(u);
  return *u;
}

std::set<std::string> ids_of(const json& rows, const char* key = "id") {
  std::set<std::string> out;
  for (const auto& r : rows) out.insert(r.at(key).dump());
  return out;
}

}  // namespace

TEST_CASE("lists: pages of visible rows with Link headers, the filters, and the CLI following cursors",
          "[web][lists]") {
  ReviewSite site;
  const std::string res2 = trim(site.ok("admin", {"user", "add", "res2", "--role", "researcher"}).out);
  const std::string submitted = site.submitted();  // by res, with three files, awaiting review
  {
    // 70 requests by res and 7 by res2 (one each in its own workspace), interleaved.
    auto home = outcheck::db::open_home(site.home());
    REQUIRE(home);
    outcheck::db::Service service(**home);
    auto res = user_of(service, site.token("res"));
    auto r2 = user_of(service, res2);
    for (int i = 0; i < 77; ++i) {
      const fs::path ws = site.root() / ("w" + std::to_string(i));
      put(ws / "project.yaml", simple_project_yaml());
      auto made = service.create_request(i % 11 == 5 ? r2 : res, ws, std::nullopt);
      INFO((made ? "" : made.error().message));
      REQUIRE(made);
    }
  }
  const std::string c1 = site.token("c1");

  SECTION("requests: 50 by default, then the rest; each request once, in id order") {
    Answer first = get(site, c1, "/api/requests");
    REQUIRE(first.status == 200);
    CHECK(first.body.size() == 50);
    CHECK(contains(first.link, "rel=\"next\""));
    std::vector<std::size_t> sizes;
    json all = follow(site, c1, "/api/requests", &sizes);
    CHECK(all.size() == 78);
    CHECK(sizes == std::vector<std::size_t>{50, 28});
    CHECK(ids_of(all).size() == 78);
    for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].at("id") < all[i].at("id"));
    // The shape other callers rely on is kept.
    for (const char* key : {"id", "workspace", "author", "status", "review_turn", "output_files", "updated_at"}) {
      CHECK(all[0].contains(key));
    }
  }

  SECTION("requests: the limit counts what the caller may see, so every page but the last is full") {
    std::vector<std::size_t> sizes;
    json mine = follow(site, res2, "/api/requests?limit=3", &sizes);
    CHECK(mine.size() == 7);
    CHECK(sizes == std::vector<std::size_t>{3, 3, 1});
    for (const auto& r : mine) CHECK(r.at("author") == "res2");
    sizes.clear();
    json res = follow(site, site.token("res"), "/api/requests?limit=500", &sizes);
    CHECK(res.size() == 71);
    CHECK(sizes == std::vector<std::size_t>{71});
  }

  SECTION("requests: filters by state, workspace, author and needs=my-vote") {
    json s = follow(site, c1, "/api/requests?state=submitted");
    REQUIRE(s.size() == 1);
    CHECK(s[0].at("id") == submitted);
    CHECK(follow(site, c1, "/api/requests?status=submitted").size() == 1);  // the older name
    CHECK(follow(site, c1, "/api/requests?state=pending&limit=7").size() == 77);
    json w = follow(site, c1, "/api/requests?workspace=w5");
    REQUIRE(w.size() == 1);
    CHECK(w[0].at("author") == "res2");
    CHECK(follow(site, c1, "/api/requests?author=res2&limit=2").size() == 7);
    CHECK(follow(site, res2, "/api/requests?author=res").empty());  // nothing res2 may not see
    CHECK(follow(site, site.token("res"), "/api/requests?mine=1&state=submitted").size() == 1);

    // Needs my vote: the submitted request, for each checker until their review is submitted.
    CHECK(ids_of(follow(site, c1, "/api/requests?needs=my-vote")) == std::set<std::string>{json(submitted).dump()});
    CHECK(follow(site, site.token("res"), "/api/requests?needs=my-vote").empty());  // not a checker
    site.ok("c1", {"review", "vote", submitted, kReviewPass, "approve"});
    site.ok("c1", {"review", "vote", submitted, kReviewFail, "approve", "--override", "checked by hand"});
    site.ok("c1", {"review", "vote", submitted, kReviewChart, "approve"});
    site.ok("c1", {"review", "submit", submitted});
    CHECK(follow(site, c1, "/api/requests?needs=my-vote").empty());
    json c2 = follow(site, site.token("c2"), "/api/requests?needs=my-vote");
    REQUIRE(c2.size() == 1);
    CHECK(c2[0].at("status") == "partially_reviewed");
    CHECK(get(site, c1, "/api/requests?needs=everything").status == 400);
  }

  SECTION("bad limits and cursors are refused with 400") {
    for (const std::string q : {"limit=0", "limit=501", "limit=-1", "limit=abc", "limit=", "limit=99999999999",
                                "cursor=", "cursor=!!", "cursor=eDox"}) {
      INFO(q);
      CHECK(get(site, c1, "/api/requests?" + q).status == 400);
      CHECK(get(site, c1, "/api/audit?" + q).status == 400);
    }
    CHECK(get(site, c1, "/api/requests?limit=500").status == 200);
    CHECK(get(site, c1, "/api/audit?limit=1").status == 200);
  }

  SECTION("audit: pages of visible rows, the filters, and the streamed export agree") {
    // A file is looked at, so the log holds a view.
    Browser b(site);
    REQUIRE(b.sign_in(c1) == 303);
    auto raw = b.get("/requests/" + submitted + "/raw?path=" + kReviewPass);
    REQUIRE(raw);
    REQUIRE(raw->status == 200);

    Answer whole = get(site, c1, "/api/audit?all=1");
    REQUIRE(whole.status == 200);
    REQUIRE(whole.body.is_array());
    CHECK(whole.link.empty());
    CHECK(whole.body.size() > 80);
    std::vector<std::size_t> sizes;
    json paged = follow(site, c1, "/api/audit?limit=40", &sizes);
    CHECK(paged == whole.body);
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 40);
    CHECK(follow(site, c1, "/api/audit") == whole.body);

    // A researcher: only what they may see, and every page full but the last.
    const std::string res = site.token("res");
    Answer theirs = get(site, res, "/api/audit?all=1");
    REQUIRE(theirs.status == 200);
    sizes.clear();
    json res_paged = follow(site, res, "/api/audit?limit=6", &sizes);
    CHECK(res_paged == theirs.body);
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 6);
    CHECK(theirs.body.size() > 70);
    const std::set<std::string> res2_requests = ids_of(follow(site, res2, "/api/requests"));
    json res2_rows = follow(site, res2, "/api/audit?limit=2");
    CHECK(res2_rows.size() >= 7);
    for (const auto& row : res2_rows) {
      CHECK((row.at("user") == "res2" || res2_requests.count(row.at("request").dump()) == 1));
    }

    // Filters.
    json views = follow(site, c1, "/api/audit?event=file_view");
    REQUIRE(views.size() == 1);
    CHECK(views[0].at("path") == kReviewPass);
    json changes = follow(site, c1, "/api/audit?event=changes&limit=25");
    CHECK(changes.size() == whole.body.size() - 1);
    for (const auto& row : changes) CHECK(row.at("action") != "file_view");
    json creates = follow(site, c1, "/api/audit?event=request_create&user=res2");
    CHECK(creates.size() == 7);
    json one = follow(site, c1, "/api/audit?request=" + submitted + "&limit=2");
    CHECK(one.size() >= 6);
    for (const auto& row : one) CHECK(row.at("request") == submitted);
    const std::string middle = whole.body[whole.body.size() / 2].at("at");
    json since = follow(site, c1, "/api/audit?since=" + middle);
    json until = follow(site, c1, "/api/audit?until=" + middle);
    CHECK(since.size() + until.size() == whole.body.size());
    for (const auto& row : since) CHECK(row.at("at") >= middle);
    for (const auto& row : until) CHECK(row.at("at") < middle);
  }

  SECTION("the CLI follows the cursors, through the server and on a local home; --limit caps it") {
    json all = json::parse(site.ok("c1", {"request", "list", "--json"}).out);
    CHECK(all.size() == 78);
    CHECK(json::parse(site.ok("c1", {"request", "list", "--json", "--limit", "7"}).out).size() == 7);
    CHECK(json::parse(site.ok("c1", {"request", "list", "--json", "--author", "res2"}).out).size() == 7);
    CHECK(json::parse(site.ok("c2", {"request", "list", "--json", "--needs", "my-vote"}).out).size() == 1);
    CHECK(json::parse(site.ok("c1", {"request", "list", "--json", "--workspace", "w5"}).out).size() == 1);
    CHECK(json::parse(site.ok("c1", {"request", "list", "--json", "--state", "submitted"}).out).size() == 1);
    json log = json::parse(site.ok("c1", {"audit", "log", "--json"}).out);
    CHECK(log == get(site, c1, "/api/audit?all=1").body);
    CHECK(json::parse(site.ok("c1", {"audit", "log", "--json", "--limit", "3"}).out).size() == 3);
    CHECK(json::parse(site.ok("c1", {"audit", "log", "--json", "--event", "request_create", "--user", "res2"}).out).size() == 7);

    // Local mode: the same home, the db layer's own cursors.
    const std::vector<std::string> local{"OUTCHECK_HOME=" + site.home().string(), "OUTCHECK_TOKEN=" + c1};
    RunResult list = run_outcheck({"request", "list", "--json"}, site.ws(), local);
    REQUIRE(list.exit_code == 0);
    CHECK(json::parse(list.out) == all);
    RunResult capped = run_outcheck({"request", "list", "--json", "--limit", "60"}, site.ws(), local);
    REQUIRE(capped.exit_code == 0);
    CHECK(json::parse(capped.out).size() == 60);
    RunResult local_log = run_outcheck({"audit", "log", "--json"}, site.ws(), local);
    REQUIRE(local_log.exit_code == 0);
    CHECK(json::parse(local_log.out).size() >= log.size());
    RunResult bad = site.as("c1", {"request", "list", "--needs", "nothing"});
    CHECK(bad.exit_code != 0);
  }

  SECTION("the pages show one page at a time with a next link that keeps the filters") {
    Browser b(site);
    REQUIRE(b.sign_in(c1) == 303);
    auto first = b.get("/requests?limit=30&state=pending");
    REQUIRE(first);
    REQUIRE(first->status == 200);
    CHECK(occurrences(first->body, "<tr><td><a href=\"/requests/") == 30);
    const auto at = first->body.find("id=\"next-page\" rel=\"next\" href=\"");
    REQUIRE(at != std::string::npos);
    const auto href = first->body.find("href=\"", at) + 6;
    std::string next = first->body.substr(href, first->body.find('"', href) - href);
    for (std::string::size_type p; (p = next.find("&amp;")) != std::string::npos;) next.replace(p, 5, "&");
    CHECK(contains(next, "state=pending"));
    CHECK(contains(next, "limit=30"));
    auto second = b.get(next);
    REQUIRE(second);
    REQUIRE(second->status == 200);
    CHECK(occurrences(second->body, "<tr><td><a href=\"/requests/") == 30);
    auto audit = b.get("/audit?user=res2&limit=5");
    REQUIRE(audit);
    REQUIRE(audit->status == 200);
    CHECK(occurrences(audit->body, "<td>res2</td>") == 5);
    CHECK(contains(audit->body, "id=\"next-page\""));
    auto bad = b.get("/requests?limit=0");
    REQUIRE(bad);
    CHECK(bad->status == 400);
  }
}

namespace {

long status_kib(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
  }
  return -1;
}

}  // namespace

TEST_CASE("lists: four concurrent full audit exports stream one JSON array each in bounded server memory",
          "[web][lists][memory]") {
  ReviewSite site;
  constexpr long long kRows = 60000;
  {
    // Many rows, each chained as the program writes them (bench/gen_audit.cpp's way), ~0.5 KB each:
    // about 30 MB of JSON per export.
    auto home = outcheck::db::open_home(site.home());
    REQUIRE(home);
    const std::string filler(320, 'x');
    outcheck::db::AuditHead head;
    for (long long done = 0; done < kRows;) {
      outcheck::db::Transaction tx((*home)->db);
      REQUIRE(tx.begin().ok());
      for (int i = 0; i < 10000 && done < kRows; ++i, ++done) {
        outcheck::db::AuditEvent e;
        e.user = "bench";
        e.action = "policy_set";
        e.details = {{"n", done}, {"note", filler}};
        auto h = (*home)->audit.append((*home)->db, e, outcheck::db::iso_utc(std::chrono::system_clock::now()));
        REQUIRE(h);
        head = *h;
      }
      REQUIRE(tx.commit().ok());
    }
    (*home)->audit.record_head(head);
  }
  const std::string admin = site.token("admin");
  REQUIRE(get(site, admin, "/api/audit?limit=500").status == 200);  // warm: a page, its connection
  const long before = status_kib(site.server().pid(), "VmHWM:");
  REQUIRE(before > 0);

  std::vector<std::size_t> rows(4), bytes(4);
  std::vector<int> statuses(4);
  std::vector<std::thread> exports;
  for (int i = 0; i < 4; ++i) {
    exports.emplace_back([&, i] {
      auto http = site.client();
      http.set_read_timeout(120);
      std::string body;
      auto r = http.Get("/api/audit?all=1", {{"Authorization", "Bearer " + admin}},
                        [&](const char* data, std::size_t n) {
                          body.append(data, n);
                          return true;
                        });
      statuses[i] = r ? r->status : -1;
      bytes[i] = body.size();
      auto parsed = json::parse(body, nullptr, false);
      rows[i] = parsed.is_array() ? parsed.size() : 0;
    });
  }
  for (auto& t : exports) t.join();
  const long after = status_kib(site.server().pid(), "VmHWM:");
  WARN("serve VmHWM " << before / 1024 << " MiB before, " << after / 1024 << " MiB after four exports of "
                      << bytes[0] / (1024 * 1024) << " MiB each; VmRSS now "
                      << status_kib(site.server().pid(), "VmRSS:") / 1024 << " MiB");
  for (int i = 0; i < 4; ++i) {
    CHECK(statuses[i] == 200);
    CHECK(rows[i] >= static_cast<std::size_t>(kRows));
    CHECK(bytes[i] > 20u * 1024 * 1024);
  }
  if (!outcheck::test::kSanitized) CHECK(after - before <= 32 * 1024);
}
