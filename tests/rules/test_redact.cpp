// redact_table on hand-made tables, with the expected output worked out by hand from policy.md and
// the OpenSAFELY rules (reference/opensafely.md sections 3-4); and a property test: whatever
// random table goes in, what comes out passes the count rules of the same policy.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/policy.h"
#include "rules/redact.h"
#include "rules/table_check.h"
#include "rules/table_layout.h"
#include "tests/support/policies.h"

using namespace outcheck::rules;

namespace {

const std::string R = "[REDACTED]";

using outcheck::test::compiled_policy;
auto preset(const std::string& name) { return outcheck::test::compiled_preset(name); }

HeldTable make_table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
  HeldTable t;
  t.header = std::move(header);
  t.rows = std::move(rows);
  for (std::size_t i = 0; i < t.rows.size(); ++i) t.records.push_back(static_cast<std::int64_t>(i + 1));
  return t;
}

std::string render(const HeldTable& t) {
  std::string s;
  auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) s += (i ? "," : "") + fields[i];
    s += "\n";
  };
  line(t.header);
  for (const auto& r : t.rows) line(r);
  return s;
}

std::string render(const std::vector<RedactChange>& changes) {
  std::string s;
  for (const auto& c : changes) {
    s += "row " + std::to_string(c.row) + " " + c.column + ": " + c.before + " -> " + c.after + " (" + c.rule + ")\n";
  }
  return s;
}

using ChangeKey = std::tuple<std::int64_t, std::string, std::string, std::string, std::string>;

std::set<ChangeKey> change_set(const std::vector<RedactChange>& changes) {
  std::set<ChangeKey> out;
  for (const auto& c : changes) out.insert({c.row, c.column, c.before, c.after, c.rule});
  return out;
}

// The column `name` of a table, top to bottom.
std::vector<std::string> column(const HeldTable& t, const std::string& name) {
  auto it = std::find(t.header.begin(), t.header.end(), name);
  REQUIRE(it != t.header.end());
  auto c = static_cast<std::size_t>(it - t.header.begin());
  std::vector<std::string> out;
  for (const auto& r : t.rows) out.push_back(r.at(c));
  return out;
}

// What `outcheck check` would find in the table, through the same TableCheck it uses.
FindingList check_table(const std::shared_ptr<const CompiledPolicy>& policy, const HeldTable& t) {
  TableCheck check(policy, 1000);
  std::vector<std::string_view> fields(t.header.begin(), t.header.end());
  check.header(fields);
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    std::vector<std::string_view> row(t.rows[i].begin(), t.rows[i].end());
    check.record(t.records[i], row);
  }
  FindingList out(1000);
  check.finish(out);
  return out;
}

std::string render(const FindingList& findings) {
  std::string s;
  for (const auto& f : findings.kept()) {
    s += f.rule + " row " + (f.row ? std::to_string(*f.row) : "-") + " column " + f.column.value_or("-") + " value " +
         f.value.value_or("-") + ": " + f.message + "\n";
  }
  return s;
}

const std::vector<std::string> kCountRules = {"small_count", "unrounded", "secondary_disclosure",
                                              "derived_from_small_count"};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Small counts and rounding

TEST_CASE("redact: each cell's change is its own when two columns bear one name, named as check names them",
          "[redact]") {
  auto policy = preset("opensafely");
  // Two columns named n: a change in one is no change in the other.
  HeldTable t = make_table({"group", "n", "n"}, {{"a", "12", "13"}, {"b", "20", "40"}});
  auto changes = redact_table(*policy, t);
  INFO(render(changes));
  CHECK(render(changes) == "row 1 n: 12 -> 10 (unrounded)\nrow 1 n: 13 -> 15 (unrounded)\n");
  // Under a second header row, by the names the check gives them ("16-39 / M").
  HeldTable two = make_table({"region", "16-39", "16-39"}, {{"sex", "F", "M"}, {"a", "120", "123"}, {"b", "125", "130"}});
  auto two_changes = redact_table(*policy, two);
  INFO(render(two_changes));
  CHECK(render(two_changes) == "row 2 16-39 / M: 123 -> 125 (unrounded)\n");
}

