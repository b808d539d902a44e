// find_exposures on hand-built grids. Each redacted cell is an edge between its row and its column;
// a bridge of that graph can be solved for from the lines' residuals (total minus published cells).
// Every expected value is worked by hand in the comments, from the true values the totals hold.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "rules/policy.h"
#include "rules/secondary.h"
#include "rules/secondary_rule.h"
#include "rules/secondary_stream.h"
#include "rules/table_check.h"
#include "tests/support/finding_text.h"
#include "tests/support/packed_rows.h"
#include "tests/support/policies.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;
using outcheck::test::PackedRows;

namespace {

constexpr std::int64_t R = -1;  // redacted
constexpr std::int64_t U = -2;  // unknown (text)

// Rows of values; R and U mark redacted and unknown cells.
Grid grid(const std::vector<std::vector<std::int64_t>>& cells, std::vector<std::optional<std::int64_t>> row_totals,
          std::vector<std::optional<std::int64_t>> col_totals) {
  const int rows = static_cast<int>(cells.size());
  const int cols = rows == 0 ? 0 : static_cast<int>(cells[0].size());
  Grid g(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      std::int64_t v = cells[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
      auto at = g.at(r, c);
      if (v == R) g.state[at] = Grid::State::redacted;
      else if (v == U) g.state[at] = Grid::State::unknown;
      else g.value[at] = v;
    }
  }
  if (!row_totals.empty()) g.row_total = std::move(row_totals);
  if (!col_totals.empty()) g.col_total = std::move(col_totals);
  REQUIRE(static_cast<int>(g.row_total.size()) == rows);
  REQUIRE(static_cast<int>(g.col_total.size()) == cols);
  return g;
}

// "row,col=value via row|col", in the order find_exposures gives them.
std::vector<std::string> exposures(const Grid& g) {
  std::vector<std::string> out;
  for (const Exposure& e : find_exposures(g)) {
    std::ostringstream s;
    s << e.row << "," << e.col << "=" << e.value << (e.via_row ? " via row" : " via col");
    out.push_back(s.str());
  }
  return out;
}

using Strings = std::vector<std::string>;
constexpr std::nullopt_t none = std::nullopt;

}  // namespace

TEST_CASE("secondary: a grid without totals or without redactions exposes nothing", "[rules]") {
  CHECK(exposures(Grid(0, 0)).empty());
  CHECK(exposures(grid({{10, R, 20}}, {none}, {none, none, none})).empty());
  CHECK(exposures(grid({{10, 15, 20}}, {45}, {none, none, none})).empty());
}

TEST_CASE("secondary: a single redacted cell in a row with a total", "[rules]") {
  // 10 + x + 20 = 45 -> x = 15.
  CHECK(exposures(grid({{10, R, 20}}, {45}, {none, none, none})) == Strings{"0,1=15 via row"});
}

TEST_CASE("secondary: a single redacted cell in a column with a total", "[rules]") {
  // 40 + x + 25 = 80 -> x = 15; the row has no total, so it is solved on the column's side.
  CHECK(exposures(grid({{40}, {R}, {25}}, {none, none, none}, {80})) == Strings{"1,0=15 via col"});
}

TEST_CASE("secondary: a residual of 0 means the total left the cell out", "[rules]") {
  // 30 - 10 - 20 = 0: the total is the sum of the published cells, as ACRO computes it.
  CHECK(exposures(grid({{10, R, 20}}, {30}, {none, none, none})).empty());
  CHECK(exposures(grid({{40}, {R}, {25}}, {none, none, none}, {65})).empty());
}

TEST_CASE("secondary: two redacted cells in a line with only that line's total", "[rules]") {
  // 10 + x + y = 45: one equation, two unknowns.
  CHECK(exposures(grid({{10, R, R}}, {45}, {none, none, none})).empty());
  // The same down a column.
  CHECK(exposures(grid({{R}, {R}, {25}}, {none, none, none}, {80})).empty());
}

