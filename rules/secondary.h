#pragma once
// Secondary (differencing) disclosure: can a redacted cell be solved for from the published cells
// and totals? (policy.md "Tables with totals and secondary disclosure".)
//
// The body of a table is a grid of cells; a row line may have a published total (a total column)
// and a column line may have one (a total row). Each redacted cell is an edge between its row and
// its column. A redacted cell that is a bridge of that graph splits its component in two; on a side
// whose lines all have totals, the cell's value is the sum of those lines' residuals (total minus
// published cells), with row residuals counted positive and column residuals negative (or the
// reverse on the column's side). A single redacted cell in a line with a total is the simplest case.
#include <cstdint>
#include <optional>
#include <vector>

namespace outcheck::rules {

struct Grid {
  enum class State { published, redacted, unknown };  // unknown: text, a line cannot be solved over it
  int rows = 0;
  int cols = 0;
  std::vector<State> state;         // rows * cols
  std::vector<std::int64_t> value;  // when published
  std::vector<std::optional<std::int64_t>> row_total;  // size rows
  std::vector<std::optional<std::int64_t>> col_total;  // size cols

  Grid(int r, int c)
      : rows(r), cols(c), state(static_cast<std::size_t>(r) * c, State::published),
        value(static_cast<std::size_t>(r) * c, 0), row_total(r), col_total(c) {}
  std::size_t at(int r, int c) const { return static_cast<std::size_t>(r) * cols + c; }
};

struct Exposure {
  int row;
  int col;
  std::int64_t value;  // what the totals give back; never 0 (0 means the totals left it out)
  bool via_row;        // solved on the row's side (its row line has a total), else the column's
  // Which margins the solution used: row totals (a total column), column totals (a total row), or
  // both when the side holds both kinds of line. The side of a single line uses only its own.
  bool uses_row_totals = false;
  bool uses_col_totals = false;
};

std::vector<Exposure> find_exposures(const Grid& grid);

}  // namespace outcheck::rules
