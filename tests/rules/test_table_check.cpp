// TableCheck on small in-memory tables: every finding's rule, outcome, row and column, worked by
// hand from policy.md (thresholds, rounding, column roles, totals) and the presets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/policy.h"
#include "rules/table_check.h"
#include "tests/support/finding_text.h"
#include "tests/support/packed_rows.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;
using outcheck::test::PackedRows;

namespace {

using Strings = std::vector<std::string>;

using outcheck::test::split_fields;

// The first line is the header; the others are data records 1, 2, ...
FindingList run(const std::string& preset, const Strings& lines, std::size_t cap = 100) {
  return outcheck::test::run_table_lines(preset, lines, cap).findings;
}

// "rule outcome row column", "-" for an absent row or column; sorted, so order does not matter.
Strings summary(const FindingList& list) {
  Strings out;
  for (const Finding& f : list.kept()) {
    out.push_back(f.rule + " " + outcome_name(f.outcome) + " " + (f.row ? std::to_string(*f.row) : "-") + " " +
                  (f.column ? *f.column : "-"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Strings sorted(Strings s) {
  std::sort(s.begin(), s.end());
  return s;
}

Strings check(const std::string& preset, const Strings& lines) { return summary(run(preset, lines)); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// small_count and unrounded

TEST_CASE("table: small_count at the opensafely boundary", "[rules]") {
  // threshold 7, zeros not disclosive, base 5.
  // 7 <= 7: small. 8 > 7 but 8 mod 5 = 3: unrounded. 0: neither (0 mod 5 = 0). 10: passes.
  // 6 and 1: small. Markers are never counts.
  Strings lines = {"code,num", "a,7", "b,8", "c,0", "d,10", "e,[REDACTED]", "f,<=7", "g,6", "h,1", "i,redacted",
                   "j,NA", "k,", "l,*"};
  CHECK(check("opensafely", lines) == sorted({"small_count fail 1 num", "unrounded fail 2 num",
                                              "small_count fail 7 num", "small_count fail 8 num"}));
}

TEST_CASE("table: small_count under sdc-handbook counts zeros and goes up to 9", "[rules]") {
  // threshold 9, zeros disclosive, no rounding rule (base 1).
  // 0 and 9: small. 10, 11, 24: pass (11 and 24 are not multiples of 5, but there is no rule).
  Strings lines = {"code,num", "a,0", "b,9", "c,10", "d,11", "e,24", "f,[REDACTED]", "g,<=9", "h,"};
  CHECK(check("sdc-handbook", lines) == sorted({"small_count fail 1 num", "small_count fail 2 num"}));
}

TEST_CASE("table: the finding carries the cell text", "[rules]") {
  FindingList out = run("opensafely", {"code,num", "a, 7 "});
  REQUIRE(out.kept().size() == 1);
  CHECK(out.kept()[0].value == std::optional<std::string>(" 7 "));
  CHECK(out.worst() == Outcome::fail);
}

TEST_CASE("table: a count written with leading zeros is judged by its value", "[rules]") {
  // 007 is 7 (small), 0012 is 12 (unrounded), 010 and 0 are rounded; 00 is zero (disclosive
  // only under sdc-handbook, which has no rounding rule); 12345678 and 123456789 are long counts.
  Strings lines = {"code,num", "a,007", "b,0012", "c,010", "d,0", "e,00", "f,12345678", "g,123456789", "h,000000003"};
  CHECK(check("opensafely", lines) == sorted({"small_count fail 1 num", "unrounded fail 2 num", "unrounded fail 6 num",
                                              "unrounded fail 7 num", "small_count fail 8 num"}));
  CHECK(check("sdc-handbook", lines) == sorted({"small_count fail 1 num", "small_count fail 4 num",
                                                "small_count fail 5 num", "small_count fail 8 num"}));
}

TEST_CASE("table: padding around a count hides nothing", "[rules]") {
  // Every cell is 3 (small) or 12 (unrounded) with spaces or tabs before, after or both, or as
  // "3.0" with trailing space: all are counts, each fails at its row.
  Strings lines = {"code,num", "a,3 ", "b, 3", "c, 3 ", "d,3\t", "e,\t3", "f,12  ", "g,3.0 ", "h,12.0\t", "i,15 "};
  CHECK(check("opensafely", lines) == sorted({"small_count fail 1 num", "small_count fail 2 num", "small_count fail 3 num",
                                              "small_count fail 4 num", "small_count fail 5 num", "unrounded fail 6 num",
                                              "small_count fail 7 num", "unrounded fail 8 num"}));
}

TEST_CASE("table: midpoint-6 columns are exempt from small_count, not from their rounding", "[rules]") {
  // n_midpoint6: 0 or 6k-3. 3 = 6-3 ok; 4: (4+3) mod 6 = 1, not; 0 ok; 9 = 12-3 ok.
  // x_midpoint6_derived (unclassified header, all integers: a count): multiples of 6.
  // 6 ok; 9 mod 6 = 3, not; 0 ok; 12 ok.
  Strings lines = {"group,n_midpoint6,x_midpoint6_derived", "a,3,6", "b,4,9", "c,0,0", "d,9,12"};
  Strings expected = sorted({"unrounded fail 2 n_midpoint6", "unrounded fail 2 x_midpoint6_derived"});
  CHECK(check("opensafely", lines) == expected);
  // Under sdc-handbook 0, 3, 6 and 9 would be small counts elsewhere; here they are not.
  CHECK(check("sdc-handbook", lines) == expected);
}

TEST_CASE("table: unrounded under opensafely, no rounding rule under sdc-handbook", "[rules]") {
  // 24 mod 5 = 4: unrounded; 25 ok; 13 mod 5 = 3: unrounded; 1000 ok.
  Strings lines = {"code,num", "a,24", "b,25", "c,13", "d,1000"};
  CHECK(check("opensafely", lines) == sorted({"unrounded fail 1 num", "unrounded fail 3 num"}));
  CHECK(check("sdc-handbook", lines).empty());
}

// ---------------------------------------------------------------------------------------------
// Column roles decided by values

TEST_CASE("table: an unclassified header with integer values is a count", "[rules]") {
  // `widgets` matches no header pattern; 3, 20, [REDACTED] are integers and a marker: a count.
  // 3: small; 20: ok.
  CHECK(check("opensafely", {"region,widgets", "a,3", "b,20", "c,[REDACTED]"}) ==
        Strings{"small_count fail 1 widgets"});
}

TEST_CASE("table: an unclassified header with decimals is a measure: no count checks", "[rules]") {
  // 3 would be a small count and 13 unrounded, but 2.5 makes the column a measure.
  CHECK(check("opensafely", {"region,score", "a,3", "b,2.5", "c,13"}).empty());
}

TEST_CASE("table: an unclassified header with text is a category", "[rules]") {
  CHECK(check("opensafely", {"region,widgets", "a,3", "b,abc", "c,13"}).empty());
}

TEST_CASE("table: a pandas index column (empty first header) is a category even if numeric", "[rules]") {
  // The index 1, 2, 3 would be small counts in a count column; `count` 40, 50, 60 are fine.
  CHECK(check("opensafely", {",count", "1,40", "2,50", "3,60"}).empty());
  // The same values under a header that is not empty (`idx` matches nothing): a count.
  CHECK(check("opensafely", {"idx,count", "1,40", "2,50", "3,60"}) ==
        sorted({"small_count fail 1 idx", "small_count fail 2 idx", "small_count fail 3 idx"}));
}

// ---------------------------------------------------------------------------------------------
// derived_from_small_count

TEST_CASE("table: rates derived from small counts", "[rules]") {
  // `value` is a rate. Row 1: num 3 is small, so value 1.5 (= 3 / 2000 * 1000) is derived from it.
  // Row 2: num redacted, list_size 2000 published, value 1.5: num = 1.5 * 2000 / 1000 = 3 comes back.
  // Row 3: num 40 (ok, a multiple of 5), value 20.0: fine.
  // Row 4: both counts redacted: nothing to compute back from.
  Strings lines = {"num,list_size,value", "3,2000,1.5", "[REDACTED],2000,1.5", "40,2000,20.0",
                   "[REDACTED],[REDACTED],1.5"};
  CHECK(check("opensafely", lines) == sorted({"small_count fail 1 num", "derived_from_small_count fail 1 value",
                                              "derived_from_small_count fail 2 value"}));
}

// ---------------------------------------------------------------------------------------------
// secondary_disclosure

TEST_CASE("table: long table with a total row and one redacted cell", "[rules]") {
  // 40 + x + 25 = 80 -> x = 15, not 0: the redaction is undone at record 2, column `count`.
  CHECK(check("opensafely", {"category,count", "a,40", "b,[REDACTED]", "c,25", "total,80"}) ==
        Strings{"secondary_disclosure fail 2 count"});
  // 65 = 40 + 25: the total leaves the redacted cell out (residual 0).
  CHECK(check("opensafely", {"category,count", "a,40", "b,[REDACTED]", "c,25", "total,65"}).empty());
}

TEST_CASE("table: wide crosstab with a total column", "[rules]") {
  // Row 1: 10 + x + 20 = 45 -> x = 15: exposed at record 1, column b.
  CHECK(check("opensafely", {"region,a,b,c,total", "north,10,[REDACTED],20,45", "south,10,15,20,45"}) ==
        Strings{"secondary_disclosure fail 1 b"});
  // Two redacted cells in one row, row totals only: 10 + x + y = 45 has no single solution.
  CHECK(check("opensafely", {"region,a,b,c,total", "north,10,[REDACTED],[REDACTED],45", "south,10,15,20,45"})
            .empty());
}

TEST_CASE("table: 2-D table with both margins, a path of redacted cells", "[rules]") {
  // True body           Published                          residuals
  //   10  15  30 |  55   x: R  R  30 |  55                   row x: 55 - 30 = 25
  //    5  20  25 |  50   y: R  20 25 |  50                   row y: 50 - 20 - 25 = 5
  //   35  40  45 | 120   z: 35 40 45 | 120                   row z: 0
  //   50  75 100 | 225   total: 50 75 100 | 225              col a: 50 - 35 = 15, col b: 75 - 60 = 15
  // Edges (x,a), (x,b), (y,a) form the path b - x - a - y: every one a bridge.
  // (x,a) = row x - col b = 25 - 15 = 10; (x,b) = row x - col a + row y = 25 - 15 + 5 = 15;
  // (y,a) = row y = 5. All non-zero: records 1 (a, b) and 2 (a).
  Strings lines = {"group,a,b,c,total", "x,[REDACTED],[REDACTED],30,55", "y,[REDACTED],20,25,50",
                   "z,35,40,45,120", "total,50,75,100,225"};
  CHECK(check("opensafely", lines) == sorted({"secondary_disclosure fail 1 a", "secondary_disclosure fail 1 b",
                                              "secondary_disclosure fail 2 a"}));
}

TEST_CASE("table: 2-D table with both margins, a cycle of redacted cells", "[rules]") {
  // The same totals with (x,a), (x,b), (y,a), (y,b) redacted: the rectangle x - a - y - b - x is a
  // cycle, no edge is a bridge; adding d to (x,a) and (y,b) and subtracting it from (x,b) and (y,a)
  // keeps every total, so no cell can be solved.
  Strings lines = {"group,a,b,c,total", "x,[REDACTED],[REDACTED],30,55", "y,[REDACTED],[REDACTED],25,50",
                   "z,35,40,45,120", "total,50,75,100,225"};
  CHECK(check("opensafely", lines).empty());
}

// ---------------------------------------------------------------------------------------------
// unsafe_statistic and identifier_value

TEST_CASE("table: unsafe_statistic is fail under opensafely, review under sdc-handbook", "[rules]") {
  // A column-level finding; the values are not counts (3 is no small_count here).
  Strings lines = {"group,max", "a,3", "b,40"};
  FindingList os = run("opensafely", lines);
  CHECK(summary(os) == Strings{"unsafe_statistic fail - max"});
  CHECK(os.worst() == Outcome::fail);
  FindingList sdc = run("sdc-handbook", lines);
  CHECK(summary(sdc) == Strings{"unsafe_statistic review - max"});
  CHECK(sdc.worst() == Outcome::review);
}

TEST_CASE("table: a patient identifier header blocks the column", "[rules]") {
  CHECK(check("opensafely", {"Patient ID,num", "17,40"}) == Strings{"patient_id blocked - Patient ID"});
}

TEST_CASE("table: a column of valid NHS numbers is blocked column-level", "[rules]") {
  // 9434765919, 4010232137, 9434765900 are valid (see test_cell_value.cpp): 3 of 3 values. The
  // column is identifiers, not counts (9434765919 would otherwise be unrounded).
  CHECK(check("opensafely", {"group,ref", "a,9434765919", "b,4010232137", "c,9434765900"}) ==
        Strings{"identifier_value blocked - ref"});
}

TEST_CASE("table: one NHS number among other text fails at that cell", "[rules]") {
  // 1 of 4 values: isolated, so a cell finding at record 2.
  CHECK(check("opensafely", {"group,note", "a,hello", "b,943 476 5919", "c,world", "d,foo"}) ==
        Strings{"identifier_value fail 2 note"});
}

TEST_CASE("table: an NHS-valid value in a code column is a code", "[rules]") {
  // `code` is an identifier header: codes may be any 10 digits. 1 of 3 values: not mostly identifiers.
  CHECK(check("opensafely", {"code,num", "9434765919,40", "12345678,50", "22222222,60"}).empty());
}

// ---------------------------------------------------------------------------------------------
// caps

TEST_CASE("table: findings are capped per rule but all counted", "[rules]") {
  // Ten small counts in `num`; cap 2 keeps records 1 and 2.
  Strings lines = {"code,num", "a,1", "b,2", "c,3", "d,4", "e,5", "f,6", "g,7", "h,1", "i,2", "j,3"};
  FindingList out = run("opensafely", lines, 2);
  CHECK(summary(out) == Strings{"small_count fail 1 num", "small_count fail 2 num"});
  CHECK(out.counts().at("small_count") == 10);
  CHECK(out.counts().size() == 1);
}

TEST_CASE("table: caps hold for a column whose role is decided at the end", "[rules]") {
  // `widgets` is unclassified: its findings wait for its role. Eight small counts, then 13 (unrounded).
  Strings lines = {"region,widgets", "a,1", "b,2", "c,3", "d,4", "e,5", "f,6", "g,7", "h,1", "i,13"};
  FindingList out = run("opensafely", lines, 2);
  CHECK(summary(out) == sorted({"small_count fail 1 widgets", "small_count fail 2 widgets",
                                "unrounded fail 9 widgets"}));
  CHECK(out.counts().at("small_count") == 8);
  CHECK(out.counts().at("unrounded") == 1);
}

TEST_CASE("table: a rate is derived from a small count even when an unclassified column comes first", "[rules]") {
  // `score` matches no header; 2.5 in record 2 makes it a measure, so its 3 in record 1 is no count.
  // `num` 3 in record 1 is a small count, and `value` 1.5 there is derived from it.
  CHECK(check("opensafely", {"score,num,value", "3,3,1.5", "2.5,40,20.0"}) ==
        sorted({"small_count fail 1 num", "derived_from_small_count fail 1 value"}));
  // Record 1: `num` redacted, `list_size` 2000 published (score 40 is a measure, not a count):
  // num = 1.5 * 2000 / 1000 = 3 comes back.
  CHECK(check("opensafely", {"score,num,list_size,value", "40,[REDACTED],2000,1.5", "2.5,40,2000,20.0"}) ==
        Strings{"derived_from_small_count fail 1 value"});
}

// ---------------------------------------------------------------------------------------------
// records(): a batch read column by column


TEST_CASE("table: records in batches find exactly what one record at a time finds", "[rules]") {
  // Random tables of every column role the per-cell rules treat differently, with cells of every
  // kind (small, unrounded, rounded, midpoint-6, decimals, markers, NHS numbers, padding, text) and
  // some ragged rows, so the column-by-column batch meets all it has to hold and derive.
  const Strings headers = {"",      "num",          "value",        "rate_percent", "list_size", "x",
                           "code",  "n_midpoint6",  "d_midpoint6_derived", "age_band", "label", "other"};
  const Strings cells = {"0",  "1",    "3",     "7",     "8",   "10",    "12",   "15",   "23",    "100",  "1234567",
                         "123456789012", "2.5", "0.25", "12.0", "1e3", "-4", " 5 ", "3\t", "[REDACTED]", "*",
                         "<=7", "",     "NA",   "943 476 5919", "9434765919", "2019-01-08", "a", "  ", "+6"};
  std::mt19937 rng(20261125);
  auto pick = [&](const Strings& from) { return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)]; };
  for (int round = 0; round < 300; ++round) {
    const std::string preset = round % 3 == 2 ? "sdc-handbook" : "opensafely";
    auto p = preset_policy(preset);
    REQUIRE(p);
    if (round % 5 == 4) p->identifier_value_patterns = {"^A[0-9]{3}$"};
    auto compiled = CompiledPolicy::compile(*p);
    REQUIRE(compiled.ok());
    const std::size_t cap = round % 4 == 0 ? 2 : 100;
    const std::size_t width = std::uniform_int_distribution<std::size_t>(1, 6)(rng);
    Strings header;
    for (std::size_t c = 0; c < width; ++c) header.push_back(pick(headers) + (c ? std::to_string(c) : ""));
    // Mostly the header's width; now and then a short or long row.
    std::vector<Strings> rows(std::uniform_int_distribution<std::size_t>(0, 120)(rng));
    for (auto& row : rows) {
      std::size_t n = width;
      if (std::uniform_int_distribution<int>(0, 19)(rng) == 0) n = std::uniform_int_distribution<std::size_t>(1, 8)(rng);
      for (std::size_t c = 0; c < n; ++c) row.push_back(round % 7 == 6 && c == 0 ? "A123" : pick(cells));
    }
    std::vector<std::string_view> header_views(header.begin(), header.end());

    TableCheck one(*compiled, cap);
    one.header(header_views);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::vector<std::string_view> v(rows[r].begin(), rows[r].end());
      one.record(static_cast<std::int64_t>(r + 1), v);
    }
    FindingList want(cap);
    one.finish(want);

    TableCheck batched(*compiled, cap);
    batched.header(header_views);
    for (std::size_t from = 0; from < rows.size();) {
      // A batch holds records of one width (as the reader's do): up to 40 records, ending before
      // a record of another width, which then starts the next batch.
      const std::size_t width = rows[from].size();
      std::size_t n = 1;
      const std::size_t most = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
      while (n < most && from + n < rows.size() && rows[from + n].size() == width) ++n;
      const PackedRows packed{std::span(rows).subspan(from, n)};
      batched.records(packed.records(static_cast<std::int64_t>(from + 1)));
      from += n;
    }
    FindingList got(cap);
    batched.finish(got);
    INFO("round " << round << " (" << preset << "), " << header.size() << " columns, " << rows.size() << " rows");
    REQUIRE(outcheck::test::describe_findings(got) == outcheck::test::describe_findings(want));
  }
}

TEST_CASE("table: findings past the cap are counted exactly, in batches of any size", "[rules]") {
  // Most counts of a raw table are unrounded and some small: past the cap the column loop only
  // counts them. The totals are worked out here from the values themselves (opensafely: small is
  // 1..7, unrounded a larger count that is not a multiple of 5), not by running the rules again.
  auto p = preset_policy("opensafely");
  REQUIRE(p);
  auto compiled = CompiledPolicy::compile(*p);
  REQUIRE(compiled.ok());
  std::mt19937 rng(2026112502);
  const std::size_t rows = 20'000;
  std::vector<Strings> table;
  std::int64_t small = 0, unrounded = 0, derived = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    Strings row = {std::to_string(r % 97)};
    bool row_small = false, row_redacted = false, row_published = false;
    for (int c = 0; c < 2; ++c) {
      const int n = std::uniform_int_distribution<int>(0, 300)(rng);
      if (n == 300) {
        row.push_back("[REDACTED]");
        row_redacted = true;
        continue;
      }
      row.push_back(std::to_string(n));
      if (n >= 1 && n <= 7) {
        ++small;
        row_small = true;
      } else {
        row_published = true;
        if (n > 7 && n % 5 != 0) ++unrounded;
      }
    }
    row.push_back("2.5");
    // The rate is derived from a small count on its row, or gives back a redacted count with the
    // published one beside it.
    derived += row_small || (row_redacted && row_published);
    table.push_back(row);
  }
  const Strings header = {"practice", "num", "list_size", "value"};
  std::vector<std::string_view> header_views(header.begin(), header.end());
  for (const std::size_t cap : {std::size_t{1}, std::size_t{3}, std::size_t{100}}) {
    TableCheck check(*compiled, cap);
    check.header(header_views);
    for (std::size_t from = 0; from < rows;) {
      const std::size_t n = std::min(rows - from, std::uniform_int_distribution<std::size_t>(1, 600)(rng));
      const PackedRows packed{std::span(table).subspan(from, n)};
      check.records(packed.records(static_cast<std::int64_t>(from + 1)));
      from += n;
    }
    FindingList out(cap);
    check.finish(out);
    INFO("cap " << cap);
    CHECK(out.counts().at("small_count") == small);
    CHECK(out.counts().at("unrounded") == unrounded);
    CHECK(out.counts().at("derived_from_small_count") == derived);
    std::map<std::string, std::size_t> kept;
    for (const Finding& f : out.kept()) ++kept[f.rule];
    CHECK(kept["small_count"] == cap);
    CHECK(kept["unrounded"] == cap);
  }
}