TEST_CASE("secondary: cells alone in their columns are solved from column totals", "[rules]") {
  // True values: (0,0) = 10, (0,1) = 15. Column 0: 30 - 20 = 10; column 1: 45 - 30 = 15.
  // The row has no total, so both cells are solved on their column's side.
  CHECK(exposures(grid({{R, R}, {20, 30}}, {none, none}, {30, 45})) ==
        Strings{"0,0=10 via col", "0,1=15 via col"});
}

TEST_CASE("secondary: every cell of a path is a bridge and is solved", "[rules]") {
  // True body          row totals     Published        residuals
  //   10  15  30   55                  R  R 30  55      row0: 55 - 30           = 25
  //    5  20  25   50                  R 20 25  50      row1: 50 - 20 - 25      = 5
  //   35  40  45  120                 35 40 45 120      row2: 120 - 35 - 40 - 45 = 0
  //   50  75 100  (column totals)     50 75 100         col0: 50 - 35 = 15, col1: 75 - 20 - 40 = 15,
  //                                                     col2: 100 - 30 - 25 - 45 = 0
  // Edges: (r0,c0), (r0,c1), (r1,c0): the path c1 - r0 - c0 - r1.
  // (r0,c0): the row side is {r0, c1}: +25 - 15 = 10.
  // (r0,c1): the row side is {r0, c0, r1}: +25 - 15 + 5 = 15.
  // (r1,c0): the row side is {r1}: +5 = 5.
  Grid g = grid({{R, R, 30}, {R, 20, 25}, {35, 40, 45}}, {55, 50, 120}, {50, 75, 100});
  CHECK(exposures(g) == Strings{"0,0=10 via row", "0,1=15 via row", "1,0=5 via row"});
}

TEST_CASE("secondary: a cycle of redacted cells cannot be solved", "[rules]") {
  // True body 10 15 | 25, 5 20 | 25; column totals 15, 35. All four cells redacted: the four line
  // equations have rank 3 in four unknowns (x can move round the cycle: +d, -d, -d, +d).
  CHECK(exposures(grid({{R, R}, {R, R}}, {25, 25}, {15, 35})).empty());
  // The same 2x2 rectangle inside the 3x3 table of the path case.
  Grid g = grid({{R, R, 30}, {R, R, 25}, {35, 40, 45}}, {55, 50, 120}, {50, 75, 100});
  CHECK(exposures(g).empty());
}

TEST_CASE("secondary: a line holding an unknown cell cannot be solved", "[rules]") {
  // 10 + x + ? = 45: the text cell is not a number, so the row gives nothing.
  CHECK(exposures(grid({{10, R, U}}, {45}, {none, none, none})).empty());
  CHECK(exposures(grid({{R}, {25}, {U}}, {none, none, none}, {80})).empty());
  // Row 0 holds the unknown, but column 0 does not: 30 - 20 = 10 there.
  CHECK(exposures(grid({{R, U}, {20, 5}}, {50, 25}, {30, none})) == Strings{"0,0=10 via col"});
}

TEST_CASE("secondary: a side with a line without a total is solved from the other side", "[rules]") {
  // Path c1 - r0 - c0 - r1 as above, but row 1 has no total.
  // (r1,c0): the row side {r1} has no residual; the column side {c0, r0, c1} gives
  //          +col0 - row0 + col1 = 15 - 25 + 15 = 5 (the true value).
  // (r0,c0): the row side {r0, c1} is complete: 25 - 15 = 10.
  // (r0,c1): the row side {r0, c0, r1} lacks r1; the column side {c1}: 15.
  Grid g = grid({{R, R, 30}, {R, 20, 25}, {35, 40, 45}}, {55, none, 120}, {50, 75, 100});
  CHECK(exposures(g) == Strings{"0,0=10 via row", "0,1=15 via col", "1,0=5 via col"});
}

