#include "rules/secondary_rule.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/count_fix.h"
#include "rules/secondary.h"

namespace outcheck::rules {

namespace {

// The finding's message for a cell the totals give back, naming the totals a checker must look
// at: the row's total in the total column, the column's in the total row, or both.
std::string exposure_message(const StreamExposure& e, const std::vector<std::string>& names) {
  const std::string total_row =
      "the total row (row " + std::to_string(e.total_row_record) + ", \"" + e.total_row_label + "\")";
  const std::string total_column =
      e.total_column >= 0 ? "column \"" + names[static_cast<std::size_t>(e.total_column)] + "\"" : "";
  if (e.total_column >= 0 && e.total_row_record > 0) {
    return "the totals in " + total_column + " and in " + total_row + ", less the published cells, give";
  }
  if (e.total_column >= 0) return "its row's total in " + total_column + ", less the row's published cells, gives";
  return "its column's total in " + total_row + ", less the column's published cells, gives";
}

class SecondaryRule final : public TableRule {
 public:
  SecondaryRule(const TableFacts& facts, std::size_t max_redacted_cells)
      : names_(facts.names), max_rows_(facts.policy.policy().max_csv_rows), max_redacted_(max_redacted_cells) {
    std::vector<StreamColumn> layout;
    for (std::size_t c = 0; c < facts.roles.size(); ++c) {
      const ColumnRole& r = facts.roles[c];
      layout.push_back({c < names_.size() ? names_[c] : r.name, r.role, r.kind.midpoint6 ? 6 : r.kind.base});
      layout_roles_.push_back(r.role);
    }
    stream_.emplace(facts.policy, std::move(layout), max_redacted_cells);
  }

  // Not once past the row limit: nothing more is read.
  bool wants_count_cells() const override { return stream_.has_value(); }

  void observe(const RecordBatch& batch) override {
    if (!stream_) return;
    // Past the policy's row limit the table is refused anyway (csv_rows): nothing more is kept.
    const auto size = static_cast<std::int64_t>(batch.size());
    if (size > max_rows_ - rows_) {
      stream_->rows(batch, static_cast<std::size_t>(std::max<std::int64_t>(max_rows_ - rows_, 0)));
      stream_.reset();
      return;
    }
    rows_ += size;
    stream_->rows(batch, batch.size());
  }

