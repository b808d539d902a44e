#include "rules/table_check.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "rules/cell_value.h"
#include "rules/column_roles.h"
#include "rules/count_rules.h"
#include "rules/count_run.h"
#include "rules/header_counts.h"
#include "rules/held_findings.h"
#include "rules/record_batch.h"
#include "rules/rule_registry.h"
#include "rules/table_roles.h"
#include "rules/table_sample.h"

namespace outcheck::rules {

namespace {

// Rows of the sample replayed through the rules at a time, once the roles are decided.
constexpr std::size_t kReplayRows = 512;

struct ColumnState {
  std::string name;
  Role role = Role::category;  // decided on the first rows, before any rule runs on a cell
  CountKind kind;
  ColumnStats stats;
  std::int64_t identifier_values = 0;
  HeldFindings count_findings;     // small_count / unrounded, valid if the column is a count
  HeldFindings identifier_cells;   // isolated identifier values
};

// The two ways records reach the rules, behind one interface for the column loop: views laid out
// row after row, and packed records (cell (r, c) from two 4-byte offsets).
struct ViewCells {
  const std::string_view* cells;
  std::size_t stride;
  // Column c's cells, walked down the rows.
  struct Column {
    const std::string_view* cell;
    std::size_t stride;
    std::string_view operator[](std::size_t r) const { return cell[r * stride]; }
  };
  Column column(std::size_t c) const { return {cells + c, stride}; }
  // The one record these views hold, for the units.
  RecordBatch batch(std::int64_t first, std::size_t, const std::uint8_t* noted) const {
    return RecordBatch(first, {cells, stride}, noted);
  }
};

struct PackedCells {
  const PackedRecords& packed;
  struct Column : PackedColumn {
    std::string_view operator[](std::size_t r) const {
      const std::uint32_t begin = from[r * from_stride] + skip;
      return std::string_view(base + begin, to[r * to_stride] - begin);
    }
  };
  Column column(std::size_t c) const { return {packed.column(c)}; }
  std::span<const std::string_view> row(std::size_t r, std::vector<std::string_view>& scratch) const {
    scratch.resize(packed.width);
    packed.fields(r, scratch.data());
    return scratch;
  }
  RecordBatch batch(std::int64_t, std::size_t, const std::uint8_t* noted) const { return RecordBatch(packed, noted); }
};

}  // namespace

struct TableCheck::Impl {
  Impl(std::shared_ptr<const CompiledPolicy> compiled, std::size_t max_findings)
      : policy(std::move(compiled)),
        cap(max_findings),
        last_digit(count_limits(policy->policy())),
        last_digit_cases{last_digit.small_cases(), last_digit.unrounded_cases()},
        plain_counts(count_run()) {}

  std::shared_ptr<const CompiledPolicy> policy;
  std::size_t cap;
  // The policy's verdicts of a count by its last digit, worked out once for the table.
  const LastDigitFlags last_digit;
  const LastDigitCases last_digit_cases;
  // Eight plain count cells at a time, where the CPU can (rules/count_run.h); else nullptr.
  const CountRun plain_counts;
  std::vector<ColumnState> cols;

  // The first rows, held until the roles are decided on them; then replayed through the rules.
  TableSample sample;
  bool sampling = true;
  std::vector<ColumnRole> roles;
  std::int64_t rows_after_sample = 0;  // records that came after the roles were decided
  std::int64_t roles_sampled = 0;      // records the roles were decided on

  static bool may_be_count(const ColumnState& c) { return c.role == Role::count; }