// The finding names the totals a checker must look at, so each exposure says which margins solved it.
TEST_CASE("secondary: an exposure says which totals give it back", "[rules]") {
  auto margins = [](const Exposure& e) {
    return std::string(e.uses_row_totals ? "rows" : "") + (e.uses_col_totals ? "+cols" : "");
  };
  // A lone redacted cell in a row with a total: that row's total alone.
  auto by_row = find_exposures(grid({{R, 10}}, {30}, {none, none}));
  REQUIRE(by_row.size() == 1);
  CHECK(by_row[0].value == 20);
  CHECK(margins(by_row[0]) == "rows");
  // A lone redacted cell in a column with a total: that column's total alone.
  auto by_col = find_exposures(grid({{R}, {10}}, {none, none}, {30}));
  REQUIRE(by_col.size() == 1);
  CHECK(by_col[0].value == 20);
  CHECK(margins(by_col[0]) == "+cols");
  // (r0,c0) is solved on its row's side {r0, c1}: rows and columns both.
  auto both = find_exposures(grid({{R, R, 30}, {R, 20, 25}, {35, 40, 45}}, {55, none, 120}, {50, 75, 100}));
  REQUIRE(both.size() == 3);
  CHECK(margins(both[0]) == "rows+cols");
  CHECK(margins(both[1]) == "+cols");  // (r0,c1): its column's side {c1} alone
}

// Through TableCheck, as check runs it, under a policy raising max_csv_rows: secondary disclosure
// streams (rules/secondary_stream.h), so a table of millions of cells is analysed in full.
// The definition, walked: a redacted cell is exposed when removing it splits its row from its
// column, and the lines on one side all have residuals, whose signed sum is the cell (row lines
// positive on the row's side). Each side found by a walk from its end of the cell.
std::vector<std::string> exposures_walked(const Grid& g) {
  auto residual = [&](bool row, int i) -> std::optional<__int128> {
    const auto& total = row ? g.row_total[static_cast<std::size_t>(i)] : g.col_total[static_cast<std::size_t>(i)];
    if (!total) return std::nullopt;
    __int128 res = *total;
    for (int k = 0; k < (row ? g.cols : g.rows); ++k) {
      const auto at = row ? g.at(i, k) : g.at(k, i);
      if (g.state[at] == Grid::State::unknown) return std::nullopt;
      if (g.state[at] == Grid::State::published) res -= g.value[at];
    }
    if (res < std::numeric_limits<std::int64_t>::min() || res > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
    return res;
  };
  // The lines reached from `start` over redacted cells other than (er, ec): nodes 0..rows-1 are
  // rows, rows.. are columns.
  auto side = [&](int start, int er, int ec) {
    std::vector<int> reached{start};
    std::vector<bool> seen(static_cast<std::size_t>(g.rows + g.cols), false);
    seen[static_cast<std::size_t>(start)] = true;
    for (std::size_t i = 0; i < reached.size(); ++i) {
      const int n = reached[i];
      for (int k = 0; k < (n < g.rows ? g.cols : g.rows); ++k) {
        const int r = n < g.rows ? n : k, c = n < g.rows ? k : n - g.rows;
        if (g.state[g.at(r, c)] != Grid::State::redacted || (r == er && c == ec)) continue;
        const int to = n < g.rows ? g.rows + c : r;
        if (!seen[static_cast<std::size_t>(to)]) {
          seen[static_cast<std::size_t>(to)] = true;
          reached.push_back(to);
        }
      }
    }
    return reached;
  };
  auto solve = [&](const std::vector<int>& lines, int sign) -> std::optional<std::int64_t> {
    __int128 v = 0;
    for (int n : lines) {
      const auto res = residual(n < g.rows, n < g.rows ? n : n - g.rows);
      if (!res) return std::nullopt;
      v += (n < g.rows ? sign : -sign) * *res;
    }
    if (v < std::numeric_limits<std::int64_t>::min() || v > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
    return static_cast<std::int64_t>(v);
  };
  std::vector<std::string> out;
  for (int r = 0; r < g.rows; ++r) {
    for (int c = 0; c < g.cols; ++c) {
      if (g.state[g.at(r, c)] != Grid::State::redacted) continue;
      const std::vector<int> row_side = side(r, r, c);
      if (std::find(row_side.begin(), row_side.end(), g.rows + c) != row_side.end()) continue;  // no bridge
      std::optional<std::int64_t> value = solve(row_side, +1);
      const bool via_row = value.has_value();
      if (!value) value = solve(side(g.rows + c, r, c), -1);
      if (!value || *value == 0) continue;
      std::ostringstream s;
      s << r << "," << c << "=" << *value << (via_row ? " via row" : " via col");
      out.push_back(s.str());
    }
  }
  return out;
}

TEST_CASE("secondary: every exposure found is the definition's, on 20000 random grids", "[rules]") {
  // Small grids, many redacted cells, some unknown cells and missing totals: paths, cycles, stars and
  // forests of them. The bridge search keeps each side's sums on its way; the reference walks them.
  std::uint64_t seed = 88172645463325252ull;
  auto next = [&](std::uint64_t below) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return static_cast<std::int64_t>(seed % below);
  };
  int exposed = 0, via_col = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    const int rows = 1 + static_cast<int>(next(7)), cols = 1 + static_cast<int>(next(7));
    const std::int64_t redacted = 1 + next(6), unknown = next(3) == 0 ? 1 : 0;
    std::vector<std::vector<std::int64_t>> cells(static_cast<std::size_t>(rows));
    std::vector<std::optional<std::int64_t>> row_totals(static_cast<std::size_t>(rows)), col_totals(static_cast<std::size_t>(cols));
    for (auto& line : cells) {
      for (int c = 0; c < cols; ++c) {
        const std::int64_t pick = next(10);
        line.push_back(pick < redacted ? R : pick < redacted + unknown ? U : next(200));
      }
    }
    for (auto& t : row_totals) {
      if (next(5) != 0) t = next(2000);
    }
    for (auto& t : col_totals) {
      if (next(5) != 0) t = next(2000);
    }
    const Grid g = grid(cells, row_totals, col_totals);
    const Strings found = exposures(g), walked = exposures_walked(g);
    INFO("trial " << trial);
    REQUIRE(found == walked);
    exposed += static_cast<int>(found.size());
    for (const auto& f : found) via_col += f.find("via col") != std::string::npos;
  }
  // The grids hold both kinds of solution, many times over.
  CHECK(exposed > 5000);
  CHECK(via_col > 500);
}

