// The CSV view: findings land on their cell, row or column, with text and an icon as well as
// colour; every value is escaped; rows past the limit are counted, not drawn.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/workspace_fixture.h"
#include "web/csv_table.h"

using nlohmann::json;
using outcheck::test::occurrences;
using outcheck::web::render_csv_table;


TEST_CASE("csv table: a cell finding marks that cell and no other", "[web][csv_table]") {
  json findings = json::array({
      {{"rule", "small_count"}, {"outcome", "fail"}, {"row", 2}, {"column", "num"}, {"message", "count 3 is 7 or fewer: redact it"}},
      {{"rule", "unsafe_statistic"}, {"outcome", "review"}, {"column", "max"}, {"message", "a maximum describes one person"}},
      {{"rule", "csv_rows"}, {"outcome", "fail"}, {"message", "too many rows"}},
  });
  auto t = render_csv_table("group,num,max\na,15,9\nb,3,8\n", findings, 100);
  CHECK(t.rows == 2);
  CHECK(t.rows_shown == 2);
  CHECK(t.marks == 2);  // the cell and the column header; the file-level finding is not in the table
  INFO(t.html);
  CHECK(occurrences(t.html, "flag-fail") == 1);
  CHECK(occurrences(t.html, "flag-review") == 1);
  // Row 2's num cell carries the rule as text and the message in its title.
  CHECK(t.html.find("<tr id=\"r2\"><th class=\"rownum\" scope=\"row\">2</th><td>b</td><td class=\"flag flag-fail\" "
                    "tabindex=\"0\" data-rules=\"small_count\" title=\"small_count (fail) row 2 column &quot;num&quot;: "
                    "count 3 is 7 or fewer: redact it\"><span class=\"icon\" aria-hidden=\"true\">&#x2716;</span>"
                    "<span class=\"value\">3</span><span class=\"rule\">small_count</span></td>") != std::string::npos);
  CHECK(t.html.find("<td>15</td>") != std::string::npos);  // row 1's count is not marked
  CHECK(t.html.find("data-rules=\"unsafe_statistic\"") < t.html.find("<tbody>"));  // on the header
}

TEST_CASE("csv table: values and findings are escaped", "[web][csv_table]") {
  json findings = json::array({{{"rule", "identifier_value"}, {"outcome", "fail"}, {"row", 1}, {"column", "<b>"},
                                {"message", "\"quoted\" <script>"}}});
  auto t = render_csv_table("<b>,x\n<script>alert(1)</script>,\"a,b\"\n", findings, 10);
  CHECK(t.html.find("<script>") == std::string::npos);
  CHECK(t.html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(t.html.find("<th scope=\"col\">&lt;b&gt;</th>") != std::string::npos);
  CHECK(t.html.find("<td>a,b</td>") != std::string::npos);
  CHECK(t.html.find("&quot;quoted&quot; &lt;script&gt;") != std::string::npos);
  CHECK(t.marks == 1);
}

TEST_CASE("csv table: rows past the limit are counted, not drawn", "[web][csv_table]") {
  std::string csv = "week,count\n";
  for (int i = 1; i <= 5000; ++i) csv += "w" + std::to_string(i) + "," + std::to_string(10 + 5 * (i % 7)) + "\n";
  auto all = render_csv_table(csv, json::array(), 5000);
  CHECK(all.rows == 5000);
  CHECK(all.rows_shown == 5000);
  CHECK(occurrences(all.html, "<tr id=") == 5000);
  auto some = render_csv_table(csv, json::array(), 100);
  CHECK(some.rows == 5000);
  CHECK(some.rows_shown == 100);
  CHECK(occurrences(some.html, "<tr id=") == 100);
  auto empty = render_csv_table("", json::array(), 10);
  CHECK(empty.rows == 0);
  CHECK(empty.html == "<table class=\"csv\"><tbody></tbody></table>");
}

TEST_CASE("csv table: a tab-separated file shows its columns, as check read them", "[web][csv_table]") {
  auto t = render_csv_table("group\tnum\na\t3\nb\t20\n", json::array(), 10);
  // Two header cells and two cells per row, not one column holding the tabs.
  INFO(t.html);
  CHECK(t.html.find("<th scope=\"col\">group</th><th scope=\"col\">num</th>") != std::string::npos);
  CHECK(t.html.find("<td>a</td><td>3</td>") != std::string::npos);
  CHECK(t.html.find("\t") == std::string::npos);
}