  // Decides every column's role on the rows held, runs the rules over them, and lets them go.
  void decide() {
    sampling = false;
    roles_sampled = static_cast<std::int64_t>(sample.rows());
    std::vector<std::string> header_names;
    for (const auto& c : cols) header_names.push_back(c.name);
    // A second header row names the columns with the first; it is not data, so no rule reads it.
    TableColumns read = read_columns(*policy, header_names, sample);
    if (read.second_header_row) {
      for (std::size_t c = 0; c < cols.size() && c < read.names.size(); ++c) cols[c].name = read.names[c];
      roles_sampled = static_cast<std::int64_t>(sample.rows());
    }
    roles = std::move(read.roles);
    for (std::size_t c = 0; c < cols.size(); ++c) {
      cols[c].role = roles[c].role;
      cols[c].kind = roles[c].kind;
      any_in_text |= roles[c].kind.in_text;
    }
    // The rules written as units (rules/table_rule.h), those the table gives work.
    const TableFacts facts{*policy, read.names, read.groups, header, roles, sample, cap};
    for (const Rule& rule : rule_registry()) {
      if (!rule.make_unit) continue;
      if (auto unit = rule.make_unit(facts)) units.push_back(std::move(unit));
    }
    // Not a rule of its own: small_count and unrounded, applied to counts written in headers.
    if (auto unit = make_header_counts_rule(facts)) units.push_back(std::move(unit));
    for (const auto& unit : units) note_small_or_redacted |= unit->wants_small_or_redacted();
    for (std::size_t c = 0; c < roles.size(); ++c) {
      if (!roles[c].measure_rows.empty()) {
        row_label = static_cast<int>(c);
        measure_labels = roles[c].measure_rows;
      }
    }
    const std::size_t width = cols.size();
    std::vector<std::string_view> fields;
    for (std::size_t r = 0; r < sample.rows();) {
      std::size_t end = r;
      // At most as many rows at a time as the reader's batches hold: the buffers records() keeps
      // for a batch are sized to it, and would otherwise be first touched for the whole sample.
      while (end < sample.rows() && end - r < kReplayRows && sample.width(end) == width) ++end;
      if (end > r) {
        const PackedRecords packed = sample.packed(r, end, width);
        records(packed.first_index, PackedCells{packed}, packed.size(), width);
        r = end;
        continue;
      }
      fields.clear();
      for (std::size_t c = 0; c < sample.width(r); ++c) fields.push_back(sample.cell(r, c));
      one_record(sample.index(r), fields);
      ++r;
    }
    sample.clear();
  }

  void one_record(std::int64_t index, std::span<const std::string_view> fields) {
    records(index, ViewCells{fields.data(), fields.size()}, 1, std::min(fields.size(), cols.size()));
  }

  Finding cell_finding(const char* rule, Outcome o, std::int64_t row, int col, std::string_view value, std::string msg) const {
    Finding f;
    f.rule = rule;
    f.outcome = o;
    f.row = row;
    f.column = cols[static_cast<std::size_t>(col)].name;
    f.value = std::string(value);
    f.message = std::move(msg);
    return f;
  }

  std::vector<std::string> header;  // the header row as written
  std::vector<std::unique_ptr<TableRule>> units;  // rules written as units, made in decide()
  bool note_small_or_redacted = false;  // a unit reads RecordBatch::small_or_redacted
  // Per batch being read, when a unit reads RecordBatch::count_cell: the count columns' cells as
  // read (column after column), and which columns they are. Reused.
  std::vector<Cell> count_cells;
  std::vector<std::uint8_t> count_columns;
  // Per batch being read, when a unit reads RecordBatch::column_shape: each column's shape, and
  // which columns have one (those that may not hold counts). Reused.
  std::vector<ColumnShape> column_shapes;
  std::vector<std::uint8_t> shaped_columns;
  bool any_in_text = false;  // a column holds counts written in text
  // A long table: the column naming each row's measure, and the labels of rows holding measures.
  int row_label = -1;
  std::vector<std::string> measure_labels;
  std::vector<std::uint8_t> measure_row;  // per record of the batch being read
  // Per record being read: whether it holds a small count or a redacted one in a column of counts
  // (RecordBatch::small_or_redacted). Reused.
  std::vector<std::uint8_t> small_or_redacted;