  void finish(const TableEnd& end, FindingList& out) override {
    if (!stream_) return;
    // The layout was read from the roles as first decided; a count column found at the end to hold
    // people's identifiers blocks the file (identifier_value), and secondary disclosure is moot.
    for (std::size_t c = 0; c < layout_roles_.size() && c < end.roles.size(); ++c) {
      if (end.roles[c].role != layout_roles_[c]) return;
    }
    if (stream_->capped()) {
      Finding f;
      f.rule = "secondary_disclosure";
      f.outcome = Outcome::review;
      f.message = "not checked: the table has more than " + std::to_string(max_redacted_) +
                  " redacted cells, past what secondary disclosure analyses; check by hand that no total and the "
                  "other cells give a redacted cell back";
      out.add(std::move(f));
      return;
    }
    for (const StreamExposure& e : stream_->finish()) {
      Finding f;
      f.rule = "secondary_disclosure";
      f.outcome = Outcome::fail;
      f.row = e.record;
      f.column = names_[static_cast<std::size_t>(e.column)];
      f.value = e.text;
      f.message = exposure_message(e, names_) + " this redacted cell back as " + std::to_string(e.value) +
                  ": suppress a complementary cell too (outcheck redact does)";
      out.add(std::move(f));
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<Role> layout_roles_;
  std::int64_t max_rows_;
  std::int64_t rows_ = 0;
  std::size_t max_redacted_;
  std::optional<SecondaryStream> stream_;
};

// The cell (row, column of the held table) to suppress so that exposure `e` is no longer given
// back: the smallest published cell of the line its total gives it back through (suppressing the
// least information), or that line's total when the line has no published cell left.
std::pair<std::size_t, std::size_t> complementary_cell(const Grid& grid, const TableLayout& layout, const Exposure& e) {
  int best_r = -1, best_c = -1;
  std::int64_t best = 0;
  auto consider = [&](int i, int j) {
    const auto at = grid.at(i, j);
    if (grid.state[at] != Grid::State::published) return;
    if (best_r < 0 || grid.value[at] < best) {
      best = grid.value[at];
      best_r = i;
      best_c = j;
    }
  };
  if (e.via_row) {
    for (int j = 0; j < grid.cols; ++j) consider(e.row, j);
  } else {
    for (int i = 0; i < grid.rows; ++i) consider(i, e.col);
  }
  auto body_row = [&](int i) { return static_cast<std::size_t>(layout.body_rows[static_cast<std::size_t>(i)]); };
  auto body_col = [&](int j) { return static_cast<std::size_t>(layout.body_cols[static_cast<std::size_t>(j)]); };
  if (best_r >= 0) return {body_row(best_r), body_col(best_c)};
  if (e.via_row) return {body_row(e.row), static_cast<std::size_t>(layout.total_col)};
  return {static_cast<std::size_t>(layout.total_row), body_col(e.col)};
}

// The redacted cells of a grid as find_exposures sees them: row i is node i, column j is node
// rows + j, and each redacted cell an edge between the two.
struct RedactedGraph {
  std::vector<std::vector<int>> adjacent;  // per node, the nodes it shares a redacted cell with
};

RedactedGraph redacted_graph(const Grid& grid) {
  RedactedGraph g;
  g.adjacent.resize(static_cast<std::size_t>(grid.rows + grid.cols));
  for (int i = 0; i < grid.rows; ++i) {
    for (int j = 0; j < grid.cols; ++j) {
      if (grid.state[grid.at(i, j)] != Grid::State::redacted) continue;
      g.adjacent[static_cast<std::size_t>(i)].push_back(grid.rows + j);
      g.adjacent[static_cast<std::size_t>(grid.rows + j)].push_back(i);
    }
  }
  return g;
}

// What puts an exposed cell on a cycle: the cells (row, column of the grid) to suppress, and the
// lines (graph nodes) of the cycle they close.
struct CycleClosure {
  std::vector<std::pair<int, int>> cells;
  std::vector<int> lines;
};

// A path of three cells from one side of an exposed cell to the other through a row and a column
// outside its component: a row of side `from` to column y, y to row z, z to a column of side `to`
// (or a column of `from` to row z, z to column y, y to a row of `to`). The cell (z, y) may be
// redacted already (another component's), and then only the other two are suppressed: two lone
// redacted cells close each other's cycle with the two cells that make their rectangle. Fewest
// cells to suppress first, then the smallest sum. What the cells' ends on each side are, and the
// two lines outside, for the cycle's lines.
struct Rectangle {
  std::vector<std::pair<int, int>> cells;
  std::vector<int> ends;
  std::vector<int> outside;
};

std::optional<Rectangle> closing_rectangle(const Grid& grid, const std::vector<int> (&rows)[3], const std::vector<int> (&cols)[3],
                                           const std::vector<char>& side) {
  auto published = [&](int i, int j) { return grid.state[grid.at(i, j)] == Grid::State::published; };
  auto outside = [&](int node) { return side[static_cast<std::size_t>(node)] == 0; };
  std::optional<Rectangle> best;
  std::size_t best_cells = 0;
  __int128 best_value = 0;
  // Per line outside: the smallest published cell it shares with the given lines of one side.
  struct Nearest {
    int line = -1;
    std::int64_t value = 0;
  };
  auto nearest = [&](int line, const std::vector<int>& among, bool line_is_row) {
    Nearest n;
    for (int k : among) {
      const int i = line_is_row ? line : k, j = line_is_row ? k : line;
      if (!published(i, j)) continue;
      const std::int64_t v = grid.value[grid.at(i, j)];
      if (n.line < 0 || v < n.value) n = {k, v};
    }
    return n;
  };
  {
    // Rows of side 1 -> column y -> row z -> columns of side 2, and columns of side 1 -> row z ->
    // column y -> rows of side 2 (from side 2 to side 1, the same paths backwards).
    for (const bool rows_first : {true, false}) {
      const std::vector<int>& start = rows_first ? rows[1] : cols[1];
      const std::vector<int>& end = rows_first ? cols[2] : rows[2];
      if (start.empty() || end.empty()) continue;
      std::vector<Nearest> to_y(static_cast<std::size_t>(grid.cols)), to_z(static_cast<std::size_t>(grid.rows));
      for (int y = 0; y < grid.cols; ++y) {
        if (outside(grid.rows + y)) to_y[static_cast<std::size_t>(y)] = nearest(y, rows_first ? start : end, false);
      }
      for (int z = 0; z < grid.rows; ++z) {
        if (outside(z)) to_z[static_cast<std::size_t>(z)] = nearest(z, rows_first ? end : start, true);
      }
      for (int z = 0; z < grid.rows; ++z) {
        const Nearest& nz = to_z[static_cast<std::size_t>(z)];
        if (nz.line < 0) continue;
        for (int y = 0; y < grid.cols; ++y) {
          const Nearest& ny = to_y[static_cast<std::size_t>(y)];
          if (ny.line < 0) continue;
          const auto middle = grid.state[grid.at(z, y)];
          if (middle == Grid::State::unknown) continue;
          const bool redacted = middle == Grid::State::redacted;
          const std::size_t cells = redacted ? 2 : 3;
          const __int128 value = static_cast<__int128>(ny.value) + nz.value + (redacted ? 0 : grid.value[grid.at(z, y)]);
          if (best && (cells > best_cells || (cells == best_cells && value >= best_value))) continue;
          Rectangle r;
          // (row of the y side, y), (z, column of the z side), and (z, y) unless redacted.
          r.cells = {{ny.line, y}, {z, nz.line}};
          if (!redacted) r.cells.push_back({z, y});
          r.ends = {ny.line, grid.rows + nz.line};
          r.outside = {grid.rows + y, z};
          best = std::move(r);
          best_cells = cells;
          best_value = value;
        }
      }
    }
  }
  return best;
}

// With totals on both margins, the cells to suppress so that exposure `e` lies on a cycle of
// redacted cells: then no total gives it back, on either side (only a cell that is a bridge of the
// graph is solved for). Suppressing the smallest cell of its line instead, as with one margin, only
// moves the exposure along: the new cell's column has its own total, and the next cell suppressed
// for it is another row's, and so on across the table (a table of 4,000 rows with two redacted
// cells lost 3,076 cells, one round each). The cycle needs either one published cell joining the
// two sides the exposed cell splits its component into (the smallest such), or two through a line
// outside the component, one from each side (the smallest pair). No cells when the table has
// neither. `side` and `parent` are scratch of one entry per node, all 0 and -1 on entry and on
// return, so that a round with many exposures does not clear a table's worth of nodes for each.
CycleClosure cycle_closing_cells(const Grid& grid, const RedactedGraph& graph, const Exposure& e, std::vector<char>& side,
                                 std::vector<int>& parent) {
  const int column_node = grid.rows + e.col;
  // 1: the exposed cell's row's side once the cell is removed, 2: its column's side, 0: neither.
  // parent: each node's predecessor on the walk from its side's end of the exposed cell.
  std::vector<int> visited;
  auto walk = [&](int start, char mark) {
    std::vector<int> stack{start};
    side[static_cast<std::size_t>(start)] = mark;
    visited.push_back(start);
    while (!stack.empty()) {
      const int node = stack.back();
      stack.pop_back();
      for (int next : graph.adjacent[static_cast<std::size_t>(node)]) {
        if ((node == e.row && next == column_node) || (node == column_node && next == e.row)) continue;
        if (side[static_cast<std::size_t>(next)]) continue;
        side[static_cast<std::size_t>(next)] = mark;
        parent[static_cast<std::size_t>(next)] = node;
        visited.push_back(next);
        stack.push_back(next);
      }
    }
  };
  walk(e.row, 1);
  walk(column_node, 2);
  std::vector<int> rows[3], cols[3];  // of sides 1 and 2 (0 unused: the lines outside are all others)
  for (int node : visited) {
    if (node < grid.rows) rows[static_cast<int>(side[static_cast<std::size_t>(node)])].push_back(node);
    else cols[static_cast<int>(side[static_cast<std::size_t>(node)])].push_back(node - grid.rows);
  }
  auto on_side = [&](int node, int s) { return side[static_cast<std::size_t>(node)] == s; };
  auto published = [&](int i, int j) { return grid.state[grid.at(i, j)] == Grid::State::published; };

  CycleClosure out;
  // The cycle: the exposed cell's two lines, the walks' paths back to them from where the new cells
  // meet each side, and any line outside the component that the new cells pass through.
  auto close = [&](std::vector<std::pair<int, int>> cells, std::vector<int> ends, int outside) {
    out.cells = std::move(cells);
    out.lines.assign({e.row, column_node});
    for (int node : ends) {
      for (; node != e.row && node != column_node; node = parent[static_cast<std::size_t>(node)]) out.lines.push_back(node);
    }
    if (outside >= 0) out.lines.push_back(outside);
  };

  // One cell: a row of one side and a column of the other.
  std::optional<std::pair<int, int>> one;
  std::int64_t one_value = 0;
  for (const auto& [from, to] : {std::pair(1, 2), std::pair(2, 1)}) {
    for (int i : rows[from]) {
      for (int j : cols[to]) {
        if (!published(i, j)) continue;
        const std::int64_t v = grid.value[grid.at(i, j)];
        if (!one || v < one_value) {
          one = std::pair(i, j);
          one_value = v;
        }
      }
    }
  }
  if (one) {
    close({*one}, {one->first, grid.rows + one->second}, -1);
  } else {
    // Two cells through a column outside the component (a row of each side in it), or through a
    // row outside it (a column of each side in it). Their sum in 128 bits: cells may be 18 digits.
    // Of the lines `among`, the one whose published cell `cell(line)` is smallest.
    auto smallest = [&](const std::vector<int>& among, auto cell) -> std::optional<int> {
      std::optional<int> best;
      std::int64_t best_value = 0;
      for (int k : among) {
        const auto [i, j] = cell(k);
        if (!published(i, j)) continue;
        const std::int64_t v = grid.value[grid.at(i, j)];
        if (!best || v < best_value) {
          best = k;
          best_value = v;
        }
      }
      return best;
    };
    std::optional<std::pair<std::pair<int, int>, std::pair<int, int>>> two;
    bool through_column = false;
    __int128 two_value = 0;
    for (int j = 0; j < grid.cols; ++j) {
      if (on_side(grid.rows + j, 1) || on_side(grid.rows + j, 2)) continue;
      const auto in_column = [j](int i) { return std::pair(i, j); };
      const auto a = smallest(rows[1], in_column), b = smallest(rows[2], in_column);
      if (!a || !b) continue;
      const __int128 v = static_cast<__int128>(grid.value[grid.at(*a, j)]) + grid.value[grid.at(*b, j)];
      if (!two || v < two_value) {
        two = {{*a, j}, {*b, j}};
        through_column = true;
        two_value = v;
      }
    }
    for (int i = 0; i < grid.rows; ++i) {
      if (on_side(i, 1) || on_side(i, 2)) continue;
      const auto in_row = [i](int j) { return std::pair(i, j); };
      const auto a = smallest(cols[1], in_row), b = smallest(cols[2], in_row);
      if (!a || !b) continue;
      const __int128 v = static_cast<__int128>(grid.value[grid.at(i, *a)]) + grid.value[grid.at(i, *b)];
      if (!two || v < two_value) {
        two = {{i, *a}, {i, *b}};
        through_column = false;
        two_value = v;
      }
    }
    if (two) {
      const auto [p, q] = *two;
      if (through_column) close({p, q}, {p.first, q.first}, grid.rows + p.second);
      else close({p, q}, {grid.rows + p.second, grid.rows + q.second}, p.first);
    } else if (auto rectangle = closing_rectangle(grid, rows, cols, side)) {
      close(rectangle->cells, rectangle->ends, -1);
      out.lines.insert(out.lines.end(), rectangle->outside.begin(), rectangle->outside.end());
    }
  }
  for (int node : visited) {
    side[static_cast<std::size_t>(node)] = 0;
    parent[static_cast<std::size_t>(node)] = -1;
  }
  return out;
}

}  // namespace

std::unique_ptr<TableRule> make_secondary_rule(const TableFacts& facts, std::size_t max_redacted_cells) {
  bool any_count = false;
  for (const ColumnRole& r : facts.roles) any_count |= r.role == Role::count;
  if (!any_count) return nullptr;
  return std::make_unique<SecondaryRule>(facts, max_redacted_cells);
}

void fix_secondary(const TableFix& fix) {
  const HeldTable& t = fix.table;
  std::vector<Role> roles;
  for (const ColumnRole& r : fix.roles) roles.push_back(r.role);
  // Each round suppresses at least one cell; a table has no more cells than this to suppress.
  const std::size_t limit = t.rows.size() * roles.size() + 1;
  for (std::size_t round = 0; round < limit; ++round) {
    TableLayout layout = make_layout(fix.policy, t, roles);
    for (const ColumnRole& r : fix.roles) layout.bases.push_back(r.kind.midpoint6 ? 6 : r.kind.base);
    Grid grid = make_grid(fix.policy, t, layout);
    std::vector<Exposure> exposed = find_exposures(grid);
    if (exposed.empty()) return;
    // With totals on one side only (a total column and no total row, or the other way round), the
    // lines are apart: a cell suppressed in one changes no other's exposure (suppressing can only
    // keep a total believed, never make it disbelieved), so each exposed line is mended in this
    // round, as one round each would mend it. (A table of 40,000 rows with a total column and a
    // small count on every other row took 59 s, one round per row.)
    const bool lines_apart = layout.total_row < 0 || layout.total_col < 0;
    if (lines_apart) {
      std::vector<char> mended(static_cast<std::size_t>(std::max(grid.rows, grid.cols)), 0);
      for (const Exposure& e : exposed) {
        char& line = mended[static_cast<std::size_t>(e.via_row ? e.row : e.col)];
        if (line) continue;  // the line's first exposure is mended; the next round finds any other
        line = 1;
        const auto [row, col] = complementary_cell(grid, layout, e);
        fix.set(row, col, kRedactedMarker, "secondary_disclosure");
      }
      continue;
    }
    // Both margins: each exposure's cell is put on a cycle, found in the graph as the round began.
    // A cycle closed this round makes a bridge of it no longer one only if the bridge lies on it, so
    // both its lines: an exposure with both lines on a cycle closed this round waits for the next
    // round (it may need nothing then), and the others are mended now (a cycle found for one still
    // closes when others have been added). A column of many redacted cells, one round per pair of
    // them, took 1.6 s at 4,000 rows.
    const RedactedGraph graph = redacted_graph(grid);
    std::vector<char> on_cycle(graph.adjacent.size(), 0), side(graph.adjacent.size(), 0);
    std::vector<int> parent(graph.adjacent.size(), -1);
    auto body_row = [&](int i) { return static_cast<std::size_t>(layout.body_rows[static_cast<std::size_t>(i)]); };
    auto body_col = [&](int j) { return static_cast<std::size_t>(layout.body_cols[static_cast<std::size_t>(j)]); };
    bool mended = false;
    for (const Exposure& e : exposed) {
      if (on_cycle[static_cast<std::size_t>(e.row)] && on_cycle[static_cast<std::size_t>(grid.rows + e.col)]) continue;
      const CycleClosure closure = cycle_closing_cells(grid, graph, e, side, parent);
      if (closure.cells.empty()) {
        // No cycle can be made (too few published cells): as with one margin, the line's smallest
        // cell or its total, alone this round; and not from a graph that cells added this round
        // have changed (they may have made a cycle possible).
        if (mended) break;
        const auto [row, col] = complementary_cell(grid, layout, e);
        fix.set(row, col, kRedactedMarker, "secondary_disclosure");
        break;
      }
      mended = true;
      for (int line : closure.lines) on_cycle[static_cast<std::size_t>(line)] = 1;
      for (const auto& [i, j] : closure.cells) fix.set(body_row(i), body_col(j), kRedactedMarker, "secondary_disclosure");
    }
  }
}

}  // namespace outcheck::rules
