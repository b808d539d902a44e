#include "rules/secondary_stream.h"

#include "rules/secondary.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace outcheck::rules {

namespace {

// The largest |values[i]| of [0, n), INT64_MAX for INT64_MIN.
std::int64_t largest_magnitude(const std::int64_t* values, std::size_t n) {
  std::uint64_t largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::uint64_t>(values[i]);
    largest = std::max(largest, values[i] < 0 ? 0 - v : v);
  }
  return largest > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(largest);
}

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

// Adds cells [0, n) of a count column to `column_sum` and, given `line_sums`, to each line's sum,
// when every cell is an integer below 2^40 in magnitude; else false, and nothing is added. The
// caller sees to it that no sum can then overflow. Most columns of most batches are such, and this
// adds two cells per instruction where the checked loop takes one cell a dozen: the additions are
// made as the cells are read, modulo 2^64, and taken back (the same values subtracted) when a cell
// turns out not to be such an integer.
template <bool Lines>
bool add_integer_column(const Cell* cells, std::size_t n, std::int64_t* line_sums, std::int64_t& column_sum) {
  static_assert(sizeof(Cell) == 16 && offsetof(Cell, integer) == 8 && sizeof(CellKind) == 4,
                "a pair of Cells is read as two 16-byte words: kind (and padding), integer");
  constexpr std::uint64_t kBias = std::uint64_t{1} << 40;  // v + 2^40 is below 2^41 for |v| < 2^40
  std::uint64_t sum = 0, biased = 0;
  std::uint32_t other_kinds = 0;
  auto* sums = reinterpret_cast<std::uint64_t*>(line_sums);
  std::size_t i = 0;
#ifdef __SSE2__
  const __m128i kind_mask = _mm_set1_epi64x(0xFFFFFFFF);  // a kind's four bytes, not its padding
  const __m128i integer_kind = _mm_set1_epi64x(static_cast<long long>(CellKind::integer));
  const __m128i bias = _mm_set1_epi64x(static_cast<long long>(kBias));
  __m128i sum2 = _mm_setzero_si128(), biased2 = _mm_setzero_si128(), other2 = _mm_setzero_si128();
  for (; i + 2 <= n; i += 2) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cells + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cells + i + 1));
    const __m128i values = _mm_unpackhi_epi64(a, b);
    other2 = _mm_or_si128(other2, _mm_and_si128(_mm_xor_si128(_mm_unpacklo_epi64(a, b), integer_kind), kind_mask));
    biased2 = _mm_or_si128(biased2, _mm_add_epi64(values, bias));
    sum2 = _mm_add_epi64(sum2, values);
    if constexpr (Lines) {
      auto* at = reinterpret_cast<__m128i*>(sums + i);
      _mm_storeu_si128(at, _mm_add_epi64(_mm_loadu_si128(at), values));
    }
  }
  alignas(16) std::uint64_t lanes[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), sum2);
  sum = lanes[0] + lanes[1];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), biased2);
  biased = lanes[0] | lanes[1];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), other2);
  other_kinds = static_cast<std::uint32_t>(lanes[0] | lanes[1]);
#endif
  for (; i < n; ++i) {
    const auto v = static_cast<std::uint64_t>(cells[i].integer);
    other_kinds |= static_cast<std::uint32_t>(cells[i].kind) ^ static_cast<std::uint32_t>(CellKind::integer);
    biased |= v + kBias;
    sum += v;
    if constexpr (Lines) sums[i] += v;
  }
  if (other_kinds == 0 && biased < 2 * kBias) {
    column_sum += static_cast<std::int64_t>(sum);
    return true;
  }
  if constexpr (Lines) {
    for (std::size_t j = 0; j < n; ++j) sums[j] -= static_cast<std::uint64_t>(cells[j].integer);
  }
  return false;
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
  line_slack_ = total_noise_;
  for (const BodyColumn& b : body_) line_slack_ += b.noise;
}

namespace {

// A body line's flags (SecondaryStream::line_flags_).
constexpr std::uint8_t kRedacted = 1;
constexpr std::uint8_t kUnknown = 2;

// A cell of a short record that lacks column c reads as empty.
std::string_view text_at(const RecordBatch& batch, std::size_t r, int c) {
  const auto i = static_cast<std::size_t>(c);
  return i < batch.width() ? batch.cell(r, i) : std::string_view();
}

}  // namespace

bool SecondaryStream::is_total_row(const RecordBatch& batch, std::size_t r) const {
  return category_col_ >= 0 && policy_.is_total(text_at(batch, r, category_col_));
}

void SecondaryStream::rows(const RecordBatch& batch, std::size_t count) {
  // Body records between total rows go a column at a time when the column loop noted every count
  // column this reads (it notes them all, or none).
  bool noted = true;
  for (const BodyColumn& b : body_) noted &= batch.count_cell(0, static_cast<std::size_t>(b.column)) != nullptr;
  if (total_col_ >= 0) noted &= batch.count_cell(0, static_cast<std::size_t>(total_col_)) != nullptr;
  // The total rows among them, found down the label column (most batches have none).
  total_rows_.clear();
  if (category_col_ >= 0 && static_cast<std::size_t>(category_col_) < batch.width()) {
    const auto labels = static_cast<std::size_t>(category_col_);
    batch.each_cell(labels, [&](std::size_t r, std::string_view label) __attribute__((always_inline)) {
      if (r < count && policy_.is_total(label)) [[unlikely]] total_rows_.push_back(r);
    });
  }
  total_rows_.push_back(count);
  std::size_t next_total = 0;
  for (std::size_t from = 0; from < count && !capped_;) {
    const std::size_t to = total_rows_[next_total++];
    if (noted) {
      body_rows(batch, from, to);
    } else {
      for (std::size_t r = from; r < to && !capped_; ++r) row(batch, r);
    }
    if (to < count) row(batch, to);
    from = to + 1;
  }
}