  // Records [first, first + rows), each with at least `width` cells (width <= the header's
  // columns). The rules run a column at a time, over every record given: a column's cells are
  // alike, so the work for one cell predicts the next. Each column's findings are held in row order
  // whichever way the table is walked, so the findings are those a row-by-row pass would make.
  template <class Cells>
  void records(std::int64_t first, const Cells& cells, std::size_t rows, std::size_t width) {
    std::uint8_t* noted = nullptr;
    if (note_small_or_redacted) {
      small_or_redacted.assign(rows, 0);
      noted = small_or_redacted.data();
    }
    if (any_in_text) mark_statistic_rows(cells, rows, width);
    if (row_label >= 0) mark_measure_rows(cells, rows, width);
    // Asked each batch: a unit past the row limit it reads (secondary_disclosure) stops wanting them.
    bool note_count_cells = false;
    for (const auto& unit : units) note_count_cells |= unit->wants_count_cells();
    if (note_count_cells) {
      if (count_cells.size() < width * rows) count_cells.resize(width * rows);
      count_columns.assign(width, 0);
    }
    bool note_shapes = false;
    for (const auto& unit : units) note_shapes |= unit->wants_column_shapes();
    if (note_shapes) {
      column_shapes.assign(width, ColumnShape{});
      shaped_columns.assign(width, 0);
    }
    for (std::size_t c = 0; c < width; ++c) {
      Cell* read = nullptr;
      ColumnShape* shape = nullptr;
      if (note_count_cells && may_be_count(cols[c])) {
        read = count_cells.data() + c * rows;
        count_columns[c] = 1;
      }
      if (note_shapes && !may_be_count(cols[c])) {
        shape = &column_shapes[c];
        shaped_columns[c] = 1;
      }
      column(static_cast<int>(c), first, cells.column(c), rows, noted, read, shape);
    }
    if (units.empty() || rows == 0) return;
    RecordBatch batch = cells.batch(first, rows, noted);
    if (note_count_cells) batch.set_count_cells(count_cells.data(), count_columns.data());
    if (note_shapes) batch.set_column_shapes(column_shapes.data(), shaped_columns.data());
    for (const auto& unit : units) unit->observe(batch);
  }

  // Rows labelled with a statistic ("Age, median (IQR)" in a table 1): their text cells ("44 (33,
  // 53)") hold that statistic, not counts. Only tables with counts written in text need this.
  std::vector<std::uint8_t> statistic_row;
  template <class Cells>
  void mark_statistic_rows(const Cells& cells, std::size_t rows, std::size_t width) {
    statistic_row.assign(rows, 0);
    for (std::size_t c = 0; c < width; ++c) {
      if (cols[c].role != Role::category && cols[c].role != Role::identifier) continue;
      const auto column = cells.column(c);
      for (std::size_t r = 0; r < rows; ++r) statistic_row[r] |= static_cast<std::uint8_t>(names_statistic(column[r]));
    }
  }

  template <class Cells>
  void mark_measure_rows(const Cells& cells, std::size_t rows, std::size_t width) {
    measure_row.assign(rows, 0);
    if (static_cast<std::size_t>(row_label) >= width) return;
    const auto column = cells.column(static_cast<std::size_t>(row_label));
    for (std::size_t r = 0; r < rows; ++r) {
      const std::string_view label = trim_spaces(column[r]);
      measure_row[r] = std::binary_search(measure_labels.begin(), measure_labels.end(), label, std::less<>{});
    }
  }