TEST_CASE("secondary: a table of 2.1 million cells is analysed in full as it streams", "[rules][secondary_stream]") {
  outcheck::rules::Policy policy = outcheck::rules::preset_policy("opensafely").value();
  policy.max_csv_rows = 1'000'000;
  auto compiled = outcheck::test::compiled_policy(policy);
  auto run = [&](int rows) {
    outcheck::rules::TableCheck check(compiled, 100);
    const std::vector<std::string> header{"group", "a", "b", "c", "d", "e", "f", "g", "h", "total"};
    const std::vector<std::string_view> header_views(header.begin(), header.end());
    check.header(header_views);
    std::vector<std::string> fields{"", "100", "105", "110", "115", "120", "125", "130", "135", "940"};
    for (int r = 1; r <= rows; ++r) {
      fields[0] = "g" + std::to_string(r);
      fields[1] = r == 7 ? "[REDACTED]" : "100";  // 940 - 840: the row's total gives it back
      fields[2] = r == 9 || r == rows - 1 ? "[REDACTED]" : "105";  // two in a column without a total row, and
      fields[3] = r == 9 || r == rows - 1 ? "[REDACTED]" : "110";  // in rows with two each: a cycle, not solved
      const std::vector<std::string_view> views(fields.begin(), fields.end());
      check.record(r, views);
    }
    FindingList out;
    check.finish(out);
    return out;
  };
  for (int rows : {1000, 210'000}) {  // the second: 2.1 million cells
    FindingList found = run(rows);
    INFO(rows << " rows");
    REQUIRE(found.counts().count("secondary_disclosure") == 1);
    CHECK(found.counts().at("secondary_disclosure") == 1);
    const Finding& f = *std::find_if(found.kept().begin(), found.kept().end(),
                                     [](const Finding& x) { return x.rule == "secondary_disclosure"; });
    CHECK(f.outcome == Outcome::fail);
    CHECK(f.row == 7);
    CHECK(f.column == "a");
    CHECK(f.message ==
          "its row's total in column \"total\", less the row's published cells, gives this redacted cell back as 100: "
          "suppress a complementary cell too (outcheck redact does)");
  }
}

TEST_CASE("secondary: past the redacted cells it keeps the stream says so and finds nothing", "[rules][secondary_stream]") {
  auto compiled = outcheck::test::compiled_preset("opensafely");
  const std::vector<StreamColumn> columns{{"group", Role::category, 0}, {"a", Role::count, 0}, {"b", Role::count, 0},
                                          {"total", Role::count, 0}};
  auto feed = [&](std::size_t max_redacted) {
    SecondaryStream s(*compiled, columns, max_redacted);
    for (int r = 1; r <= 5; ++r) {
      const std::vector<std::string_view> row{"g", r <= 3 ? "[REDACTED]" : "100", "105", r <= 3 ? "205" : "205"};
      s.rows(RecordBatch(r, row, nullptr), 1);
    }
    return s;
  };
  SecondaryStream within = feed(3);
  CHECK_FALSE(within.capped());
  CHECK(within.finish().size() == 3);  // each of records 1 to 3: 205 - 105 = 100
  SecondaryStream past = feed(2);
  CHECK(past.capped());
  CHECK(past.finish().empty());
}

TEST_CASE("secondary: a count word over the rows' labels still finds the total row", "[rules]") {
  // A table on its side whose labels' column is headed "patients": its words are labels, not
  // counts, and the row labelled total gives each column's redacted cell back.
  const std::vector<std::string> lines{"patients,g0,g1,g2", "a,[REDACTED],15,[REDACTED]", "b,100,105,110",
                                       "c,100,105,110", "total,205,225,225"};
  auto run = outcheck::test::run_table_lines("opensafely", lines);
  INFO(outcheck::test::describe_findings(run.findings));
  std::vector<std::string> found;
  for (const Finding& f : run.findings.kept()) found.push_back(std::to_string(f.row.value_or(0)) + " " + f.column.value_or("") + " " + f.message);
  CHECK(found == std::vector<std::string>{
                     "1 g0 its column's total in the total row (row 4, \"total\"), less the column's published cells, "
                     "gives this redacted cell back as 5: suppress a complementary cell too (outcheck redact does)",
                     "1 g2 its column's total in the total row (row 4, \"total\"), less the column's published cells, "
                     "gives this redacted cell back as 5: suppress a complementary cell too (outcheck redact does)"});
  REQUIRE(!run.roles.empty());
  CHECK(run.roles[0].role == Role::category);
  CHECK(run.roles[0].why == "header: count word, but every value is a word: the rows' labels");
}

TEST_CASE("secondary: sums past 64 bits solve nothing and are never undefined", "[rules][secondary_stream]") {
  // Hostile 18-digit counts: their sums do not fit in 64 bits. Under UBSan any unchecked sum would
  // abort; the lines they touch are read as ones nothing can be solved over.
  const std::string big = "999999999999999999";
  std::string header = "group", first = "g1", second = "g2";
  for (int c = 1; c <= 10; ++c) {
    header += ",c" + std::to_string(c);
    first += "," + big;      // ten of them: about 10^19, past 2^63
    second += ",100";
  }
  const std::vector<std::string> lines{header + ",r,total", first + ",[REDACTED]," + big, second + ",[REDACTED],1050"};
  for (const char* preset : {"opensafely", "sdc-handbook"}) {
    auto run = outcheck::test::run_table_lines(preset, lines);
    INFO(outcheck::test::describe_findings(run.findings));
    std::vector<std::string> places;
    for (const Finding& f : run.findings.kept()) {
      if (f.rule == "secondary_disclosure") places.push_back(std::to_string(f.row.value_or(0)) + " " + f.message);
    }
    // Record 2's total gives its cell back; record 1's sum does not fit, and nothing is said of it.
    CHECK(places == std::vector<std::string>{"2 its row's total in column \"total\", less the row's published cells, "
                                             "gives this redacted cell back as 50: suppress a complementary cell too "
                                             "(outcheck redact does)"});
  }
  Grid g = grid({{R, 1}, {2, R}}, {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()},
                {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()});
  CHECK_NOTHROW(find_exposures(g));
}

// The unit through its interface (rules/table_rule.h), as TableCheck runs it.
TEST_CASE("secondary_disclosure as a unit: made only with counts, then observe and finish", "[rules][secondary_stream]") {
  auto compiled = outcheck::test::compiled_preset("opensafely");
  const std::vector<std::string> names{"group", "a", "b", "total"};
  auto role = [](const std::string& name, Role r) {
    ColumnRole c;
    c.name = name;
    c.role = r;
    return c;
  };
  const std::vector<ColumnRole> roles{role("group", Role::category), role("a", Role::count), role("b", Role::count),
                                      role("total", Role::count)};
  const outcheck::rules::TableSample sample;
  const std::vector<std::vector<std::string_view>> rows{
      {"x", "40", "[REDACTED]", "60"}, {"y", "[REDACTED]", "25", "55"}, {"Total", "70", "[REDACTED]", "115"}};
  auto run = [&](std::size_t max_redacted, const std::vector<ColumnRole>& end_roles) {
    auto unit = make_secondary_rule({*compiled, names, Strings(names.size()), names, roles, sample, 100}, max_redacted);
    REQUIRE(unit);
    for (std::size_t r = 0; r < rows.size(); ++r) unit->observe(RecordBatch(static_cast<std::int64_t>(r + 1), rows[r], nullptr));
    FindingList out(100);
    unit->finish({end_roles}, out);
    return out;
  };

  SECTION("no count column: no unit") {
    const std::vector<ColumnRole> text{role("group", Role::category), role("note", Role::measure)};
    CHECK(make_secondary_rule({*compiled, names, Strings(names.size()), names, text, sample, 100}) == nullptr);
  }
  SECTION("cells their rows' totals give back") {
    FindingList out = run(10, roles);
    REQUIRE(out.kept().size() == 2);
    CHECK(out.kept()[1].row == 2);
    CHECK(out.kept()[1].column == "a");
    const Finding& f = out.kept()[0];
    CHECK(f.rule == "secondary_disclosure");
    CHECK(f.outcome == Outcome::fail);
    CHECK(f.row == 1);
    CHECK(f.column == "b");
    CHECK(f.value == "[REDACTED]");
    CHECK(f.message == "its row's total in column \"total\", less the row's published cells, gives this redacted cell "
                       "back as 20: suppress a complementary cell too (outcheck redact does)");
  }
  SECTION("a count column found at the end to hold identifiers: moot, nothing said") {
    std::vector<ColumnRole> end = roles;
    end[1].role = Role::identifier;
    CHECK(run(10, end).kept().empty());
  }
  SECTION("past the redacted cells it keeps: a review finding, never a pass") {
    FindingList out = run(1, roles);  // two redacted cells come
    REQUIRE(out.kept().size() == 1);
    CHECK(out.kept()[0].outcome == Outcome::review);
    CHECK(out.kept()[0].message ==
          "not checked: the table has more than 1 redacted cells, past what secondary disclosure analyses; check "
          "by hand that no total and the other cells give a redacted cell back");
  }
}

// The stream takes each count cell as the column loop read it (RecordBatch::count_cell) rather
// than reading it again: counts written with a leading zero, with more than 8 digits or with a zero
// fraction (each off the loop's last-digit path) must be the same numbers there.
TEST_CASE("secondary: counts the column loop read off its fast path give back the same cells", "[rules][secondary_stream]") {
  const std::vector<std::string> lines{"group,a,b,c,total",
                                       "g1,100,200,[REDACTED],400",
                                       "g2,0010,123456789,[REDACTED],123456899",
                                       "g3,12.0,205,[REDACTED],317",
                                       "g4,105,110,115,330",
                                       "g5,120,125,130,375"};
  auto run = outcheck::test::run_table_lines("opensafely", lines);
  INFO(outcheck::test::describe_findings(run.findings));
  std::vector<std::string> exposures;
  for (const Finding& f : run.findings.kept()) {
    if (f.rule == "secondary_disclosure") exposures.push_back(std::to_string(f.row.value_or(0)) + " " + f.column.value_or("-") + " " + f.message);
  }
  const std::string says =
      " its row's total in column \"total\", less the row's published cells, gives this redacted cell back as 100: "
      "suppress a complementary cell too (outcheck redact does)";
  CHECK(exposures == std::vector<std::string>{"1 c" + says, "2 c" + says, "3 c" + says});
}

namespace {

// Streams `rows` (each a record's cells, the first the label) through SecondaryStream twice: a
// column at a time, from the count cells as the column loop notes them, and a row at a time. Both
// must give the same exposures; returns how many.
int compare_passes(const CompiledPolicy& compiled, const std::vector<StreamColumn>& columns,
                   const std::vector<std::vector<std::string>>& rows, std::size_t keep) {
  const std::size_t width = columns.size();
  const PackedRows rows_packed(rows);  // as the reader packs them
  const PackedRecords packed = rows_packed.records(1);
  // The count columns' cells as the column loop notes them: column after column.
  const std::size_t n = rows.size();
  std::vector<Cell> noted(width * n);
  std::vector<std::uint8_t> noted_columns(width, 0);
  for (std::size_t c = 1; c < width; ++c) {
    noted_columns[c] = 1;
    for (std::size_t r = 0; r < n; ++r) noted[c * n + r] = read_cell(compiled, packed.field(r, c));
  }
  RecordBatch by_column(packed, nullptr);
  by_column.set_count_cells(noted.data(), noted_columns.data());
  const RecordBatch by_row(packed, nullptr);
  SecondaryStream columnar(compiled, columns, keep), row_wise(compiled, columns, keep);
  columnar.rows(by_column, n);
  row_wise.rows(by_row, n);
  INFO("table:\n" << rows_packed.bytes);
  REQUIRE(columnar.capped() == row_wise.capped());
  const auto a = columnar.finish(), b = row_wise.finish();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].record == b[i].record);
    CHECK(a[i].column == b[i].column);
    CHECK(a[i].text == b[i].text);
    CHECK(a[i].value == b[i].value);
    CHECK(a[i].via_row == b[i].via_row);
    CHECK(a[i].total_column == b[i].total_column);
    CHECK(a[i].total_row_record == b[i].total_row_record);
    CHECK(a[i].total_row_label == b[i].total_row_label);
  }
  return static_cast<int>(a.size());
}

