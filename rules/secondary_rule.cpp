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
    // round, as one round each would mend it. With both margins a suppressed cell joins a row to a
    // column, and the next exposure is found again first. (A table of 40,000 rows with a total
    // column and a small count on every other row took 59 s, one round per row.)
    const bool lines_apart = layout.total_row < 0 || layout.total_col < 0;
    std::vector<char> mended(static_cast<std::size_t>(std::max(grid.rows, grid.cols)), 0);
    for (const Exposure& e : exposed) {
      if (!lines_apart && &e != &exposed.front()) break;
      char& line = mended[static_cast<std::size_t>(e.via_row ? e.row : e.col)];
      if (line) continue;  // the line's first exposure is mended; the next round finds any other
      line = 1;
      const auto [row, col] = complementary_cell(grid, layout, e);
      fix.set(row, col, kRedactedMarker, "secondary_disclosure");
    }
  }
}

}  // namespace outcheck::rules