  // Every cell of the table passes here, with the column's role decided.
  // `read`, for a count column when a unit asked: where each cell's reading goes. `shape`, for a
  // column that may not hold counts when a unit asked: where the column's shape goes.
  template <class Column>
  void column(int c, std::int64_t first, const Column& cells, std::size_t rows, std::uint8_t* noted, Cell* read,
              ColumnShape* shape) {
    // One loop per combination of what a column's cells may need, so none of them tests it per cell.
    // The loop that notes each reading is its own: without it, a count judged by its last digit is
    // never given a value (those multiplications are left out).
    const bool count = may_be_count(cols[static_cast<std::size_t>(c)]);
    if (policy->has_identifier_patterns()) {
      if (count && read) column_cells<true, true, true, false>(c, first, cells, rows, noted, read, nullptr);
      else if (count) column_cells<true, true, false, false>(c, first, cells, rows, noted, nullptr, nullptr);
      else if (shape) column_cells<false, true, false, true>(c, first, cells, rows, noted, nullptr, shape);
      else column_cells<false, true, false, false>(c, first, cells, rows, noted, nullptr, nullptr);
    } else {
      if (count && read) column_cells<true, false, true, false>(c, first, cells, rows, noted, read, nullptr);
      else if (count) column_cells<true, false, false, false>(c, first, cells, rows, noted, nullptr, nullptr);
      else if (shape) column_cells<false, false, false, true>(c, first, cells, rows, noted, nullptr, shape);
      else column_cells<false, false, false, false>(c, first, cells, rows, noted, nullptr, nullptr);
    }
  }