TEST_CASE("redact: opensafely suppresses counts of 7 or fewer and rounds the rest half-even to 5", "[redact]") {
  auto policy = preset("opensafely");
  HeldTable t = make_table({"group", "num"}, {{"a", "3"},
                                             {"b", "12"},
                                             {"c", "13"},
                                             {"d", "24"},
                                             {"e", "0"},
                                             {"f", "7"},
                                             {"g", "8"},
                                             {"h", "25"},
                                             {"i", "1"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  // 3, 7 and 1 are at most 7: suppressed. 12 -> 10 (12/5 = 2.4), 13 -> 15 (2.6), 24 -> 25 (4.8),
  // 8 -> 10 (1.6). 0 is not a small count under opensafely (zeros are not disclosive) and is a
  // multiple of 5; 25 is already a multiple of 5.
  CHECK(column(t, "num") == std::vector<std::string>{R, "10", "15", "25", "0", R, "10", "25", R});
  // Category labels are never touched.
  CHECK(column(t, "group") == std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i"});
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "num", "3", R, "small_count"},
                                   {2, "num", "12", "10", "unrounded"},
                                   {3, "num", "13", "15", "unrounded"},
                                   {4, "num", "24", "25", "unrounded"},
                                   {6, "num", "7", R, "small_count"},
                                   {7, "num", "8", "10", "unrounded"},
                                   {9, "num", "1", R, "small_count"},
                               });
  CHECK(changes.size() == 7);
}

TEST_CASE("redact: sdc-handbook suppresses 0 to 9 and does not round", "[redact]") {
  auto policy = preset("sdc-handbook");
  HeldTable t = make_table({"group", "num"}, {{"a", "3"}, {"b", "12"}, {"c", "0"}, {"d", "9"}, {"e", "10"}, {"f", "24"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{R, "12", R, R, "10", "24"});
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "num", "3", R, "small_count"},
                                   {3, "num", "0", R, "small_count"},
                                   {4, "num", "9", R, "small_count"},
                               });
}

