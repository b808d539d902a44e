#include "rules/table_layout.h"

namespace outcheck::rules {

namespace {

std::string_view cell_at(const HeldTable& t, int row, int col) {
  const auto& r = t.rows[static_cast<std::size_t>(row)];
  return static_cast<std::size_t>(col) < r.size() ? std::string_view(r[static_cast<std::size_t>(col)]) : std::string_view();
}

}  // namespace

std::vector<ColumnRole> table_roles(const CompiledPolicy& policy, const HeldTable& table) {
  TableSample sample;
  std::vector<std::string_view> fields;
  for (const auto& row : table.rows) {
    fields.assign(row.begin(), row.end());
    if (!sample.add(0, fields)) break;
  }
  return decide_roles(policy, table.header, sample);
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
  return g;
}

}  // namespace outcheck::rules