  template <bool count, bool identifier_patterns, bool note_readings, bool note_shape, class Column>
  void column_cells(int c, std::int64_t first, const Column column, std::size_t rows, std::uint8_t* noted,
                    Cell* read, ColumnShape* shape) {
    // Everything the loop reads is a local (the column's cursor too, taken by value): through
    // references, any store the loop makes might change them, and they would be read again.
    const CompiledPolicy& compiled = *policy;
    ColumnState& col = cols[static_cast<std::size_t>(c)];
    const bool nhs_numbers = compiled.policy().nhs_number_values;
    const CountLimits limits = count_limits(compiled.policy());
    ColumnStats stats = col.stats;
    const CountKind kind = col.kind;
    // Once a rule has kept its `cap` findings on this column, the rest are only counted, here: a raw
    // table can have an unrounded count in most cells, and this keeps them out of the call below.
    // (Scalars, not arrays indexed by rule: those would live in memory, one store feeding the next.)
    // Both rules at once, in the two halves of one word (small counts low, unrounded high): whether
    // each is full, and the cells past its cap. A call reads one column of one PackedRecords at
    // most, whose 32-bit offsets keep its records, and so each half, below 2^32.
    auto halves = [](unsigned low, unsigned high) { return std::uint64_t{low} | std::uint64_t{high} << 32; };
    std::uint64_t full = halves(col.count_findings.full(count_rule(CountVerdict::small), cap),
                                col.count_findings.full(count_rule(CountVerdict::unrounded), cap));
    std::uint64_t past_cap = 0;
    // Integer cells of a column that may hold counts, most of its cells: counted in the stats once,
    // after the loop, so the loop carries one counter for them rather than three.
    std::int64_t integer_cells = 0;
    // A count cell's verdict, as flags. Whether a count is rounded is as good as random from one
    // cell to the next, so it is counted in arithmetic, not branches: the loop branches only for a
    // finding it keeps, which `verdict` (its verdict and value) then describes.
    // `flags` as halves(small, unrounded).
    auto tally = [&](std::size_t r, std::string_view text, std::uint64_t flags, auto verdict) __attribute__((always_inline)) {
      ++integer_cells;
      if (noted) noted[r] |= static_cast<std::uint8_t>(flags & 1u);
      past_cap += flags & full;
      if (flags & ~full) [[unlikely]] {
        const auto [v, n] = verdict();
        const unsigned now_full = count_finding(c, first + static_cast<std::int64_t>(r), text, v, n);
        const unsigned shift = (flags & 1u) ? 0 : 32;
        full = (full & ~(std::uint64_t{1} << shift)) | std::uint64_t{now_full} << shift;
      }
    };
    // Under a policy whose small counts are single digits and whose base divides 10 (both presets),
    // a count of up to 8 digits without a leading zero is judged by its length and last digit, and
    // its value is never computed (nor its multiplications done). Not with identifier patterns,
    // which every cell must meet.
    const bool by_last_digit =
        !identifier_patterns && !kind.midpoint6 && kind.base == 0 && !kind.by_row && judged_by_last_digit(limits);
    const LastDigitFlags last_digit = this->last_digit;
    std::size_t longest = 0;
    std::uint8_t first_bytes = 0;
    // One cell, as the loop reads it.
    auto cell = [&](std::size_t r) __attribute__((always_inline)) {
      const std::string_view text = column[r];
      if constexpr (note_shape) {
        longest = std::max(longest, text.size());
        if (!text.empty()) first_bytes |= kFirstByteKinds[static_cast<unsigned char>(text[0])];
      }
      if constexpr (count) {
        const std::size_t size = text.size();
        const bool short_cell = by_last_digit && size - 1 < 8;  // 1 to 8 characters: leading_digits8 reads them
        const LeadingDigits digits = short_cell ? leading_digits8(text.data(), size) : LeadingDigits{0, 0};
        if (short_cell && digits.count == size && (size == 1 || text[0] != '0')) [[likely]] {
          if constexpr (note_readings) read[r] = Cell{CellKind::integer, static_cast<std::int64_t>(digits.value)};
          const std::uint64_t flags = last_digit.halves(size, static_cast<unsigned>(text[size - 1] - '0'));
          tally(r, text, flags, [flags, text, &compiled] {
            return std::pair((flags & 1u) ? CountVerdict::small : CountVerdict::unrounded, read_cell(compiled, text).integer);
          });
          return;
        }
      }
      // A column whose header fixed its role (anything but a count or an unclassified column)
      // needs only whether each cell is a marker, for its count of values, and the identifier
      // test: most cells are told apart from markers by their first character, without reading
      // them as numbers.
      const Cell value = count || compiled.may_be_marker(text) ? read_cell(compiled, text) : Cell{CellKind::text, 0};
      if constexpr (note_readings) read[r] = value;
      // An NHS number has at least 10 characters: most cells are ruled out by their size.
      if ((identifier_patterns || (nhs_numbers && text.size() >= 10)) && value.kind != CellKind::marker &&
          is_identifier_cell(compiled, text)) [[unlikely]] {
        identifier(c, first + static_cast<std::int64_t>(r), text);
      }
      if constexpr (count) {
        // A long table's row that holds a measure: its cells are no counts.
        if (kind.by_row && measure_row[r]) [[unlikely]] {
          stats.add(value, text);
          return;
        }
        if (value.kind == CellKind::integer) {
          const std::int64_t n = value.integer;
          if (kind.midpoint6 || kind.base != 0) {
            const CountVerdict v = count_verdict(limits, kind, n);
            const unsigned small = v == CountVerdict::small;
            tally(r, text, halves(small, (1u ^ small) & static_cast<unsigned>(v != CountVerdict::ok)),
                  [v, n] { return std::pair(v, n); });
          } else {
            const CountFlags flags = count_flags(limits, n);
            tally(r, text, halves(flags.small, flags.unrounded), [flags, n] {
              return std::pair(flags.small ? CountVerdict::small : CountVerdict::unrounded, n);
            });
          }
          return;
        }
        if (value.kind == CellKind::marker && noted) noted[r] = 1;
        // A count written in text ("2 (<0.1%)"): its leading count is judged as any count.
        if (kind.in_text && value.kind == CellKind::text && !statistic_row[r]) [[unlikely]] {
          if (const auto n = leading_count(text)) {
            const CountVerdict v = count_verdict(limits, kind, *n);
            const unsigned small = v == CountVerdict::small;
            tally(r, text, halves(small, (1u ^ small) & static_cast<unsigned>(v != CountVerdict::ok)),
                  [v, n] { return std::pair(v, *n); });
            return;
          }
        }
      }
      stats.add(value, text);
    };
    std::size_t r = 0;
    if constexpr (count && std::is_base_of_v<PackedColumn, Column>) {
      // Plain count cells eight at a time where the CPU can; a group the run leaves (a cell that is
      // not plain, or a finding to keep) is read here. A column whose groups it keeps leaving is
      // read here for the rest of the batch.
      if (by_last_digit && plain_counts) {
        for (std::size_t stalls = 0; rows - r >= 8 && stalls < 16;) {
          const std::size_t from = r;
          CountRunTotals totals;
          r = plain_counts(column, last_digit_cases, full, r, rows, read, noted, totals);
          past_cap += totals.past_cap;
          integer_cells += totals.integer_cells;
          stalls = r == from ? stalls + 1 : 0;
          if (rows - r < 8) break;
          for (const std::size_t group = r + 8; r < group; ++r) cell(r);
        }
      }
    }
    for (; r < rows; ++r) cell(r);
    stats.values += integer_cells;
    stats.integers += integer_cells;
    col.stats = stats;
    if constexpr (note_shape) *shape = ColumnShape{longest, first_bytes};
    col.count_findings.count_more(count_rule(CountVerdict::small), static_cast<std::int64_t>(past_cap & 0xFFFFFFFFu));
    col.count_findings.count_more(count_rule(CountVerdict::unrounded), static_cast<std::int64_t>(past_cap >> 32));
  }