TEST_CASE("redact: rounding ties go to the even multiple, as Python's round", "[redact]") {
  // reference/opensafely.md 4: with base 10, 105 -> 100, 115 -> 120, 25 -> 20; 35 -> 40.
  Policy p = *preset_policy("opensafely");
  p.rounding_base = 10;
  auto policy = compiled_policy(p);
  HeldTable t = make_table({"group", "num"}, {{"a", "105"}, {"b", "115"}, {"c", "25"}, {"d", "35"}, {"e", "14"}, {"f", "16"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{"100", "120", "20", "40", "10", "20"});
}

TEST_CASE("redact: a count that rounds down onto the threshold is suppressed", "[redact]") {
  // Threshold 12, base 10: 13 rounds to 10, which is small; 16 rounds to 20, which is not.
  Policy p = *preset_policy("opensafely");
  p.small_count_threshold = 12;
  p.rounding_base = 10;
  auto policy = compiled_policy(p);
  HeldTable t = make_table({"group", "num"}, {{"a", "13"}, {"b", "16"}, {"c", "12"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{R, "20", R});
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "num", "13", R, "small_count"},
                                   {2, "num", "16", "20", "unrounded"},
                                   {3, "num", "12", R, "small_count"},
                               });
  CHECK(check_table(policy, t).kept().empty());
}

TEST_CASE("redact: the worked example of the OpenSAFELY docs keeps the total of the rounded counts", "[redact]") {
  // sdc.md: cells 3, 8, 16, 23 become [REDACTED], 10, 15, 25, and the total 50 is kept. The total
  // minus the published cells is 50 - 50 = 0, so the total gives nothing away: no complementary
  // suppression is needed.
  auto policy = preset("opensafely");
  HeldTable t = make_table({"group", "num"}, {{"a", "3"}, {"b", "8"}, {"c", "16"}, {"d", "23"}, {"total", "50"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{R, "10", "15", "25", "50"});
  CHECK(changes.size() == 4);
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: midpoint-6 columns are rounded with midpoint-6 rounding, never suppressed", "[redact]") {
  // ceiling(x/6)*6 - 3*(x != 0): 0 -> 0, 1..6 -> 3, 7..12 -> 9, 13..18 -> 15. `_derived` columns
  // hold multiples of 6 and are rounded up to the next one.
  for (const char* name : {"opensafely", "sdc-handbook"}) {
    CAPTURE(name);
    auto policy = preset(name);
    HeldTable t = make_table({"group", "num_midpoint6", "patients_midpoint6_derived"}, {{"a", "5", "7"},
                                                                                         {"b", "7", "6"},
                                                                                         {"c", "0", "0"},
                                                                                         {"d", "1", "13"},
                                                                                         {"e", "3", "12"},
                                                                                         {"f", "12", "1"},
                                                                                         {"g", "13", "18"},
                                                                                         {"h", "9", "24"}});
    auto changes = redact_table(*policy, t);
    INFO(render(t) << render(changes));
    CHECK(column(t, "num_midpoint6") == std::vector<std::string>{"3", "9", "0", "3", "3", "9", "15", "9"});
    CHECK(column(t, "patients_midpoint6_derived") == std::vector<std::string>{"12", "6", "0", "18", "12", "6", "18", "24"});
    CHECK(change_set(changes) == std::set<ChangeKey>{
                                     {1, "num_midpoint6", "5", "3", "unrounded"},
                                     {2, "num_midpoint6", "7", "9", "unrounded"},
                                     {4, "num_midpoint6", "1", "3", "unrounded"},
                                     {6, "num_midpoint6", "12", "9", "unrounded"},
                                     {7, "num_midpoint6", "13", "15", "unrounded"},
                                     {1, "patients_midpoint6_derived", "7", "12", "unrounded"},
                                     {4, "patients_midpoint6_derived", "13", "18", "unrounded"},
                                     {6, "patients_midpoint6_derived", "1", "6", "unrounded"},
                                 });
    FindingList f = check_table(policy, t);
    INFO(render(f));
    CHECK(f.kept().empty());
  }
}

// ---------------------------------------------------------------------------------------------
// Rates

TEST_CASE("redact: a rate on a row whose count was suppressed is suppressed", "[redact]") {
  auto policy = preset("opensafely");
  // value = num / list_size * 1000.
  HeldTable t = make_table({"group", "num", "list_size", "value"}, {{"1", "3", "1000", "3.0"},
                                                                       {"2", "50", "1000", "50.0"},
                                                                       {"3", "40", "5", "8000.0"},
                                                                       {"4", "20", "1000", "20.0"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{R, "50", "40", "20"});
  CHECK(column(t, "list_size") == std::vector<std::string>{"1000", "1000", R, "1000"});
  // Row 1: from the small numerator; row 3: from the small denominator (with num published, the
  // rate would give the list size back).
  CHECK(column(t, "value") == std::vector<std::string>{R, "50.0", R, "20.0"});
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "num", "3", R, "small_count"},
                                   {1, "value", "3.0", R, "derived_from_small_count"},
                                   {3, "list_size", "5", R, "small_count"},
                                   {3, "value", "8000.0", R, "derived_from_small_count"},
                               });
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

// ---------------------------------------------------------------------------------------------
// Totals: complementary suppression

TEST_CASE("redact: a long table with a total row gets a complementary suppression", "[redact]") {
  auto policy = preset("opensafely");
  // True values 3, 20, 30; total 53, which rounds to 55. After suppressing 3, the total minus the
  // published cells is 55 - 20 - 30 = 5: the cell could be solved for (as about 5). The smallest
  // published cell of the column, 20, is suppressed too; then neither can be solved for.
  HeldTable t = make_table({"group", "num"}, {{"a", "3"}, {"b", "20"}, {"c", "30"}, {"total", "53"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{R, R, "30", "55"});
  CHECK(column(t, "group") == std::vector<std::string>{"a", "b", "c", "total"});
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "num", "3", R, "small_count"},
                                   {4, "num", "53", "55", "unrounded"},
                                   {2, "num", "20", R, "secondary_disclosure"},
                               });
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());

  SECTION("the table before the complementary suppression is caught by the check") {
    HeldTable half = make_table({"group", "num"}, {{"a", R}, {"b", "20"}, {"c", "30"}, {"total", "55"}});
    FindingList g = check_table(policy, half);
    INFO(render(g));
    CHECK(g.counts().count("secondary_disclosure") == 1);
  }
}

TEST_CASE("redact: a wide table with a total column gets a complementary suppression", "[redact]") {
  auto policy = preset("opensafely");
  // Row north: 3, 20, 30, total 53 -> [REDACTED], 20, 30, 55; 55 - 50 = 5 gives the cell away, so
  // the smallest published cell of the row (20, in column b) goes too. Row south is all multiples
  // of 5 above 7 and stays as it is.
  HeldTable t = make_table({"region", "a", "b", "c", "total"}, {{"north", "3", "20", "30", "53"},
                                                               {"south", "10", "15", "20", "45"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(t.rows[0] == std::vector<std::string>{"north", R, R, "30", "55"});
  CHECK(t.rows[1] == std::vector<std::string>{"south", "10", "15", "20", "45"});
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "a", "3", R, "small_count"},
                                   {1, "total", "53", "55", "unrounded"},
                                   {1, "b", "20", R, "secondary_disclosure"},
                               });
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: every row of a long table with a total column is mended, each by its smallest other cell",
          "[redact]") {
  auto policy = preset("opensafely");
  // 400 rows; on every other one `a` is a small count (1 to 7). Suppressed, its row's total
  // (rounded half-even to 5) less b and c gives it back as 5 or 10, unless a was 1 or 2 (the total
  // rounds down, and 0 gives nothing back). Each row whose residual is not 0 loses its smaller
  // published cell of b and c too (b on a tie), and no other row changes. The rows are mended in
  // one round together (rules/secondary_rule.cpp): the same cells as one round each.
  std::vector<std::vector<std::string>> rows;
  std::set<ChangeKey> expected;
  auto round5 = [](std::int64_t v) {
    const std::int64_t low = v / 5 * 5, rest = v - low;
    return rest > 2 || (rest == 2 && false) ? low + 5 : low;  // no ties: 5 is odd
  };
  for (int i = 0; i < 400; ++i) {
    const std::int64_t a = i % 2 == 0 ? 1 + i / 2 % 7 : 10 + 5 * (i % 40), b = 100 + 5 * (i % 13), c = 100 + 5 * (i % 17);
    const std::int64_t total = a + b + c;
    rows.push_back({"g" + std::to_string(i), std::to_string(a), std::to_string(b), std::to_string(c), std::to_string(total)});
    const auto record = static_cast<std::int64_t>(i + 1);
    if (total % 5 != 0) expected.insert({record, "total", std::to_string(total), std::to_string(round5(total)), "unrounded"});
    if (a > 7) continue;
    expected.insert({record, "a", std::to_string(a), R, "small_count"});
    if (round5(total) - b - c != 0) {
      expected.insert({record, b <= c ? "b" : "c", std::to_string(std::min(b, c)), R, "secondary_disclosure"});
    }
  }
  HeldTable t = make_table({"group", "a", "b", "c", "total"}, rows);
  auto changes = redact_table(*policy, t);
  INFO(render(changes));
  CHECK(change_set(changes) == expected);
  std::size_t complementary = 0;
  for (const auto& e : expected) complementary += std::get<4>(e) == "secondary_disclosure";
  CHECK(complementary > 100);
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());

  SECTION("on its side: a total row, every other column mended by its smallest other cell") {
    // The same table transposed: one row per count, one column per group, and a total row. The
    // labels' column is headed "count", a count word over words: it is read as the rows' labels,
    // and its last row as the total row (read as counts, it hid the total row, and nothing was
    // mended).
    std::vector<std::string> header{"count"};
    for (int i = 0; i < 400; ++i) header.push_back("g" + std::to_string(i));
    std::vector<std::vector<std::string>> side(4);
    const char* names[] = {"a", "b", "c", "total"};
    for (std::size_t k = 0; k < 4; ++k) {
      side[k].push_back(names[k]);
      for (const auto& row : rows) side[k].push_back(row[k + 1]);
    }
    HeldTable u = make_table(header, side);
    auto side_changes = redact_table(*policy, u);
    std::set<ChangeKey> side_expected;
    for (const auto& [record, column, before, after, rule] : expected) {
      const std::int64_t at = column == "a" ? 1 : column == "b" ? 2 : column == "c" ? 3 : 4;
      side_expected.insert({at, "g" + std::to_string(record - 1), before, after, rule});
    }
    std::string missing, extra;
    const auto got = change_set(side_changes);
    for (const auto& k : side_expected) {
      if (!got.count(k)) missing += std::to_string(std::get<0>(k)) + " " + std::get<1>(k) + " " + std::get<2>(k) + " " + std::get<4>(k) + "; ";
    }
    for (const auto& k : got) {
      if (!side_expected.count(k)) extra += std::to_string(std::get<0>(k)) + " " + std::get<1>(k) + " " + std::get<2>(k) + " " + std::get<4>(k) + "; ";
    }
    INFO("missing: " << missing << "\nextra: " << extra);
    CHECK(got == side_expected);
    FindingList g = check_table(policy, u);
    INFO(render(g));
    CHECK(g.kept().empty());
  }
}

