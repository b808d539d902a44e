#include "rules/secondary_stream.h"

#include "rules/secondary.h"

namespace outcheck::rules {

namespace {

std::int64_t noise_of(const CompiledPolicy& policy, std::int64_t column_base) {
  const std::int64_t base = column_base > 0 ? column_base : policy.policy().rounding_base;
  return base > 1 ? base / 2 : 0;
}

// |a - b|, or nullopt when it does not fit (hostile cells of 18 digits).
std::optional<std::int64_t> distance(std::int64_t a, std::int64_t b) {
  std::int64_t d = 0;
  if (__builtin_sub_overflow(a > b ? a : b, a > b ? b : a, &d)) return std::nullopt;
  return d;
}

// a += b, false (a unchanged) when the sum does not fit.
bool add_to(std::int64_t& a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return false;
  a = sum;
  return true;
}

}  // namespace

SecondaryStream::SecondaryStream(const CompiledPolicy& policy, std::vector<StreamColumn> columns,
                                 std::size_t max_redacted_cells)
    : policy_(policy), max_redacted_(max_redacted_cells) {
  const int n = static_cast<int>(columns.size());
  for (int c = 0; c < n; ++c) {
    const StreamColumn& col = columns[static_cast<std::size_t>(c)];
    if (category_col_ < 0 && (col.role == Role::identifier || col.role == Role::category)) category_col_ = c;
    if (col.role != Role::count) continue;
    if (policy.is_total(col.name)) {
      if (total_col_ < 0) {
        total_col_ = c;
        total_noise_ = noise_of(policy, col.base);
      }
    } else {
      BodyColumn b;
      b.column = c;
      b.noise = noise_of(policy, col.base);
      body_.push_back(b);
    }
  }
}

void SecondaryStream::row(const RecordBatch& batch, std::size_t r) {
  auto text_at = [&](int c) {
    const auto i = static_cast<std::size_t>(c);
    return i < batch.width() ? batch.cell(r, i) : std::string_view();
  };
  // The column loop's reading of a count cell when it noted it (it reads every count): the same
  // answer as read_cell's, without reading the cell again.
  auto cell_at = [&](int c) {
    const Cell* read = batch.count_cell(r, static_cast<std::size_t>(c));
    return read ? *read : read_cell(policy_, text_at(c));
  };
  const std::int64_t record = batch.record(r);
  if (capped_) return;
  if (category_col_ >= 0 && policy_.is_total(text_at(category_col_))) {
    // The first total row gives the column totals; any other is no body row either.
    if (!total_row_seen_) {
      total_row_seen_ = true;
      total_row_record_ = record;
      total_row_label_ = std::string(text_at(category_col_));
      for (BodyColumn& b : body_) {
        const Cell t = cell_at(b.column);
        if (t.kind == CellKind::integer) b.total = t.integer;
      }
    }
    return;
  }
  ++body_rows_;
  scratch_.clear();
  std::int64_t sum = 0;
  bool unknown = false;
  for (std::size_t j = 0; j < body_.size(); ++j) {
    BodyColumn& b = body_[j];
    const Cell cell = cell_at(b.column);
    if (cell.kind == CellKind::integer) {
      // A sum past 64 bits is a line nothing can be solved over, as one holding text is.
      if (!add_to(b.sum, cell.integer)) b.unknown = true;
      if (!add_to(sum, cell.integer)) unknown = true;
      continue;
    }
    b.all_published = false;
    if (cell.kind == CellKind::marker) {
      scratch_.emplace_back(static_cast<int>(j), std::string(text_at(b.column)));
    } else {
      b.unknown = true;
      unknown = true;
    }
  }
  std::optional<std::int64_t> total;
  if (total_col_ >= 0) {
    const Cell t = cell_at(total_col_);
    if (t.kind == CellKind::integer) total = t.integer;
  }
  // A fully published row whose total is not its cells' sum beyond the rounding noise: the total
  // column is no total (an "All" column counting the eligible population), for every row.
  if (total && scratch_.empty() && !unknown && !body_.empty() && !rows_disproved_) {
    std::int64_t slack = total_noise_;
    for (const BodyColumn& b : body_) slack += b.noise;
    const auto off = distance(*total, sum);
    if (!off || *off > slack) rows_disproved_ = true;
  }
  if (scratch_.empty()) return;
  redacted_ += scratch_.size();
  if (redacted_ > max_redacted_) {
    capped_ = true;
    kept_.clear();
    kept_.shrink_to_fit();
    return;
  }
  KeptRow k;
  k.record = record;
  std::int64_t residual = 0;
  if (total && !unknown && !__builtin_sub_overflow(*total, sum, &residual)) k.residual = residual;
  k.redacted = scratch_;
  kept_.push_back(std::move(k));
}

std::vector<StreamExposure> SecondaryStream::finish() const {
  std::vector<StreamExposure> out;
  if (capped_ || kept_.empty() || (total_col_ < 0 && !total_row_seen_)) return out;
  // Column totals, unless a fully published column disproves them as rows_disproved_ does rows.
  bool cols_disproved = false;
  for (const BodyColumn& b : body_) {
    if (!b.total || !b.all_published || b.unknown || body_rows_ == 0) continue;
    const auto off = distance(*b.total, b.sum);
    std::int64_t slack = 0;
    if (!off || (!__builtin_mul_overflow(b.noise, body_rows_ + 1, &slack) && *off > slack)) cols_disproved = true;
  }
  // The grid of the rows holding redacted cells: their published cells enter only through the
  // residuals, so they stand as published zeros; a column's residual is its total minus every
  // published cell of the body.
  Grid g(static_cast<int>(kept_.size()), static_cast<int>(body_.size()));
  for (int i = 0; i < g.rows; ++i) {
    const KeptRow& k = kept_[static_cast<std::size_t>(i)];
    for (const auto& [j, text] : k.redacted) g.state[g.at(i, j)] = Grid::State::redacted;
    if (!rows_disproved_) g.row_total[static_cast<std::size_t>(i)] = k.residual;
  }
  for (int j = 0; j < g.cols; ++j) {
    const BodyColumn& b = body_[static_cast<std::size_t>(j)];
    std::int64_t residual = 0;
    if (!cols_disproved && b.total && !b.unknown && !__builtin_sub_overflow(*b.total, b.sum, &residual)) {
      g.col_total[static_cast<std::size_t>(j)] = residual;
    }
  }
  for (const Exposure& e : find_exposures(g)) {
    const KeptRow& k = kept_[static_cast<std::size_t>(e.row)];
    std::string text;
    for (const auto& [j, t] : k.redacted) {
      if (j == e.col) text = t;
    }
    StreamExposure x;
    x.record = k.record;
    x.column = body_[static_cast<std::size_t>(e.col)].column;
    x.text = std::move(text);
    x.value = e.value;
    x.via_row = e.via_row;
    if (e.uses_row_totals) x.total_column = total_col_;
    if (e.uses_col_totals) {
      x.total_row_record = total_row_record_;
      x.total_row_label = total_row_label_;
    }
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace outcheck::rules