  // A count finding that may still be kept; returns whether its rule is now full on the column.
  // Out of the cell loop: the loop's registers are better spent on the cells.
  [[gnu::noinline]] unsigned count_finding(int c, std::int64_t index, std::string_view text, CountVerdict verdict,
                                       std::int64_t n) {
    const char* rule = count_rule(verdict);
    ColumnState& col = cols[static_cast<std::size_t>(c)];
    return col.count_findings.add(rule, Outcome::fail, cap, [&] {
      std::string message = count_message(policy->policy(), verdict, n, col.kind.base);
      if (col.kind.in_text && read_cell(*policy, text).kind == CellKind::text) message = "in \"" + std::string(text) + "\": " + message;
      return cell_finding(rule, Outcome::fail, index, c, text, std::move(message));
    });
  }

  [[gnu::noinline]] void identifier(int c, std::int64_t index, std::string_view text) {
    ColumnState& col = cols[static_cast<std::size_t>(c)];
    ++col.identifier_values;
    if (col.role == Role::identifier) return;
    col.identifier_cells.add("identifier_value", Outcome::fail, cap, [&] {
      // Which test it met, so that a checker can tell a real NHS number from a pattern's match.
      const CompiledPolicy& compiled = *policy;
      std::string why = "an NHS number, its check digit valid";
      if (!(compiled.policy().nhs_number_values && may_be_nhs_number(text) && is_nhs_number(text))) {
        const std::string* pattern = compiled.identifier_value_pattern(text);
        why = pattern ? "it matches the policy's identifier pattern \"" + *pattern + "\"" : "a policy identifier pattern";
      }
      return cell_finding("identifier_value", Outcome::fail, index, c, text,
                          "looks like a person's identifier (" + why + "): remove it");
    });
  }