void SecondaryStream::row(const RecordBatch& batch, std::size_t r) {
  // The column loop's reading of a count cell when it noted it (it reads every count): the same
  // answer as read_cell's, without reading the cell again.
  auto cell_at = [&](int c) {
    const Cell* read = batch.count_cell(r, static_cast<std::size_t>(c));
    return read ? *read : read_cell(policy_, text_at(batch, r, c));
  };
  if (capped_) return;
  if (is_total_row(batch, r)) {
    // The first total row gives the column totals; any other is no body row either.
    if (!total_row_seen_) {
      total_row_seen_ = true;
      total_row_record_ = batch.record(r);
      total_row_label_ = std::string(text_at(batch, r, category_col_));
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
      scratch_.emplace_back(static_cast<int>(j), std::string(text_at(batch, r, b.column)));
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
  end_line(batch.record(r), sum, unknown, total);
}

void SecondaryStream::body_rows(const RecordBatch& batch, std::size_t from, std::size_t to) {
  if (capped_ || from == to) return;
  const std::size_t n = to - from;
  body_rows_ += static_cast<std::int64_t>(n);
  line_sum_.assign(n, 0);
  line_flags_.assign(n, 0);
  std::int64_t* const sums = line_sum_.data();
  std::uint8_t* const flags = line_flags_.data();
  // Without a total column a line has no total: its sum and whether it is known go unused.
  const bool line_totals = total_col_ >= 0;
  // No sum overflows in add_integer_column while the column's sum and every line's are below 2^61
  // in magnitude before it (it adds fewer than 2^20 cells below 2^40 to a column, one to a line).
  constexpr std::int64_t kSafe = std::int64_t{1} << 61;
  std::int64_t line_bound = 0;  // the most a line's sum can be in magnitude so far
  for (BodyColumn& b : body_) {
    const Cell* cells = batch.count_cell(from, static_cast<std::size_t>(b.column));
    if (n < (std::size_t{1} << 20) && !b.unknown && b.sum > -kSafe && b.sum < kSafe && line_bound < kSafe) {
      const bool added = line_totals ? add_integer_column<true>(cells, n, sums, b.sum)
                                     : add_integer_column<false>(cells, n, nullptr, b.sum);
      if (added) {
        line_bound += std::int64_t{1} << 40;
        continue;
      }
    }
    std::int64_t column_sum = b.sum;
    bool column_unknown = b.unknown, all_published = b.all_published;
    for (std::size_t i = 0; i < n; ++i) {
      const Cell& cell = cells[i];
      if (cell.kind == CellKind::integer) [[likely]] {
        // A sum past 64 bits is a line nothing can be solved over, as one holding text is.
        column_unknown |= !add_to(column_sum, cell.integer);
        if (line_totals) flags[i] |= add_to(sums[i], cell.integer) ? 0 : kUnknown;
        continue;
      }
      all_published = false;
      if (cell.kind == CellKind::marker) {
        flags[i] |= kRedacted;
      } else {
        column_unknown = true;
        flags[i] |= kUnknown;
      }
    }
    b.sum = column_sum;
    b.unknown = column_unknown;
    b.all_published = all_published;
    if (line_totals) line_bound = largest_magnitude(sums, n);
  }
  // A line is visited when it holds a redacted cell, or while its total may still disprove the
  // total column.
  const Cell* totals = total_col_ >= 0 ? batch.count_cell(from, static_cast<std::size_t>(total_col_)) : nullptr;
  const bool try_totals = totals && !rows_disproved_ && !body_.empty();
  for (std::size_t i = 0; i < n; ++i) {
    if (!(flags[i] & kRedacted)) [[likely]] {
      // What end_line would do with a line holding no redacted cell, here: try its total, when
      // its cells are all known and it has one.
      if (try_totals && flags[i] == 0 && totals[i].kind == CellKind::integer && !rows_disproved_ &&
          disproves_rows(totals[i].integer, sums[i])) [[unlikely]] {
        rows_disproved_ = true;
      }
      continue;
    }
    scratch_.clear();
    for (std::size_t j = 0; j < body_.size(); ++j) {
      const int c = body_[j].column;
      if (batch.count_cell(from + i, static_cast<std::size_t>(c))->kind != CellKind::marker) continue;
      scratch_.emplace_back(static_cast<int>(j), std::string(text_at(batch, from + i, c)));
    }
    std::optional<std::int64_t> total;
    if (totals && totals[i].kind == CellKind::integer) total = totals[i].integer;
    end_line(batch.record(from + i), sums[i], (flags[i] & kUnknown) != 0, total);
    if (capped_) return;
  }
}

void SecondaryStream::end_line(std::int64_t record, std::int64_t sum, bool unknown, std::optional<std::int64_t> total) {
  // A fully published row whose total is not its cells' sum beyond the rounding noise: the total
  // column is no total (an "All" column counting the eligible population), for every row.
  if (total && scratch_.empty() && !unknown && !body_.empty() && !rows_disproved_ && disproves_rows(*total, sum)) {
    rows_disproved_ = true;
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

bool SecondaryStream::disproves_rows(std::int64_t total, std::int64_t sum) const {
  const auto off = distance(total, sum);
  return !off || *off > line_slack_;
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