std::vector<StreamColumn> stream_columns(std::size_t body, bool total_column) {
  std::vector<StreamColumn> columns{{"group", Role::category, 0}};
  for (std::size_t j = 0; j < body; ++j) columns.push_back({"c" + std::to_string(j), Role::count, 0});
  if (total_column) columns.push_back({"total", Role::count, 0});
  return columns;
}

}  // namespace

TEST_CASE("secondary: a batch read a column at a time finds what a row at a time finds", "[rules][secondary_stream]") {
  // The column pass (count cells noted by the column loop) and the row pass (cells read one record
  // at a time) must agree on every table: random ones with redacted and text cells, 18-digit counts
  // whose sums overflow, total rows anywhere, and total columns that are or are not the rows' sums.
  auto compiled = outcheck::test::compiled_preset("opensafely");
  std::uint64_t seed = 17;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  const char* odd_cells[] = {"[REDACTED]", "<7", "", "n/a", "999999999999999999"};
  int exposures = 0;
  for (int table = 0; table < 1200; ++table) {
    const std::size_t body = 1 + next(6), n = 1 + next(400);
    const bool total_column = next(3) != 0;
    // Odd cells in one cell in 25; or so few that most columns of a batch are integers alone, which
    // the column pass adds up on a path of its own; or 18-digit counts in one cell in 4, beside
    // redacted ones, so that columns' sums overflow.
    const std::uint64_t mode = next(3);
    const std::uint64_t odd_rate = mode == 1 ? 2000 : 25;
    std::vector<std::vector<std::string>> rows;
    for (std::size_t r = 0; r < n; ++r) {
      std::vector<std::string> cells{next(60) == 0 ? "Total" : "g" + std::to_string(r)};
      std::int64_t sum = 0;
      for (std::size_t j = 0; j < body; ++j) {
        const std::int64_t v = static_cast<std::int64_t>(next(80)) * 5;
        sum += v;
        if (mode == 2 && next(4) == 0) {
          cells.push_back(odd_cells[4]);
          continue;
        }
        cells.push_back(next(odd_rate) == 0 ? odd_cells[mode == 2 ? 0 : next(5)] : std::to_string(v));
      }
      if (total_column) cells.push_back(std::to_string(sum + (next(8) == 0 ? 50 : 0)));
      rows.push_back(std::move(cells));
    }
    INFO("table " << table);
    const std::size_t keep = 3 + next(20);  // sometimes past the redacted cells kept
    exposures += compare_passes(*compiled, stream_columns(body, total_column), rows, keep);
  }
  CHECK(exposures > 20);  // the tables give cells back, so the comparison compares something
}