  void finish(FindingList& out) {
    if (sampling) decide();
    const Policy& p = policy->policy();
    std::vector<Role> roles;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      roles.push_back(cols[c].role);
      // A column of people's identifiers is blocked as such; it is not also a column of counts.
      if (mostly_identifiers(cols[c].identifier_values, cols[c].stats.values)) {
        roles[c] = Role::identifier;
        this->roles[c].role = Role::identifier;
        this->roles[c].kind = {};
        this->roles[c].why = "values: mostly people's identifiers";
      }
    }
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const ColumnState& col = cols[c];
      if (roles[c] == Role::patient_identifier) {
        Finding f;
        f.rule = "patient_id";
        f.outcome = Outcome::blocked;
        f.column = col.name;
        f.message = "column \"" + col.name + "\" identifies patients: patient-level data may never leave";
        out.add(std::move(f));
      } else if (roles[c] == Role::unsafe_statistic) {
        Finding f;
        f.rule = "unsafe_statistic";
        f.outcome = p.unsafe_statistic_outcome;
        f.column = col.name;
        f.message = "column \"" + col.name + "\" holds minima, maxima or ranges, which describe single people";
        out.add(std::move(f));
      }
    }
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const ColumnState& col = cols[c];
      if (col.identifier_values == 0) continue;
      if (mostly_identifiers(col.identifier_values, col.stats.values)) {
        Finding f;
        f.rule = "identifier_value";
        f.outcome = Outcome::blocked;
        f.column = col.name;
        f.message = "column \"" + col.name + "\" holds identifiers of people (" + std::to_string(col.identifier_values) +
                    " of " + std::to_string(col.stats.values) + " values look like NHS numbers or policy identifier patterns)";
        out.add(std::move(f));
      } else {
        release(col.identifier_cells, out);
      }
    }
    std::vector<const HeldFindings*> count_held;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (roles[c] == Role::count) count_held.push_back(&cols[c].count_findings);
    }
    release_merged(count_held, out);
    for (const auto& unit : units) unit->finish({this->roles}, out);
  }

  static void release(const HeldFindings& h, FindingList& out) { release_merged({&h}, out); }
};

TableCheck::TableCheck(std::shared_ptr<const CompiledPolicy> policy, std::size_t cap)
    : impl_(std::make_unique<Impl>(std::move(policy), cap)) {}

TableCheck::~TableCheck() = default;

void TableCheck::header(std::span<const std::string_view> fields) {
  for (auto f : fields) {
    impl_->header.emplace_back(f);
    ColumnState c;
    c.name = std::string(f);
    impl_->cols.push_back(std::move(c));
  }
}

void TableCheck::record(std::int64_t index, std::span<const std::string_view> fields) {
  if (impl_->sampling) {
    if (impl_->sample.add(index, fields)) return;
    impl_->decide();
  }
  ++impl_->rows_after_sample;
  impl_->one_record(index, fields);
}

void TableCheck::records(const PackedRecords& all) {
  PackedRecords packed = all;
  if (impl_->sampling) {
    std::vector<std::string_view> fields(packed.width);
    std::size_t r = 0;
    for (; r < packed.size(); ++r) {
      packed.fields(r, fields.data());
      if (!impl_->sample.add(packed.first_index + static_cast<std::int64_t>(r), fields)) break;
    }
    if (r == packed.size()) return;
    impl_->decide();
    packed.first_index += static_cast<std::int64_t>(r);
    packed.starts = packed.starts.subspan(r);
    packed.ends = packed.ends.subspan(r * packed.width);
  }
  impl_->rows_after_sample += static_cast<std::int64_t>(packed.size());
  if (packed.width == impl_->cols.size()) {
    impl_->records(packed.first_index, PackedCells{packed}, packed.size(), packed.width);
    return;
  }
  std::vector<std::string_view> fields;  // ragged rows: one at a time
  for (std::size_t r = 0; r < packed.size(); ++r) {
    impl_->one_record(packed.first_index + static_cast<std::int64_t>(r), PackedCells{packed}.row(r, fields));
  }
}

void TableCheck::finish(FindingList& out) { impl_->finish(out); }

const std::vector<ColumnRole>& TableCheck::column_roles() const { return impl_->roles; }

std::vector<ColumnRole> TableCheck::take_column_roles() { return std::move(impl_->roles); }

std::int64_t TableCheck::roles_read_on_rows() const {
  return impl_->rows_after_sample > 0 ? impl_->roles_sampled : 0;
}

}  // namespace outcheck::rules
