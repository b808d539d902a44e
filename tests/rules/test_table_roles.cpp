// The table reader (rules/table_roles.h) against policy.md "Column roles", adversarially: every
// table below holds real small counts that must still be flagged, whatever its structure suggests,
// next to structure that really is a dimension (so the reader is shown not to be merely
// conservative). Every expected finding is worked by hand in a comment: opensafely flags
// 0 < n <= 7 as small_count and a larger count that is not a multiple of 5 as unrounded (unless the
// column's values show an accepted base: 6, 7 or 10); sdc-handbook flags 0 <= n <= 9 and has no
// rounding rule and no accepted bases.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/finding.h"
#include "rules/table_roles.h"
#include "tests/support/finding_text.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;
using Catch::Matchers::Contains;

namespace {

using Strings = std::vector<std::string>;

Strings sorted(Strings s) {
  std::sort(s.begin(), s.end());
  return s;
}

// One table read and checked: its findings as "rule row column" (sorted; "-" for no row), and each
// column's role and evidence.
struct Read {
  Strings findings;
  std::vector<ColumnRole> roles;
  std::int64_t read_on_rows = 0;
  std::string described;  // describe_findings, for INFO on failure

  const ColumnRole& column(const std::string& name) const {
    for (const ColumnRole& r : roles) {
      if (r.name == name) return r;
    }
    FAIL("no column " << name);
    return roles.front();
  }
  std::string role(const std::string& name) const { return role_report_name(column(name)); }
  std::string why(const std::string& name) const { return column(name).why; }
  // Findings in one column only.
  Strings in(const std::string& name) const {
    Strings out;
    for (const std::string& f : findings) {
      if (f.size() > name.size() && f.compare(f.size() - name.size() - 1, std::string::npos, " " + name) == 0) {
        out.push_back(f);
      }
    }
    return out;
  }
};

// The first line is the header; the others are data records 1, 2, ... Every column must come back
// with a role and a non-empty `why` (policy.md: every column's role and evidence is reported).
Read read(const std::string& preset, const Strings& lines, std::size_t cap = 1000) {
  outcheck::test::TableRun run = outcheck::test::run_table_lines(preset, lines, cap);
  const std::size_t width = lines.empty() ? 0 : outcheck::test::split_fields(lines[0]).size();
  Read r;
  r.findings = outcheck::test::finding_places(run.findings);
  r.roles = run.roles;
  r.read_on_rows = run.roles_read_on_rows;
  r.described = outcheck::test::describe_findings(run.findings);
  REQUIRE(r.roles.size() == width);
  for (const ColumnRole& role : r.roles) {
    INFO("column '" << role.name << "' (" << role_report_name(role) << ")");
    CHECK(!role.why.empty());
  }
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. Cumulative counts are counts

TEST_CASE("roles: cumulative counts are counts, their small values flagged", "[rules][roles]") {
  SECTION("week,cum_events: a count word in the header") {
    // `week` is an identifier; `cum_events` has the count word `events`. Cumulative 1, 3, 6, 10,
    // 15, 21, 28, 36: 1, 3, 6 (records 1-3) are small; 10, 15 multiples of 5; 21, 28, 36 (records
    // 6-8) are not multiples of 5: unrounded. (No accepted base: 1 is a multiple of none.)
    Read r = read("opensafely", {"week,cum_events", "1,1", "2,3", "3,6", "4,10", "5,15", "6,21", "7,28", "8,36"});
    INFO(r.described);
    CHECK(r.role("cum_events") == "count");
    CHECK(r.role("week") == "identifier");
    CHECK(r.findings == sorted({"small_count 1 cum_events", "small_count 2 cum_events", "small_count 3 cum_events",
                                "unrounded 6 cum_events", "unrounded 7 cum_events", "unrounded 8 cum_events"}));
  }
  SECTION("group,cum_count: two cumulative series") {
    // `cum_count` ends in `_count`. a: 1, 3, 6, 10, 20; b: 2, 4, 7, 12, 20. Small: records 1, 2, 3
    // (1, 3, 6) and 6, 7, 8 (2, 4, 7); 12 (record 9) unrounded.
    Read r = read("opensafely", {"group,cum_count", "a,1", "a,3", "a,6", "a,10", "a,20", "b,2", "b,4", "b,7", "b,12",
                                 "b,20"});
    INFO(r.described);
    CHECK(r.role("cum_count") == "count");
    CHECK(r.findings == sorted({"small_count 1 cum_count", "small_count 2 cum_count", "small_count 3 cum_count",
                                "small_count 6 cum_count", "small_count 7 cum_count", "small_count 8 cum_count",
                                "unrounded 9 cum_count"}));
  }
  SECTION("group,cumulative: no header word, the values decide") {
    // The same values under a header that matches nothing. With `group` the column completes a key
    // (each value once per group), but a's {1,3,6,10,20} and b's {2,4,7,12,20} differ: no
    // repeating value set, and within a group the steps (2, 3, 4, 10) are not regular: a count.
    Read r = read("opensafely", {"group,cumulative", "a,1", "a,3", "a,6", "a,10", "a,20", "b,2", "b,4", "b,7", "b,12",
                                 "b,20"});
    INFO(r.described);
    INFO(r.why("cumulative"));
    CHECK(r.role("cumulative") == "count");
    CHECK(r.findings == sorted({"small_count 1 cumulative", "small_count 2 cumulative", "small_count 3 cumulative",
                                "small_count 6 cumulative", "small_count 7 cumulative", "small_count 8 cumulative",
                                "unrounded 9 cumulative"}));
  }
  SECTION("group,week,cumulative: the rows are already identified by group and week") {
    // `group` and `week` identify every row, so the unlabelled column adds nothing to a key: a
    // count. a: 1, 3, 6, 10, 15; b: 2, 3, 5, 8, 20. Small: 1, 3, 6 (records 1-3) and 2, 3, 5
    // (records 6-8); 8 (record 9) is above 7 and not a multiple of 5: unrounded.
    Read r = read("opensafely", {"group,week,cumulative", "a,1,1", "a,2,3", "a,3,6", "a,4,10", "a,5,15", "b,1,2",
                                 "b,2,3", "b,3,5", "b,4,8", "b,5,20"});
    INFO(r.described);
    CHECK(r.role("cumulative") == "count");
    CHECK(r.findings == sorted({"small_count 1 cumulative", "small_count 2 cumulative", "small_count 3 cumulative",
                                "small_count 6 cumulative", "small_count 7 cumulative", "small_count 8 cumulative",
                                "unrounded 9 cumulative"}));
  }
}

// ---------------------------------------------------------------------------------------------
// 2. and 3. Deaths that are 0 or 1, or one small value

namespace {

// 20 ages (50..69) x sex F, M: record 2 * (age - 50) + 1 is F, the next M. `column` is 1 for
// the (age, sex) pairs in `ones`, else 0.
Strings age_sex_table(const std::string& column, const std::vector<std::pair<int, char>>& ones) {
  Strings lines = {"age,sex," + column};
  for (int age = 50; age < 70; ++age) {
    for (char sex : {'F', 'M'}) {
      const bool one = std::find(ones.begin(), ones.end(), std::pair(age, sex)) != ones.end();
      lines.push_back(std::to_string(age) + "," + sex + "," + (one ? "1" : "0"));
    }
  }
  return lines;
}

}  // namespace

TEST_CASE("roles: 0/1 death counts keyed by age and sex are counts", "[rules][roles]") {
  // Ones at (53, F) -> record 2*3+1 = 7, (56, M) -> 2*6+2 = 14, (61, F) -> 2*11+1 = 23,
  // (68, M) -> 2*18+2 = 38. Each 1 is a small count; 0 is not disclosive under opensafely.
  const std::vector<std::pair<int, char>> ones = {{53, 'F'}, {56, 'M'}, {61, 'F'}, {68, 'M'}};
  for (const std::string column : {"deaths", "died"}) {
    // `deaths` is a count word; `died` matches nothing: age and sex (identifiers) already identify
    // every row, so a 0/1 column beside them indexes nothing, and no 0 or 1 always goes with one
    // age or one sex (not a code): a count.
    INFO(column);
    Read r = read("opensafely", age_sex_table(column, ones));
    INFO(r.described);
    INFO(r.why(column));
    CHECK(r.role(column) == "count");
    CHECK(r.findings == sorted({"small_count 7 " + column, "small_count 14 " + column, "small_count 23 " + column,
                                "small_count 38 " + column}));
  }
}

TEST_CASE("roles: sex,deaths with 3 and 0", "[rules][roles]") {
  for (const std::string column : {"deaths", "died"}) {
    INFO(column);
    // F 3: small (record 1). M 0: not disclosive under opensafely; under sdc-handbook zeros are
    // disclosive, so record 2 as well.
    Read os = read("opensafely", {"sex," + column, "F,3", "M,0"});
    INFO(os.described);
    CHECK(os.role(column) == "count");
    CHECK(os.findings == Strings{"small_count 1 " + column});
    Read sdc = read("sdc-handbook", {"sex," + column, "F,3", "M,0"});
    CHECK(sdc.findings == sorted({"small_count 1 " + column, "small_count 2 " + column}));
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Negatives alone do not make a dimension

TEST_CASE("roles: a column with a negative value and no structure is a count", "[rules][roles]") {
  SECTION("region,change: -2, 3, 40, 12, 0, 25") {
    // One row per region: nothing to index. -2 is no count (no finding); 3 (record 2) is small;
    // 12 (record 4) is unrounded; 40, 0, 25 pass.
    Read r = read("opensafely", {"region,change", "north,-2", "south,3", "east,40", "west,12", "wales,0", "kent,25"});
    INFO(r.described);
    CHECK(r.role("change") == "count");
    CHECK_THAT(r.why("change"), Contains("negative"));
    CHECK(r.findings == sorted({"small_count 2 change", "unrounded 4 change"}));
  }
  SECTION("region,change: -1 .. 3, small codes by their range") {
    // Values -1, 0, 1, 2, 3, 10 look like small codes, but each region has one row, so they are
    // the code of nothing: 1, 2, 3 (records 3, 4, 5) are small counts.
    Read r = read("opensafely", {"region,change", "north,-1", "south,0", "east,1", "west,2", "wales,3", "kent,10"});
    INFO(r.described);
    CHECK(r.role("change") == "count");
    CHECK_THAT(r.why("change"), Contains("negative"));
    CHECK(r.findings == sorted({"small_count 3 change", "small_count 4 change", "small_count 5 change"}));
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Values that repeat within a category

TEST_CASE("roles: region,x where x repeats within a region is a count", "[rules][roles]") {
  // Three rows per region. north: 3, 3, 20; south: 5, 5, 12. With region, x does not identify the
  // rows (north,3 twice), no value goes with one region only (it is no code: north has 3 and 20),
  // and 3, 3 is no axis: a count. Small: 3 (records 1, 2), 5 (records 4, 5); 12 (record 6)
  // unrounded; 20 passes.
  Read r = read("opensafely", {"region,x", "north,3", "north,3", "north,20", "south,5", "south,5", "south,12"});
  INFO(r.described);
  INFO(r.why("x"));
  CHECK(r.role("x") == "count");
  CHECK(r.findings == sorted({"small_count 1 x", "small_count 2 x", "small_count 4 x", "small_count 5 x",
                              "unrounded 6 x"}));
}

TEST_CASE("roles: a per-region count repeated on every row of its region is a count", "[rules][roles]") {
  // policy.md: "a dimension must be structural: with the category columns it completes a key of
  // the table and its value set repeats across the blocks of the other keys, or it is a regular
  // axis within blocks"; weak evidence leaves a count. A column that is constant within each
  // region completes no key (region, or region and sex, already identify as much as it does) and
  // runs no axis, so it stays a count, its small values flagged. Nor is it the code of `region`:
  // a code column is one its label column is named after (`vax1_az` beside `vax1_az_descr`).
  SECTION("region,sex,x: a regional total beside each sex") {
    // north 3 on both rows (records 1, 2), south 40, east 5 (records 5, 6). Small: 1, 2, 5, 6.
    Read r = read("opensafely", {"region,sex,x", "north,F,3", "north,M,3", "south,F,40", "south,M,40", "east,F,5",
                                 "east,M,5"});
    INFO(r.described);
    INFO(r.why("x"));
    CHECK(r.role("x") == "count");
    CHECK(r.findings == sorted({"small_count 1 x", "small_count 2 x", "small_count 5 x", "small_count 6 x"}));
  }
  SECTION("region,x: the same count on several rows of its region") {
    // north 3 (records 1-3), south 40 (4-6), east 5 (7-9): small at 1, 2, 3, 7, 8, 9.
    Read r = read("opensafely", {"region,x", "north,3", "north,3", "north,3", "south,40", "south,40", "south,40",
                                 "east,5", "east,5", "east,5"});
    INFO(r.described);
    INFO(r.why("x"));
    CHECK(r.role("x") == "count");
    CHECK(r.findings == sorted({"small_count 1 x", "small_count 2 x", "small_count 3 x", "small_count 7 x",
                                "small_count 8 x", "small_count 9 x"}));
  }
  SECTION("region,sex,died: 0/1 deaths that happen to follow the region") {
    // Two regions by two sexes; both deaths are in north: region and sex identify the rows, `died`
    // completes nothing. 1 at records 1 and 2: small counts.
    Read r = read("opensafely", {"region,sex,died", "north,F,1", "north,M,1", "south,F,0", "south,M,0"});
    INFO(r.described);
    INFO(r.why("died"));
    CHECK(r.role("died") == "count");
    CHECK(r.findings == sorted({"small_count 1 died", "small_count 2 died"}));
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Twin 0/1 columns

TEST_CASE("roles: two identical 0/1 columns keyed by a category are both counts", "[rules][roles]") {
  // Two rows per region; a == b on every row. Either would complete the key region + a (north 0,
  // north 1, ...), but so would the other: neither can be told to be the index, both are counts.
  // 1s at records 2 (north), 4 (south), 5 (east) in both columns.
  Read r = read("opensafely", {"region,a,b", "north,0,0", "north,1,1", "south,0,0", "south,1,1", "east,1,1",
                               "east,0,0"});
  INFO(r.described);
  INFO("a: " << r.why("a") << "; b: " << r.why("b"));
  CHECK(r.role("a") == "count");
  CHECK(r.role("b") == "count");
  CHECK(r.findings == sorted({"small_count 2 a", "small_count 4 a", "small_count 5 a", "small_count 2 b",
                              "small_count 4 b", "small_count 5 b"}));
}

// ---------------------------------------------------------------------------------------------
// 7. A count word beats a duration suffix

TEST_CASE("roles: covid_death_28days is a count", "[rules][roles]") {
  // `death` is a count word (policy.md: "a count word beats a duration suffix"), though `_28days`
  // would make a duration. 2 (record 1) small; 8 (record 4) unrounded; 0, 15, 100 pass.
  Read r = read("opensafely", {"region,covid_death_28days", "north,2", "south,0", "east,15", "west,8", "wales,100"});
  INFO(r.described);
  CHECK(r.role("covid_death_28days") == "count");
  CHECK(r.why("covid_death_28days") == "header: count word");
  CHECK(r.findings == sorted({"small_count 1 covid_death_28days", "unrounded 4 covid_death_28days"}));
}

// ---------------------------------------------------------------------------------------------
// 8. and 12. Rounding to an accepted base, shown by the values

TEST_CASE("roles: multiples of 7 but one are not rounded to 7", "[rules][roles]") {
  // x: 7, 14, 21, 28, 35, 42, 12, 70, 0 (one row per region). Non-zero values 7..70 are eight
  // distinct values, but 12 is no multiple of 7 (nor are they all of 6 or 10): no accepted base,
  // the policy's base 5 applies. 7 (record 1) small; 14, 21, 28, 42 (records 2, 3, 4, 6) and 12
  // (record 7) unrounded; 35, 70, 0 pass.
  Read r = read("opensafely", {"region,x", "a,7", "b,14", "c,21", "d,28", "e,35", "f,42", "g,12", "h,70", "i,0"});
  INFO(r.described);
  INFO(r.why("x"));
  CHECK(r.role("x") == "count");
  CHECK(r.column("x").kind.base == 0);
  CHECK(r.findings == sorted({"small_count 1 x", "unrounded 2 x", "unrounded 3 x", "unrounded 4 x", "unrounded 6 x",
                              "unrounded 7 x"}));
}

TEST_CASE("roles: a column rounded to 7", "[rules][roles]") {
  // x: 7, 14, 21, 7, 28, 35, 42, 0: non-zero values 7, 14, 21, 28, 35, 42 are six distinct
  // multiples of 7 (not all of 5): rounded to the accepted base 7.
  const Strings lines = {"region,x", "a,7", "b,14", "c,21", "d,7", "e,28", "f,35", "g,42", "h,0"};
  SECTION("opensafely: 7 stands for up to 10, above the threshold 7; multiples of 7 are rounded") {
    Read r = read("opensafely", lines);
    INFO(r.described);
    CHECK(r.role("x") == "count");
    CHECK(r.column("x").kind.base == 7);
    CHECK_THAT(r.why("x"), Contains("multiples of 7"));
    CHECK(r.findings.empty());
  }
  SECTION("sdc-handbook: no accepted bases; 7 and 0 are small counts") {
    // Threshold 9, zeros disclosive: 7 (records 1, 4) and 0 (record 8).
    Read r = read("sdc-handbook", lines);
    INFO(r.described);
    CHECK(r.role("x") == "count");
    CHECK(r.column("x").kind.base == 0);
    CHECK(r.findings == sorted({"small_count 1 x", "small_count 4 x", "small_count 8 x"}));
  }
  SECTION("opensafely: four distinct multiples of 7 are not enough") {
    // 7, 14, 21, 28 (and 7 again): four distinct non-zero values, chance not ruled out; no other
    // count column to pool with. 7 (records 1, 4) small; 14, 21, 28 (records 2, 3, 5) unrounded.
    Read r = read("opensafely", {"region,x", "a,7", "b,14", "c,21", "d,7", "e,28"});
    INFO(r.described);
    CHECK(r.column("x").kind.base == 0);
    CHECK(r.findings == sorted({"small_count 1 x", "small_count 4 x", "unrounded 2 x", "unrounded 3 x",
                                "unrounded 5 x"}));
  }
}

TEST_CASE("roles: rounding to 7 shown by a table's count columns together", "[rules][roles]") {
  // One row per region. a: 7, 14, 0, 7 (two distinct non-zero values); b: 21, 28, 35, 7 (four):
  // neither shows a base alone, together they are five distinct multiples of 7: both rounded to 7.
  const Strings lines = {"region,a,b", "n,7,21", "s,14,28", "e,0,35", "w,7,7"};
  SECTION("opensafely: no findings") {
    Read r = read("opensafely", lines);
    INFO(r.described);
    CHECK(r.column("a").kind.base == 7);
    CHECK(r.column("b").kind.base == 7);
    CHECK(r.findings.empty());
  }
  SECTION("sdc-handbook: 7s and the 0 are small") {
    // a 7 (records 1, 4), a 0 (record 3), b 7 (record 4).
    Read r = read("sdc-handbook", lines);
    INFO(r.described);
    CHECK(r.findings == sorted({"small_count 1 a", "small_count 3 a", "small_count 4 a", "small_count 4 b"}));
  }
  SECTION("opensafely: a 3 among them rules the base out") {
    // a's 14 becomes 3: the pooled values 3, 7, 21, 28, 35 are not all multiples of 7 (nor of 6
    // or 10): the policy's base 5 applies. a: 7 (records 1, 4) and 3 (record 2) small; b: 21, 28
    // (records 1, 2) unrounded, 7 (record 4) small, 35 passes.
    Read r = read("opensafely", {"region,a,b", "n,7,21", "s,3,28", "e,0,35", "w,7,7"});
    INFO(r.described);
    CHECK(r.column("a").kind.base == 0);
    CHECK(r.column("b").kind.base == 0);
    CHECK(r.findings == sorted({"small_count 1 a", "small_count 2 a", "small_count 4 a", "unrounded 1 b",
                                "unrounded 2 b", "small_count 4 b"}));
  }
}

// ---------------------------------------------------------------------------------------------
// 9. and 11. Midpoint-6 by values

TEST_CASE("roles: a midpoint-6-looking column with one value that is not 6k-3 is a plain count", "[rules][roles]") {
  // x: 0, 3, 9, 15, 21, 27, 3, 40. 40 is not 6k-3 ((40 + 3) mod 6 = 1): not midpoint-6, so the
  // small-count rules apply: 3 (records 2, 7) small; 9, 21, 27 (records 3, 5, 6) unrounded;
  // 0, 15, 40 pass.
  Read r = read("opensafely", {"region,x", "a,0", "b,3", "c,9", "d,15", "e,21", "f,27", "g,3", "h,40"});
  INFO(r.described);
  INFO(r.why("x"));
  CHECK(r.role("x") == "count");
  CHECK_FALSE(r.column("x").kind.midpoint6);
  CHECK(r.findings == sorted({"small_count 2 x", "small_count 7 x", "unrounded 3 x", "unrounded 5 x",
                              "unrounded 6 x"}));
}

TEST_CASE("roles: a midpoint-6 column without the _midpoint6 suffix", "[rules][roles]") {
  // x: 0, 3, 9, 15, 21, 27, 3, 33: non-zero values 3, 9, 15, 21, 27, 33 are six distinct 6k-3.
  // Midpoint-6 rounding is the protection: 3 stands for 1..6, no small counts; every value is 0
  // or 6k-3, so nothing is unrounded either. The same under sdc-handbook (whose zeros would
  // otherwise be small counts).
  const Strings lines = {"region,x", "a,0", "b,3", "c,9", "d,15", "e,21", "f,27", "g,3", "h,33"};
  for (const std::string preset : {"opensafely", "sdc-handbook"}) {
    INFO(preset);
    Read r = read(preset, lines);
    INFO(r.described);
    CHECK(r.role("x") == "count_midpoint6");
    CHECK_THAT(r.why("x"), Contains("midpoint-6"));
    CHECK(r.findings.empty());
  }
  SECTION("five distinct values are needed") {
    // 3, 9, 15, 21: four distinct 6k-3 values could be chance: a plain count. 3 (records 1, 5)
    // small; 9, 21 (records 2, 4) unrounded; 15 passes.
    Read r = read("opensafely", {"region,x", "a,3", "b,9", "c,15", "d,21", "e,3"});
    INFO(r.described);
    CHECK(r.role("x") == "count");
    CHECK(r.findings == sorted({"small_count 1 x", "small_count 5 x", "unrounded 2 x", "unrounded 4 x"}));
  }
}

// ---------------------------------------------------------------------------------------------
// 10. Summary rows

TEST_CASE("roles: counts above a summary row of means stay counts", "[rules][roles]") {
  // Data rows a..d; the last row holds each column's mean: x (3+10+5+8)/4 = 6.5, y (10+0+0+2)/4
  // = 3, z (15+5+10+8)/4 = 9.5. Read with the mean row, 6.5 and 9.5 would make x and z measures;
  // the summary row is left out, so x, y, z are counts.
  // Data rows: x 3 (record 1), 5 (record 3) small, 8 (record 4) unrounded; y 2 (record 4) small;
  // z 5 (record 2) small, 8 (record 4) unrounded.
  // The mean row (record 5): 6.5 and 9.5 are no integers, no count rules; y's mean 3 is an integer
  // in a count column, and is flagged as a small count like any other cell (the rules run on every
  // row; a mean of 3 over four rows still bounds them).
  Read r = read("opensafely", {"arm,x,y,z", "a,3,10,15", "b,10,0,5", "c,5,0,10", "d,8,2,8", "mean,6.5,3,9.5"});
  INFO(r.described);
  CHECK(r.role("arm") == "category");
  CHECK(r.role("x") == "count");
  CHECK(r.role("y") == "count");
  CHECK(r.role("z") == "count");
  const Strings data_rows = {"small_count 1 x", "small_count 3 x", "unrounded 4 x", "small_count 4 y",
                             "small_count 2 z", "unrounded 4 z"};
  for (const std::string& f : data_rows) {
    INFO(f);
    CHECK(std::find(r.findings.begin(), r.findings.end(), f) != r.findings.end());
  }
  Strings all = data_rows;
  all.push_back("small_count 5 y");
  CHECK(r.findings == sorted(all));
}

// ---------------------------------------------------------------------------------------------
// 13. Structure that is a dimension

namespace {

// Groups a, b, c with `axis` 0..9 each (records 1-10, 11-20, 21-30); `count` = 10 + 5 * axis,
// except a 3 at (a, 3) = record 4, a 1 at (b, 7) = record 18, a 6 at (c, 0) = record 21 and a 12
// at (c, 9) = record 30.
Strings axis_table(const std::string& axis, const std::string& count) {
  Strings lines = {"group," + axis + "," + count};
  int record = 0;
  for (const char* g : {"a", "b", "c"}) {
    for (int t = 0; t < 10; ++t) {
      ++record;
      int n = 10 + 5 * t;
      if (record == 4) n = 3;
      if (record == 18) n = 1;
      if (record == 21) n = 6;
      if (record == 30) n = 12;
      lines.push_back(std::string(g) + "," + std::to_string(t) + "," + std::to_string(n));
    }
  }
  return lines;
}

const Strings kAxisFindings = {"small_count 4 ", "small_count 18 ", "small_count 21 ", "unrounded 30 "};

Strings with_column(const Strings& findings, const std::string& column) {
  Strings out;
  for (const std::string& f : findings) out.push_back(f + column);
  return sorted(out);
}

}  // namespace

TEST_CASE("roles: a time axis repeated in groups is a dimension, its counts flagged", "[rules][roles]") {
  SECTION("group,step,n: an unlabelled axis 0..9 in each group") {
    // `step` matches no header; within each group it runs 0, 1, ..., 9 (step 1, ten rows): a
    // regular axis, and with `group` it identifies the rows. Its 1..7 would otherwise be 21 small
    // counts. n: 3, 1, 6 small, 12 unrounded (see axis_table).
    Read r = read("opensafely", axis_table("step", "n"));
    INFO(r.described);
    INFO(r.why("step"));
    CHECK(r.role("step") == "dimension");
    CHECK(r.role("n") == "count");
    CHECK(r.in("step").empty());
    CHECK(r.findings == with_column(kAxisFindings, "n"));
  }
  SECTION("group,day,n: `day` is an identifier by its header") {
    Read r = read("opensafely", axis_table("day", "n"));
    INFO(r.described);
    CHECK(r.role("day") == "identifier");
    CHECK(r.findings == with_column(kAxisFindings, "n"));
  }
  SECTION("group,step,x: the counts unlabelled too") {
    // x takes the values of n. With the 3, 1, 6 and 12 in them the groups' value sets all differ
    // and no group runs regularly: x is a count beside the axis.
    Read r = read("opensafely", axis_table("step", "x"));
    INFO(r.described);
    INFO("step: " << r.why("step") << "; x: " << r.why("x"));
    CHECK(r.role("step") == "dimension");
    CHECK(r.role("x") == "count");
    CHECK(r.findings == with_column(kAxisFindings, "x"));
  }
}

TEST_CASE("roles: model numbers by header are a dimension", "[rules][roles]") {
  // `model` is a dimension word: 0..3 are model numbers, not small counts. n: 3 (record 2) and
  // 7 (record 6) small; 25, 40, 10, 15, 20, 30 pass.
  Read r = read("opensafely", {"model,sex,n", "0,F,25", "0,M,3", "1,F,40", "1,M,10", "2,F,15", "2,M,7", "3,F,20",
                               "3,M,30"});
  INFO(r.described);
  CHECK(r.role("model") == "dimension");
  CHECK(r.findings == sorted({"small_count 2 n", "small_count 6 n"}));
}

TEST_CASE("roles: category codes of a risk table are a dimension", "[rules][roles]") {
  // rf (text: a category) names the risk factor; rfcat its level, 0..2 for bmi and 0..1 for
  // smoking; sex 0/1 and age 1..3 (identifiers by header); risk a decimal (a measure). rf, sex and
  // age leave each (rf, sex, age) block with one row per rfcat; rfcat completes the key and every
  // bmi block holds {0, 1, 2}, every smoking block {0, 1}: a dimension. Nothing is a count; the
  // 1s and 2s of rfcat (and of sex and age) are no small counts.
  Strings lines = {"rf,rfcat,sex,age,risk"};
  for (const auto& [rf, levels] : std::vector<std::pair<std::string, int>>{{"bmi", 3}, {"smoking", 2}}) {
    for (int cat = 0; cat < levels; ++cat) {
      for (int sex = 0; sex < 2; ++sex) {
        for (int age = 1; age <= 3; ++age) {
          lines.push_back(rf + "," + std::to_string(cat) + "," + std::to_string(sex) + "," + std::to_string(age) + ",0." +
                          std::to_string(10 + cat * 7 + sex * 3 + age));
        }
      }
    }
  }
  REQUIRE(lines.size() == 31);
  Read r = read("opensafely", lines);
  INFO(r.described);
  INFO(r.why("rfcat"));
  CHECK(r.role("rf") == "category");
  CHECK(r.role("rfcat") == "dimension");
  CHECK(r.role("sex") == "identifier");
  CHECK(r.role("age") == "identifier");
  CHECK(r.role("risk") == "measure");
  CHECK(r.findings.empty());
}

// ---------------------------------------------------------------------------------------------
// 14. Tables longer than the rows roles are read on

TEST_CASE("roles: a table longer than 5,000 rows keeps the roles of its first 5,000", "[rules][roles]") {
  // 6,000 records, one area each. n = 10 * (1 + r % 9): multiples of 10, a count by header;
  // x = 7 * (1 + r % 8): 7..56, eight distinct multiples of 7 (35 also of 5, the others not): a
  // count rounded to 7. After the first 5,000 rows: x 3 at record 5,500 (small: 3 stands for no
  // more than 3, whatever the base) and x 12 at record 5,600 (no multiple of 7: unrounded);
  // n 12 at record 5,200 (unrounded) and n 3 at record 6,000 (small).
  Strings lines = {"area,n,x"};
  for (int r = 1; r <= 6000; ++r) {
    int n = 10 * (1 + r % 9), x = 7 * (1 + r % 8);
    if (r == 5500) x = 3;
    if (r == 5600) x = 12;
    if (r == 5200) n = 12;
    if (r == 6000) n = 3;
    lines.push_back("p" + std::to_string(r) + "," + std::to_string(n) + "," + std::to_string(x));
  }
  Read r = read("opensafely", lines);
  INFO(r.described);
  CHECK(r.read_on_rows == 5000);
  CHECK(r.role("n") == "count");
  CHECK(r.role("x") == "count");
  CHECK(r.column("x").kind.base == 7);
  CHECK(r.findings == sorted({"unrounded 5200 n", "small_count 5500 x", "unrounded 5600 x", "small_count 6000 n"}));
}

TEST_CASE("roles: a midpoint-6 column read on the first 5,000 rows, checked on all", "[rules][roles]") {
  // 6,000 records; x cycles 0, 3, 9, 15, 21, 27 (five distinct 6k-3): midpoint-6. After row
  // 5,000 the role stands: 10 at record 5,500 is not 0 or 6k-3 (unrounded), 3 at record 5,800 is
  // no small count.
  Strings lines = {"area,x"};
  const int cycle[] = {0, 3, 9, 15, 21, 27};
  for (int r = 1; r <= 6000; ++r) {
    int x = cycle[r % 6];
    if (r == 5500) x = 10;
    if (r == 5800) x = 3;
    lines.push_back("p" + std::to_string(r) + "," + std::to_string(x));
  }
  Read r = read("opensafely", lines);
  INFO(r.described);
  CHECK(r.read_on_rows == 5000);
  CHECK(r.role("x") == "count_midpoint6");
  CHECK(r.findings == Strings{"unrounded 5500 x"});
}

TEST_CASE("roles: a table of 5,000 rows or fewer says nothing of a partial read", "[rules][roles]") {
  Read r = read("opensafely", {"region,n", "a,10", "b,20"});
  CHECK(r.read_on_rows == 0);
}

// ---------------------------------------------------------------------------------------------
// Evidence

TEST_CASE("roles: every column of every kind says why it has its role", "[rules][roles]") {
  // read() checks that each `why` is non-empty; this table has a column of every kind the reader
  // tells apart: a pandas index, identifier, count word, rate, unsafe statistic, measure word,
  // decimals, text, an all-redacted column, an empty column, plain integers, negatives and a
  // midpoint-6 column by header.
  Read r = read("opensafely", {",region,num,value,max,lower_ci,score,label,hidden,blank,widgets,change,n_midpoint6",
                               "0,north,10,1.5,40,0.1,2.5,x,[REDACTED],,20,-3,3",
                               "1,south,20,2.5,40,0.2,3.5,y,[REDACTED],,30,5,9"});
  INFO(r.described);
  CHECK(r.role("") == "category");
  CHECK(r.role("region") == "identifier");
  CHECK(r.role("num") == "count");
  CHECK(r.role("value") == "rate");
  CHECK(r.role("max") == "unsafe_statistic");
  CHECK(r.role("lower_ci") == "measure");
  CHECK(r.role("score") == "measure");
  CHECK(r.role("label") == "identifier");
  CHECK(r.role("hidden") == "count");
  CHECK(r.role("blank") == "category");
  CHECK(r.role("widgets") == "count");
  CHECK(r.role("change") == "count");
  CHECK(r.role("n_midpoint6") == "count_midpoint6");
  for (const ColumnRole& c : r.roles) {
    INFO(c.name);
    CHECK(!c.why.empty());
  }
}

TEST_CASE("roles: two small counts that repeat over a few blocks stay counts", "[rules][roles]") {
  // region does not identify the rows; x completes the key, and {3, 5} is every region's set. Two
  // values shared by three blocks is what two small counts can do by chance: weak evidence, so x
  // stays a count. 3 and 5 are small on every row (records 1-6).
  Read r = read("opensafely", {"region,x", "north,3", "north,5", "south,5", "south,3", "east,3", "east,5"});
  INFO(r.described);
  CHECK(r.role("x") == "count");
  CHECK(r.findings == sorted({"small_count 1 x", "small_count 2 x", "small_count 3 x", "small_count 4 x",
                              "small_count 5 x", "small_count 6 x"}));
  // The same shape over four blocks or more is a flag that indexes the rows (0 and 1 in every
  // region, the counts beside it): a dimension.
  Read flags = read("opensafely", {"region,flag01,n", "a,0,10", "a,1,20", "b,0,30", "b,1,40", "c,0,50", "c,1,60",
                                   "d,0,70", "d,1,80"});
  INFO(flags.described);
  CHECK(flags.role("flag01") == "dimension");
  CHECK(flags.findings.empty());
}

TEST_CASE("roles: a code column beside the label named after it is a dimension", "[rules][roles]") {
  // vax1_az (0/1) matches vax1_az_descr one to one, each value on several rows: the label column is
  // named after it, so vax1_az is its code. haz holds decimals: a measure. Nothing is flagged.
  Read r = read("opensafely", {"outcome,vax1_az,vax1_az_descr,haz", "a,0,BNT162b2,0.1", "a,1,ChAdOx1,0.2",
                               "b,0,BNT162b2,0.3", "b,1,ChAdOx1,0.4"});
  INFO(r.described);
  CHECK(r.role("vax1_az") == "dimension");
  CHECK(r.findings.empty());
}

TEST_CASE("roles: a column of SNOMED CT concept ids is codes, not counts", "[rules][roles]") {
  // A codelist's prevalence by age and sex, as primis-codelist-prevalence released it: the third
  // column holds the codes (named after the codelist), the rate is the measure. Every code ends in a
  // partition (00, or 10 for the UK extension's 1092561000000107) and a check digit.
  Read r = read("opensafely", {"ageband,sex,carehome,rate_per_1000", "16-39,F,158942005,0.0", "16-39,F,158943000,0.0",
                               "16-39,F,1092561000000107,0.8", "16-39,M,158942005,0.1", "16-39,M,158943000,0.0",
                               "16-39,M,1092561000000107,0.4"});
  INFO(r.described);
  CHECK(r.role("carehome") == "identifier");
  CHECK(r.why("carehome") ==
        "values: SNOMED CT concept ids (6 to 18 digits, partition 00 or 10): codes, not counts");
  CHECK(r.findings.empty());
}

TEST_CASE("roles: large counts that are not all SNOMED-shaped, or only two values, stay counts", "[rules][roles]") {
  // A header that says nothing, so the values decide. 1234567 has 56 where a concept id has its
  // partition: the column is counts (unrounded: records 1 and 3; 3000000 and 5000000 are multiples
  // of 5).
  Read counts = read("opensafely", {"region,v", "north,1234567", "south,3000000", "east,7654007", "west,5000000"});
  INFO(counts.described);
  CHECK(counts.role("v") == "count");
  CHECK(counts.findings == sorted({"unrounded 1 v", "unrounded 3 v"}));
  // Two values that happen to have a partition's shape are weak evidence (odds of 1 in 2,500 for
  // two unrounded counts): still counts. 7654007 and 2345004 are unrounded (records 1 to 4).
  Read two = read("opensafely", {"region,sex,v", "north,F,7654007", "north,M,2345004", "south,F,2345004",
                                 "south,M,7654007"});
  INFO(two.described);
  CHECK(two.role("v") == "count");
  CHECK(two.findings == sorted({"unrounded 1 v", "unrounded 2 v", "unrounded 3 v", "unrounded 4 v"}));
  // Counts of 6 digits or more rounded to 1,000 have a concept id's shape; with a redacted cell
  // they are no codes, and the total gives the redacted count back: 15,000,000 less 1, 2, 4 and 5
  // million is 3,000,000 (record 3).
  Read redacted = read("opensafely", {"group,v", "a,1000000", "b,2000000", "c,[REDACTED]", "d,4000000", "e,5000000",
                                      "Total,15000000"});
  INFO(redacted.described);
  CHECK(redacted.role("v") == "count");
  CHECK(redacted.findings == Strings{"secondary_disclosure 3 v"});
}