TEST_CASE("secondary: sums at the edge of 64 bits, column by column as row by row", "[rules][secondary_stream]") {
  // The column pass adds a column of small integers without checking each addition only while no
  // sum can overflow. Here sums come within a few units of 2^63 (or -2^63) first, then such a
  // column follows: a column's sum after a total row, a line's sum across its columns. Either pass
  // must then find the sum unknown, and solve nothing over it.
  auto compiled = outcheck::test::compiled_preset("opensafely");
  const std::string near_max = "9223372036854775707";  // 2^63 - 101
  std::vector<std::vector<std::string>> column_edge;
  // c0 sums to 2^63 - 101 over the first rows; after the total row, 150 fives push it past 2^63.
  // Its total, 0, less a sum that wrapped round would fit in 64 bits and give the redacted cell a
  // value: only a sum known to be unknown gives none.
  column_edge.push_back({"g0", near_max, "5"});
  column_edge.push_back({"Total", "0", "1000"});
  for (int r = 1; r <= 150; ++r) column_edge.push_back({"g" + std::to_string(r), "5", "5"});
  column_edge.push_back({"Total", "0", "0"});
  column_edge.push_back({"g151", "[REDACTED]", "5"});
  compare_passes(*compiled, stream_columns(2, false), column_edge, 100);
  // The same with negative counts, down past -2^63, and counts at 2^40 and just past it.
  std::vector<std::vector<std::string>> negative_edge{{"g0", "-" + near_max, "5"}, {"Total", "0", "1000"}};
  for (int r = 1; r <= 150; ++r) negative_edge.push_back({"g" + std::to_string(r), "-5", "1099511627776"});
  negative_edge.push_back({"g151", "-1099511627776", "-1099511627777"});
  negative_edge.push_back({"Total", "0", "0"});
  negative_edge.push_back({"g152", "[REDACTED]", "5"});
  compare_passes(*compiled, stream_columns(2, false), negative_edge, 100);
  // A line whose first six cells sum to 2^63 - 808 and whose eighth, 1000 in a column of small
  // integers alone, takes it past 2^63; its redacted cell and total (0, from which a sum that
  // wrapped round could be taken) would give a value back if the sum were taken as known.
  std::vector<std::vector<std::string>> line_edge;
  for (int r = 0; r < 20; ++r) {
    std::vector<std::string> cells{"g" + std::to_string(r)};
    for (int j = 0; j < 5; ++j) cells.push_back(r == 7 ? "1500000000000000000" : "10");
    cells.push_back(r == 7 ? "1723372036854774999" : "10");
    cells.push_back(r == 7 ? "[REDACTED]" : "10");
    cells.push_back(r == 7 ? "1000" : "10");
    cells.push_back(r == 7 ? "0" : "80");
    line_edge.push_back(std::move(cells));
  }
  compare_passes(*compiled, stream_columns(8, true), line_edge, 100);
}