TEST_CASE("redact: a complementary suppression on a row with a rate suppresses the rate", "[redact]") {
  auto policy = preset("opensafely");
  // num 3 is suppressed, the total 3+20+30 = 53 rounds to 55, so 20 (row b) is suppressed too, and
  // with it row b's rate.
  HeldTable t = make_table({"group", "num", "list_size", "value"}, {{"a", "3", "1000", "3.0"},
                                                                    {"b", "20", "2000", "10.0"},
                                                                    {"c", "30", "1500", "20.0"},
                                                                    {"total", "53", "4500", "11.78"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{R, R, "30", "55"});
  CHECK(column(t, "list_size") == std::vector<std::string>{"1000", "2000", "1500", "4500"});
  // The total's rate is computed again from the rounded total (53 -> 55: 11.78 -> 12.22).
  CHECK(column(t, "value") == std::vector<std::string>{R, R, "20.0", "12.22"});
  CHECK(change_set(changes).count({2, "value", "10.0", R, "derived_from_small_count"}) == 1);
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: a 2-D table with both margins leaves no redacted cell solvable", "[redact]") {
  auto policy = preset("opensafely");
  HeldTable t = make_table({"group", "x", "y", "total"}, {{"a", "3", "20", "23"},
                                                         {"b", "30", "40", "70"},
                                                         {"total", "33", "60", "93"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(t.rows[0][1] == R);
  // Whatever cells were chosen, every suppression beyond the small count protects a total.
  for (const auto& c : changes) {
    if (c.after == R && c.before != "3") CHECK(c.rule == "secondary_disclosure");
  }
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: with both margins, two redacted cells of one column get a rectangle, not a cascade", "[redact]") {
  auto policy = preset("opensafely");
  // a is redacted in rows 1 and 3: each row's total less its published cells gives its a back (10,
  // 20); column a's total gives only their sum. Suppressing the smallest cell of row 1 (20, in b)
  // would leave b's total giving that cell back, then some other row's cell, and so on across the
  // table (a table of 4,000 such rows lost 3,076 cells). The two cells of one column in rows 1
  // and 3 close a cycle a-row 1-c-row 3 instead: c (30 + 10) rather than b (20 + 40).
  HeldTable t = make_table({"group", "a", "b", "c", "total"}, {{"g1", R, "20", "30", "60"},
                                                              {"g2", "15", "25", "35", "75"},
                                                              {"g3", R, "40", "10", "70"},
                                                              {"g4", "25", "45", "50", "120"},
                                                              {"Total", "70", "130", "125", "325"}});
  SECTION("the check finds both") {
    FindingList f = check_table(policy, t);
    INFO(render(f));
    CHECK(f.counts().count("secondary_disclosure") == 1);
    CHECK(f.counts().at("secondary_disclosure") == 2);
  }
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "c", "30", R, "secondary_disclosure"},
                                   {3, "c", "10", R, "secondary_disclosure"},
                               });
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: with both margins, one cell closes the cycle when one joins the two sides", "[redact]") {
  auto policy = preset("opensafely");
  // Redacted: (1, a), (2, a), (2, b): a path row 1 - a - row 2 - b, every cell of it given back by
  // the totals. (1, b) alone joins its ends into a cycle; nothing else changes.
  HeldTable t = make_table({"group", "a", "b", "c", "total"}, {{"g1", R, "20", "30", "60"},
                                                              {"g2", R, R, "35", "75"},
                                                              {"g3", "40", "45", "50", "135"},
                                                              {"Total", "65", "90", "115", "270"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(change_set(changes) == std::set<ChangeKey>{{1, "b", "20", R, "secondary_disclosure"}});
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: with both margins, two lone redacted cells close each other's cycle", "[redact]") {
  auto policy = preset("opensafely");
  // (1, b) and (2, d) are redacted, each alone in its row and its column: no one cell joins the
  // sides of either, and no line outside holds a row or column of both sides. The two cells of
  // their rectangle, (1, d) and (2, b), close one cycle through both; suppressing the smallest cell
  // of each line instead redacted all eight cells of the body.
  HeldTable t = make_table({"group", "a", "b", "c", "d", "total"}, {{"g1", "130", R, "175", "160", "560"},
                                                                   {"g2", "190", "145", "110", R, "510"},
                                                                   {"Total", "320", "240", "285", "225", "1070"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(change_set(changes) == std::set<ChangeKey>{
                                   {1, "d", "160", R, "secondary_disclosure"},
                                   {2, "b", "145", R, "secondary_disclosure"},
                               });
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());

  SECTION("one lone cell gets the three other corners of its cheapest rectangle") {
    HeldTable u = make_table({"group", "a", "b", "c", "total"}, {{"g1", R, "20", "300", "340"},
                                                                {"g2", "40", "10", "500", "550"},
                                                                {"g3", "90", "80", "70", "240"},
                                                                {"Total", "150", "110", "870", "1130"}});
    auto lone = redact_table(*policy, u);
    INFO(render(u) << render(lone));
    // Row 1 to b (20), b to row 2 (10), row 2 to a (40): 70, the smallest of the rectangles.
    CHECK(change_set(lone) == std::set<ChangeKey>{
                                  {1, "b", "20", R, "secondary_disclosure"},
                                  {2, "b", "10", R, "secondary_disclosure"},
                                  {2, "a", "40", R, "secondary_disclosure"},
                              });
    FindingList g = check_table(policy, u);
    INFO(render(g));
    CHECK(g.kept().empty());
  }
}

TEST_CASE("redact: with both margins, a column of many redacted cells gets one more cell per row", "[redact]") {
  auto policy = preset("opensafely");
  // 40 rows, a redacted on every other one: each such row's total gives its a back. Pairs of them
  // close cycles through another column, one cell in each row of the pair, so 20 cells in all, each
  // in a row whose a is redacted; none is left given back.
  std::vector<std::vector<std::string>> rows;
  std::int64_t sums[3] = {0, 0, 0};
  for (int i = 0; i < 40; ++i) {
    const std::int64_t v[3] = {10 + 5 * (i % 7), 100 + 5 * (i % 11), 200 + 5 * (i % 13)};
    for (int k = 0; k < 3; ++k) sums[k] += v[k];
    rows.push_back({"g" + std::to_string(i), i % 2 == 0 ? R : std::to_string(v[0]), std::to_string(v[1]),
                    std::to_string(v[2]), std::to_string(v[0] + v[1] + v[2])});
  }
  rows.push_back({"Total", std::to_string(sums[0]), std::to_string(sums[1]), std::to_string(sums[2]),
                  std::to_string(sums[0] + sums[1] + sums[2])});
  HeldTable t = make_table({"group", "a", "b", "c", "total"}, rows);
  auto changes = redact_table(*policy, t);
  INFO(render(changes));
  CHECK(changes.size() == 20);
  std::set<std::int64_t> changed_rows;
  for (const auto& c : changes) {
    CHECK(c.rule == "secondary_disclosure");
    CHECK(c.row % 2 == 1);  // record 1 is g0, whose a is redacted
    changed_rows.insert(c.row);
  }
  CHECK(changed_rows.size() == 20);
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: a count column that ends up wholly redacted still counts for the totals", "[redact]") {
  // Row north: 3 -> [REDACTED], total 53 -> 55, 55 - 20 - 30 = 5 gives it away, so 20 goes too.
  // Row south: 2 -> [REDACTED], total 92 -> 90, 90 - 40 - 50 = 0: nothing given away. Column `a`
  // now holds only [REDACTED]. Rows north and south each have two unknowns or a residual of 0 and
  // no column has a total, so nothing can be solved for: the check must find nothing. (The column
  // is a count column: its header says nothing, and before redaction all its values were integers.)
  auto policy = preset("opensafely");
  for (const char* a : {"a", "n_a"}) {
    CAPTURE(a);
    HeldTable t = make_table({"group", a, "b", "c", "total"}, {{"north", "3", "20", "30", "53"},
                                                              {"south", "2", "40", "50", "92"}});
    auto changes = redact_table(*policy, t);
    INFO(render(t) << render(changes));
    CHECK(t.rows[0] == std::vector<std::string>{"north", R, R, "30", "55"});
    CHECK(t.rows[1] == std::vector<std::string>{"south", R, "40", "50", "90"});
    FindingList f = check_table(policy, t);
    INFO(render(f));
    CHECK(f.kept().empty());
  }
}

TEST_CASE("redact: a table that needs nothing is left alone", "[redact]") {
  auto policy = preset("opensafely");
  HeldTable t = make_table({"group", "num"}, {{"a", "10"}, {"b", R}, {"c", "<=7"}, {"d", "0"}});
  HeldTable before = t;
  auto changes = redact_table(*policy, t);
  CHECK(changes.empty());
  CHECK(t.rows == before.rows);
  CHECK(t.header == before.header);
}

// ---------------------------------------------------------------------------------------------
// Property: whatever goes in, what comes out passes the count rules of the same policy.

namespace {

struct Generated {
  HeldTable table;
  std::string kind;
};

// Counts with many at or below 7 (and some 0s), the rest spread up to a few hundred.
std::int64_t draw_count(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pick(0, 9);
  int k = pick(rng);
  if (k <= 4) return std::uniform_int_distribution<std::int64_t>(0, 7)(rng);
  if (k <= 6) return std::uniform_int_distribution<std::int64_t>(8, 30)(rng);
  return std::uniform_int_distribution<std::int64_t>(0, 400)(rng);
}

std::string rate(std::int64_t num, std::int64_t list_size) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(num) / static_cast<double>(list_size) * 1000.0);
  return buf;
}

// A long table: one row per group, a `num` column, optionally a list size and a rate per 1,000,
// optionally a total row (the sum of the true values).
Generated long_table(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> coin(0, 1);
  int n = std::uniform_int_distribution<int>(1, 8)(rng);
  bool with_rate = coin(rng), with_total = coin(rng);
  bool pandas_index = coin(rng);
  Generated g;
  g.kind = std::string("long") + (with_rate ? "+rate" : "") + (with_total ? "+total" : "") +
           (pandas_index ? " (pandas index)" : "");
  HeldTable& t = g.table;
  t.header = {pandas_index ? "" : "group", "num"};
  if (with_rate) {
    t.header.push_back("list_size");
    t.header.push_back("value");
  }
  std::int64_t sum_num = 0, sum_list = 0;
  for (int i = 0; i < n; ++i) {
    std::int64_t num = draw_count(rng);
    std::vector<std::string> row = {"g" + std::to_string(i + 1), std::to_string(num)};
    sum_num += num;
    if (with_rate) {
      std::int64_t list_size = std::max<std::int64_t>(1, coin(rng) ? draw_count(rng) : num + draw_count(rng) * 10);
      if (list_size == 0) list_size = 1;
      sum_list += list_size;
      row.push_back(std::to_string(list_size));
      row.push_back(rate(num, list_size));
    }
    t.rows.push_back(std::move(row));
  }
  if (with_total) {
    std::vector<std::string> row = {"total", std::to_string(sum_num)};
    if (with_rate) {
      row.push_back(std::to_string(sum_list));
      row.push_back(rate(sum_num, sum_list));
    }
    // The total row sits first or last, as tables are written either way.
    if (coin(rng)) t.rows.insert(t.rows.begin(), std::move(row));
    else t.rows.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < t.rows.size(); ++i) t.records.push_back(static_cast<std::int64_t>(i + 1));
  return g;
}

// A wide crosstab: groups by columns of counts, optionally a total column and/or a total row,
// each the sum of the true values (the corner is the grand total).
Generated wide_table(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> coin(0, 1);
  int n = std::uniform_int_distribution<int>(1, 8)(rng);
  int m = std::uniform_int_distribution<int>(2, 5)(rng);
  bool total_col = coin(rng), total_row = coin(rng);
  // Column headers that say "count" (n_1, ...) or say nothing (c1, ...: counts by their values).
  bool count_headers = coin(rng);
  Generated g;
  g.kind = std::string("wide") + (total_col ? "+total column" : "") + (total_row ? "+total row" : "") +
           (count_headers ? " (n_ headers)" : " (plain headers)");
  HeldTable& t = g.table;
  t.header = {"group"};
  for (int j = 0; j < m; ++j) t.header.push_back((count_headers ? "n_" : "c") + std::to_string(j + 1));
  if (total_col) t.header.push_back("total");
  std::vector<std::int64_t> col_sum(static_cast<std::size_t>(m), 0);
  std::int64_t grand = 0;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> row = {"g" + std::to_string(i + 1)};
    std::int64_t row_sum = 0;
    for (int j = 0; j < m; ++j) {
      std::int64_t v = draw_count(rng);
      row.push_back(std::to_string(v));
      row_sum += v;
      col_sum[static_cast<std::size_t>(j)] += v;
    }
    grand += row_sum;
    if (total_col) row.push_back(std::to_string(row_sum));
    t.rows.push_back(std::move(row));
  }
  if (total_row) {
    std::vector<std::string> row = {"Total"};
    for (auto s : col_sum) row.push_back(std::to_string(s));
    if (total_col) row.push_back(std::to_string(grand));
    t.rows.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < t.rows.size(); ++i) t.records.push_back(static_cast<std::int64_t>(i + 1));
  return g;
}

}  // namespace

TEST_CASE("redact: property: random tables pass the count rules after redaction", "[redact][property]") {
  for (const char* name : {"opensafely", "sdc-handbook"}) {
    auto policy = preset(name);
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      std::mt19937_64 rng(seed * 7919 + (std::string(name) == "opensafely" ? 0 : 1000));
      for (int iteration = 0; iteration < 150; ++iteration) {
        Generated g = (iteration % 2 == 0) ? long_table(rng) : wide_table(rng);
        const std::string before = render(g.table);
        HeldTable t = g.table;
        auto changes = redact_table(*policy, t);
        FindingList findings = check_table(policy, t);
        std::string left;
        for (const auto& rule : kCountRules) {
          if (findings.has(rule)) left += rule + " ";
        }
        INFO("policy " << name << ", seed " << seed << ", iteration " << iteration << ", " << g.kind);
        INFO("before:\n" << before);
        INFO("after:\n" << render(t));
        INFO("changes:\n" << render(changes));
        INFO("findings:\n" << render(findings));
        CHECK(left == "");
        // Nothing but count and rate cells ever changes, and the shape stays.
        REQUIRE(t.rows.size() == g.table.rows.size());
        CHECK(t.header == g.table.header);
        for (std::size_t r = 0; r < t.rows.size(); ++r) {
          REQUIRE(t.rows[r].size() == g.table.rows[r].size());
          CHECK(t.rows[r][0] == g.table.rows[r][0]);
        }
        // Every change is recorded, and only changes are recorded.
        std::size_t differing = 0;
        for (std::size_t r = 0; r < t.rows.size(); ++r) {
          for (std::size_t c = 0; c < t.rows[r].size(); ++c) differing += t.rows[r][c] != g.table.rows[r][c];
        }
        std::set<std::pair<std::int64_t, std::string>> changed_cells;
        for (const auto& c : changes) {
          CHECK(c.before != c.after);
          changed_cells.insert({c.row, c.column});
        }
        CHECK(changed_cells.size() == differing);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Counts written in text, long tables, and what redact could not fix

TEST_CASE("redact: counts written in text are rounded in place or suppressed, and the copy passes", "[redact]") {
  auto policy = preset("opensafely");
  // Record 1: "41,086 (16%)" -> "41,085 (16%)" (half-even to 5, separators kept); record 2:
  // "2 (<0.1%)" small: suppressed whole (its share would give it back); record 3: "1164 (0.19)" ->
  // "1165 (0.19)"; record 4: "9,745 / 129,230" is already a multiple of 5.
  HeldTable t = make_table({"variable", "stat_1"}, {{"age", "41,086 (16%)"},
                                                    {"sex", "2 (<0.1%)"},
                                                    {"rural", "1164 (0.19)"},
                                                    {"ratio", "9,745 / 129,230"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "stat_1") == std::vector<std::string>{"41,085 (16%)", R, "1165 (0.19)", "9,745 / 129,230"});
  CHECK(change_set(changes) == std::set<ChangeKey>{{1, "stat_1", "41,086 (16%)", "41,085 (16%)", "unrounded"},
                                                   {2, "stat_1", "2 (<0.1%)", R, "small_count"},
                                                   {3, "stat_1", "1164 (0.19)", "1165 (0.19)", "unrounded"}});
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
  CHECK(failing_rules(*policy, t).empty());
}

TEST_CASE("redact: a long table's measure rows are left alone, its count rows fixed", "[redact]") {
  auto policy = preset("opensafely");
  // Observed 6 (record 2) is small: suppressed; Population 2695831 (record 1) rounds to 2695830;
  // the Expected rows' 2 (record 3) is an expected count, not a count: kept.
  HeldTable t = make_table({"region", "cellname", "Black"}, {{"East", "Population", "2695831"},
                                                             {"East", "Observed", "6"},
                                                             {"East", "Expected", "2"},
                                                             {"West", "Population", "84800"},
                                                             {"West", "Observed", "20"},
                                                             {"West", "Expected", "1.94"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "Black") == std::vector<std::string>{"2695830", R, "2", "84800", "20", "1.94"});
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}

TEST_CASE("redact: what the copy still fails is said", "[redact]") {
  auto policy = preset("opensafely");
  // An STP code cannot be redacted into a region: the copy still fails organisation_identifier.
  HeldTable t = make_table({"label", "n"}, {{"E54000005", "3"}, {"E54000026", "100"}});
  redact_table(*policy, t);
  INFO(render(t));
  CHECK(column(t, "n") == std::vector<std::string>{R, "100"});
  CHECK(failing_rules(*policy, t) == std::map<std::string, std::int64_t>{{"organisation_identifier", 1}});
}

TEST_CASE("redact: a rate of two counts is computed again from the rounded counts, at its column's precision", "[redact]") {
  auto policy = preset("opensafely");
  // The seed's measure file: 329 / 11267 per 1,000 is printed 29.2 (R dropped the trailing zero of
  // a column printed to 2 decimals); rounded to 330 / 11265 it is 29.29. Left as 29.2, with 330 it
  // gives back 11267 and with 11265, 329. Record 2's rate is a share (x 100) of the same counts.
  HeldTable t = make_table({"practice", "num", "list_size", "value"}, {{"1", "329", "11267", "29.2"},
                                                                        {"2", "149", "5432", "27.43"},
                                                                        {"3", "120", "5810", "20.65"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "num") == std::vector<std::string>{"330", "150", "120"});
  CHECK(column(t, "list_size") == std::vector<std::string>{"11265", "5430", "5810"});
  CHECK(column(t, "value") == std::vector<std::string>{"29.29", "27.62", "20.65"});
  CHECK(change_set(changes).count({1, "value", "29.2", "29.29", "unrounded"}) == 1);
  // Record 3's counts were already rounded: its rate is left alone.
  CHECK(change_set(changes).count({3, "value", "20.65", "20.65", "unrounded"}) == 0);
  CHECK(failing_rules(*policy, t).empty());
}

TEST_CASE("redact then check: a rate that rate x person-time turns back into the count", "[redact]") {
  auto policy = preset("opensafely");
  // az_n 2 is suppressed; its rate (0.00040732 x 4910.149 = 2.000) goes with it; row b's count 20
  // and rate are published (the rate's counts are already rounded).
  HeldTable t = make_table({"arm", "az_pyears", "az_n", "az_rate"},
                           {{"a", "4910.1492128679", "2", "0.00040731959728609716"},
                            {"b", "3000.5", "20", "6.665555740709882e-3"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "az_n") == std::vector<std::string>{R, "20"});
  CHECK(column(t, "az_rate") == std::vector<std::string>{R, "6.665555740709882e-3"});
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
  CHECK(failing_rules(*policy, t).empty());
}

TEST_CASE("redact then check: a flowchart under sdc-handbook", "[redact]") {
  auto policy = preset("sdc-handbook");
  // Step c2 excludes 0 people (small under sdc-handbook): suppressed, and the shares computed from
  // it (pct_exclude, pct_step) with it; the base row's NA and the published steps stay.
  HeldTable t = make_table({"criteria", "n", "n_exclude", "pct_exclude", "pct_all", "pct_step"},
                           {{"c0", "15534641", "NA", "NA", "1", "NA"},
                            {"c1", "15529586", "5055", "3.2540179074624253e-4", "0.9996745982092538", "0.9996745982092538"},
                            {"c2", "15529586", "0", "0", "0.9996745982092538", "1"}});
  auto changes = redact_table(*policy, t);
  INFO(render(t) << render(changes));
  CHECK(column(t, "n_exclude") == std::vector<std::string>{"NA", "5055", R});
  CHECK(t.rows[2][3] == R);
  CHECK(t.rows[2][5] == R);
  FindingList f = check_table(policy, t);
  INFO(render(f));
  CHECK(f.kept().empty());
}
