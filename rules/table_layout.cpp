#include "rules/table_layout.h"

#include "rules/table_roles.h"

namespace outcheck::rules {

namespace {

std::string_view cell_at(const HeldTable& t, int row, int col) {
  const auto& r = t.rows[static_cast<std::size_t>(row)];
  return static_cast<std::size_t>(col) < r.size() ? std::string_view(r[static_cast<std::size_t>(col)]) : std::string_view();
}

}  // namespace

TableColumns table_columns(const CompiledPolicy& policy, const HeldTable& table) {
  TableSample sample;
  std::vector<std::string_view> fields;
  for (const auto& row : table.rows) {
    fields.assign(row.begin(), row.end());
    if (!sample.add(0, fields)) break;
  }
  // A second header row (rules/header_rows.h) stays in the table, as text the rules pass over; the
  // roles are read without it, under the two rows' names, as the check reads them.
  return read_columns(policy, table.header, sample);
}

TableLayout make_layout(const CompiledPolicy& policy, const HeldTable& table, std::vector<Role> roles) {
  TableLayout l;
  l.roles = std::move(roles);
  const int ncols = static_cast<int>(l.roles.size());
  for (int c = 0; c < ncols; ++c) {
    if (l.category_col < 0 && (l.roles[c] == Role::identifier || l.roles[c] == Role::category)) l.category_col = c;
  }
  std::vector<bool> is_total_row(table.rows.size(), false);
  if (l.category_col >= 0) {
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      if (policy.is_total(cell_at(table, static_cast<int>(r), l.category_col))) {
        is_total_row[r] = true;
        if (l.total_row < 0) l.total_row = static_cast<int>(r);
      }
    }
  }
  for (int c = 0; c < ncols; ++c) {
    if (l.roles[c] != Role::count) continue;
    if (policy.is_total(table.header[static_cast<std::size_t>(c)])) {
      if (l.total_col < 0) l.total_col = c;
    } else {
      l.body_cols.push_back(c);
    }
  }
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    if (!is_total_row[r]) l.body_rows.push_back(static_cast<int>(r));
  }
  return l;
}

namespace {

// How far a published count may be from the true one: half its column's rounding base.
std::int64_t noise(const CompiledPolicy& policy, const TableLayout& l, int col) {
  std::int64_t base = policy.policy().rounding_base;
  if (static_cast<std::size_t>(col) < l.bases.size() && l.bases[static_cast<std::size_t>(col)] > 0) {
    base = l.bases[static_cast<std::size_t>(col)];
  }
  return base > 1 ? base / 2 : 0;
}

// Whether a line whose cells and total are all published shows that its total is not their sum.
void drop_disproved_totals(const CompiledPolicy& policy, const TableLayout& l, Grid& g) {
  bool rows_disproved = false, cols_disproved = false;
  for (int i = 0; i < g.rows && !rows_disproved; ++i) {
    if (!g.row_total[i]) continue;
    std::int64_t sum = 0, slack = noise(policy, l, l.total_col);
    bool whole = true;
    for (int j = 0; j < g.cols && whole; ++j) {
      // A sum past 64 bits (hostile 18-digit cells) judges nothing.
      whole = g.state[g.at(i, j)] == Grid::State::published && !__builtin_add_overflow(sum, g.value[g.at(i, j)], &sum);
      slack += noise(policy, l, l.body_cols[static_cast<std::size_t>(j)]);
    }
    std::int64_t off = 0;
    if (whole && g.cols > 0 && (__builtin_sub_overflow(*g.row_total[i], sum, &off) || off > slack || off < -slack)) {
      rows_disproved = true;
    }
  }
  for (int j = 0; j < g.cols && !cols_disproved; ++j) {
    if (!g.col_total[j]) continue;
    const std::int64_t per_cell = noise(policy, l, l.body_cols[static_cast<std::size_t>(j)]);
    std::int64_t sum = 0, slack = per_cell;
    bool whole = true;
    for (int i = 0; i < g.rows && whole; ++i) {
      // A sum past 64 bits (hostile 18-digit cells) judges nothing.
      whole = g.state[g.at(i, j)] == Grid::State::published && !__builtin_add_overflow(sum, g.value[g.at(i, j)], &sum);
      slack += per_cell;
    }
    std::int64_t off = 0;
    if (whole && g.rows > 0 && (__builtin_sub_overflow(*g.col_total[j], sum, &off) || off > slack || off < -slack)) {
      cols_disproved = true;
    }
  }
  if (rows_disproved) {
    for (auto& t : g.row_total) t.reset();
  }
  if (cols_disproved) {
    for (auto& t : g.col_total) t.reset();
  }
}

}  // namespace

Grid make_grid(const CompiledPolicy& policy, const HeldTable& table, const TableLayout& l) {
  if (l.total_row < 0 && l.total_col < 0) return Grid(0, 0);
  Grid g(static_cast<int>(l.body_rows.size()), static_cast<int>(l.body_cols.size()));
  for (int i = 0; i < g.rows; ++i) {
    for (int j = 0; j < g.cols; ++j) {
      Cell cell = read_cell(policy, cell_at(table, l.body_rows[i], l.body_cols[j]));
      auto at = g.at(i, j);
      if (cell.kind == CellKind::integer) {
        g.state[at] = Grid::State::published;
        g.value[at] = cell.integer;
      } else {
        g.state[at] = cell.kind == CellKind::marker ? Grid::State::redacted : Grid::State::unknown;
      }
    }
    if (l.total_col >= 0) {
      Cell t = read_cell(policy, cell_at(table, l.body_rows[i], l.total_col));
      if (t.kind == CellKind::integer) g.row_total[i] = t.integer;
    }
  }
  if (l.total_row >= 0) {
    for (int j = 0; j < g.cols; ++j) {
      Cell t = read_cell(policy, cell_at(table, l.total_row, l.body_cols[j]));
      if (t.kind == CellKind::integer) g.col_total[j] = t.integer;
    }
  }
  drop_disproved_totals(policy, l, g);
  return g;
}

}  // namespace outcheck::rules
