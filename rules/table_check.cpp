#include "rules/table_check.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rules/cell_value.h"
#include "rules/column_roles.h"
#include "rules/count_rules.h"
#include "rules/derived_proof.h"
#include "rules/header_counts.h"
#include "rules/header_rows.h"
#include "rules/interval_proof.h"
#include "rules/organisation_codes.h"
#include "rules/rule_registry.h"
#include "rules/table_roles.h"
#include "rules/table_sample.h"

namespace outcheck::rules {

namespace {

// Findings that wait for a column's role: the first `cap` of each rule kept, every one counted.
// Counting allocates nothing and a finding is built only when it is kept, since a large raw table
// can hold millions of unrounded counts.
struct Held {
  struct Count {
    const char* rule;
    Outcome outcome;
    std::int64_t total = 0;
    std::int64_t kept = 0;
  };
  std::vector<Finding> kept;
  std::vector<Count> counts;
  std::size_t last = 0;  // counts[last] took the previous finding: most runs are of one rule

  // The count of `rule`, or counts.size(). Rule names are string literals, the same pointer every
  // time: pointers are compared first, the text only when none matches.
  std::size_t find(const char* rule) const {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i].rule == rule) return i;
    }
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (std::strcmp(counts[i].rule, rule) == 0) return i;
    }
    return counts.size();
  }

  // Counts a finding of `rule`, keeping it while fewer than `cap` are kept; returns whether `cap`
  // are kept now (the next ones need only be counted).
  template <class Build>
  bool add(const char* rule, Outcome outcome, std::size_t cap, Build build) {
    if (last >= counts.size() || counts[last].rule != rule) {
      last = find(rule);
      if (last == counts.size()) counts.push_back(Count{rule, outcome});
    }
    Count& c = counts[last];
    ++c.total;
    if (static_cast<std::size_t>(c.kept) < cap) {
      ++c.kept;
      kept.push_back(build());
    }
    return static_cast<std::size_t>(c.kept) >= cap;
  }

  // Whether `rule` has kept its `cap` findings already (none yet: the first one creates its count).
  bool full(const char* rule, std::size_t cap) const {
    const std::size_t i = find(rule);
    return i < counts.size() && static_cast<std::size_t>(counts[i].kept) >= cap;
  }
  // Counts `n` more findings of a rule that is full().
  void count_more(const char* rule, std::int64_t n) {
    if (n == 0) return;
    if (const std::size_t i = find(rule); i < counts.size()) counts[i].total += n;
  }
};

struct ColumnState {
  std::string name;
  Role role = Role::category;  // decided on the first rows, before any rule runs on a cell
  CountKind kind;
  ColumnStats stats;
  std::int64_t identifier_values = 0;
  Held count_findings;     // small_count / unrounded, valid if the column is a count
  Held identifier_cells;   // isolated identifier values
  bool practice_column = false;  // named for practices: ODS codes in it are real practices
  std::map<int, Held> derived_by;  // derived findings on other columns, valid if this one is a count
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
  std::span<const std::string_view> row(std::size_t r, std::vector<std::string_view>&) const {
    return {cells + r * stride, stride};
  }
};

struct PackedCells {
  const PackedRecords& packed;
  struct Column {
    const char* base;
    const std::uint32_t* from;  // starts, or the previous column's ends
    std::size_t from_stride;
    std::uint32_t skip;         // 0 from a record's start, 1 past a delimiter
    const std::uint32_t* to;
    std::size_t to_stride;
    std::string_view operator[](std::size_t r) const {
      const std::uint32_t begin = from[r * from_stride] + skip;
      return std::string_view(base + begin, to[r * to_stride] - begin);
    }
  };
  Column column(std::size_t c) const {
    const std::size_t w = packed.width;
    if (c == 0) return {packed.base, packed.starts.data(), 1, 0, packed.ends.data(), w};
    return {packed.base, packed.ends.data() + c - 1, w, 1, packed.ends.data() + c, w};
  }
  std::span<const std::string_view> row(std::size_t r, std::vector<std::string_view>& scratch) const {
    scratch.resize(packed.width);
    packed.fields(r, scratch.data());
    return scratch;
  }
};

}  // namespace

struct TableCheck::Impl {
  std::shared_ptr<const CompiledPolicy> policy;
  std::size_t cap;
  std::vector<ColumnState> cols;
  std::vector<int> rates_;  // reused across records

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
    std::vector<std::string> names;
    for (const auto& c : cols) names.push_back(c.name);
    // A second header row names the columns with the first; it is not data, so no rule reads it.
    if (auto two_rows = second_header_row(*policy, names, sample)) {
      names = std::move(*two_rows);
      for (std::size_t c = 0; c < cols.size() && c < names.size(); ++c) cols[c].name = names[c];
      sample.drop_first();
      roles_sampled = static_cast<std::int64_t>(sample.rows());
    }
    roles = decide_roles(*policy, names, sample);
    for (std::size_t c = 0; c < cols.size(); ++c) {
      cols[c].role = roles[c].role;
      cols[c].kind = roles[c].kind;
      any_rate |= roles[c].role == Role::rate;
      any_in_text |= roles[c].kind.in_text;
    }
    // The rules written as units (rules/table_rule.h), those the table gives work.
    const TableFacts facts{*policy, names, roles, sample, cap};
    for (const Rule& rule : rule_registry()) {
      if (!rule.make_unit) continue;
      if (auto unit = rule.make_unit(facts)) units.push_back(std::move(unit));
    }
    // Not a rule of its own: small_count and unrounded, applied to counts written in headers.
    if (auto unit = make_header_counts_rule(facts)) units.push_back(std::move(unit));
    for (const BoundPair& b : bound_pairs(names)) {
      auto numeric = [&](int c) { return roles[c].role == Role::measure || roles[c].role == Role::rate; };
      if (numeric(b.lower) && numeric(b.upper)) bounds_.push_back(b);
    }
    any_rate |= !bounds_.empty();
    practice_keyed = practice_key(names, roles, sample);
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
      while (end < sample.rows() && sample.width(end) == width) ++end;
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

  Finding cell_finding(const char* rule, Outcome o, std::int64_t row, int col, std::string_view value, std::string msg) {
    Finding f;
    f.rule = rule;
    f.outcome = o;
    f.row = row;
    f.column = cols[static_cast<std::size_t>(col)].name;
    f.value = std::string(value);
    f.message = std::move(msg);
    return f;
  }

  bool any_rate = false;  // a column's header says rate, or two name an interval: the derived-value rule has work
  std::vector<std::unique_ptr<TableRule>> units;  // rules written as units, made in decide()
  std::vector<BoundPair> bounds_;  // the intervals' bound columns
  bool any_in_text = false;  // a column holds counts written in text
  int practice_keyed = -1;   // the practice column that keys the table, if it is keyed by practice
  // Organisation codes seen, by column (ordered, so findings come in column order); only the few
  // columns that hold one have an entry.
  std::map<int, OrganisationCodeTally> organisation_codes;
  // A long table: the column naming each row's measure, and the labels of rows holding measures.
  int row_label = -1;
  std::vector<std::string> measure_labels;
  std::vector<std::uint8_t> measure_row;  // per record of the batch being read
  // Per record being read: whether it holds a small count or a redacted one, the only records on
  // which a rate can be derived from a small count. Reused.
  std::vector<std::uint8_t> may_derive;

  std::vector<std::string_view> row_scratch;  // a packed record's fields, when needed as a row

  // Records [first, first + rows), each with at least `width` cells (width <= the header's
  // columns). The rules run a column at a time, over every record given: a column's cells are
  // alike, so the work for one cell predicts the next. Each column's findings are held in row order
  // whichever way the table is walked, so the findings are those a row-by-row pass would make.
  template <class Cells>
  void records(std::int64_t first, const Cells& cells, std::size_t rows, std::size_t width) {
    if (any_rate) may_derive.assign(rows, 0);
    if (any_in_text) mark_statistic_rows(cells, rows, width);
    if (row_label >= 0) mark_measure_rows(cells, rows, width);
    for (std::size_t c = 0; c < width; ++c) {
      column(static_cast<int>(c), first, cells.column(c), rows, any_rate ? may_derive.data() : nullptr);
    }
    if (any_rate) {
      // A rate's denominator may be on the previous record (a flowchart's step) or the first one
      // (its base): kept as text for the next batch, and from the first batch.
      if (first_record.empty() && rows > 0) {
        for (auto f : cells.row(0, row_scratch).subspan(0, width)) first_record.emplace_back(f);
      }
      std::vector<std::string_view> previous(previous_record.begin(), previous_record.end());
      std::vector<std::string_view> current;
      const std::vector<std::string_view> first_fields(first_record.begin(), first_record.end());
      for (std::size_t r = 0; r < rows; ++r) {
        if (may_derive[r]) {
          if (r > 0) {
            auto prev = cells.row(r - 1, row_scratch);
            previous.assign(prev.begin(), prev.end());
          }
          auto row = cells.row(r, row_scratch);
          current.assign(row.begin(), row.end());
          derived(first + static_cast<std::int64_t>(r), current.data(), width, previous, first_fields);
        }
      }
      if (rows > 0) {
        auto last = cells.row(rows - 1, row_scratch);
        previous_record.assign(last.begin(), last.end());
      }
    }
    // Each row is put together once, for every unit.
    for (std::size_t r = 0; !units.empty() && r < rows; ++r) {
      const std::span<const std::string_view> row = cells.row(r, row_scratch);
      for (const auto& unit : units) unit->observe(first + static_cast<std::int64_t>(r), row);
    }
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
      measure_row[r] = std::find(measure_labels.begin(), measure_labels.end(), label) != measure_labels.end();
    }
  }

  // Every cell of the table passes here, with the column's role decided.
  template <class Column>
  void column(int c, std::int64_t first, const Column& cells, std::size_t rows, std::uint8_t* may_derive_row) {
    // One loop per combination of what a column's cells may need, so none of them tests it per cell.
    const bool count = may_be_count(cols[static_cast<std::size_t>(c)]);
    if (policy->has_identifier_patterns()) {
      if (count) column_cells<true, true>(c, first, cells, rows, may_derive_row);
      else column_cells<false, true>(c, first, cells, rows, may_derive_row);
    } else {
      if (count) column_cells<true, false>(c, first, cells, rows, may_derive_row);
      else column_cells<false, false>(c, first, cells, rows, may_derive_row);
    }
  }

  template <bool count, bool identifier_patterns, class Column>
  void column_cells(int c, std::int64_t first, const Column column, std::size_t rows, std::uint8_t* may_derive_row) {
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
    unsigned small_full = col.count_findings.full(count_rule(CountVerdict::small), cap);
    unsigned unrounded_full = col.count_findings.full(count_rule(CountVerdict::unrounded), cap);
    std::int64_t small_past_cap = 0, unrounded_past_cap = 0;
    // Integer cells of a column that may hold counts, most of its cells: counted in the stats once,
    // after the loop, so the loop carries one counter for them rather than three.
    std::int64_t integer_cells = 0;
    // A count cell's verdict, as flags. Whether a count is rounded is as good as random from one
    // cell to the next, so it is counted in arithmetic, not branches: the loop branches only for a
    // finding it keeps, which `verdict` (its verdict and value) then describes.
    auto tally = [&](std::size_t r, std::string_view text, CountFlags flags, auto verdict) __attribute__((always_inline)) {
      ++integer_cells;
      if (may_derive_row) may_derive_row[r] |= static_cast<std::uint8_t>(flags.small);
      small_past_cap += flags.small & small_full;
      unrounded_past_cap += flags.unrounded & unrounded_full;
      if ((flags.small & (1u ^ small_full)) | (flags.unrounded & (1u ^ unrounded_full))) [[unlikely]] {
        const auto [v, n] = verdict();
        (flags.small ? small_full : unrounded_full) = count_finding(c, first + static_cast<std::int64_t>(r), text, v, n);
      }
    };
    // Under a policy whose small counts are single digits and whose base divides 10 (both presets),
    // a count of up to 8 digits without a leading zero is judged by its length and last digit, and
    // its value is never computed (nor its multiplications done). Not with identifier patterns,
    // which every cell must meet.
    const bool by_last_digit =
        !identifier_patterns && !kind.midpoint6 && kind.base == 0 && !kind.by_row && judged_by_last_digit(limits);
    for (std::size_t r = 0; r < rows; ++r) {
      const std::string_view text = column[r];
      if constexpr (count) {
        const std::size_t size = text.size();
        if (by_last_digit && size - 1 < 8 && leading_digits8(text.data(), size).count == size &&
            (size == 1 || text[0] != '0')) [[likely]] {
          const CountFlags flags = count_flags_by_last_digit(limits, size, static_cast<unsigned>(text[size - 1] - '0'));
          tally(r, text, flags, [flags, text, &compiled] {
            return std::pair(flags.small ? CountVerdict::small : CountVerdict::unrounded, read_cell(compiled, text).integer);
          });
          continue;
        }
      }
      // A column whose header fixed its role (anything but a count or an unclassified column)
      // needs only whether each cell is a marker, for its count of values, and the identifier
      // test: most cells are told apart from markers by their first character, without reading
      // them as numbers.
      const Cell value = count || compiled.may_be_marker(text) ? read_cell(compiled, text) : Cell{CellKind::text, 0};
      // Organisation codes are text of 6 or 9 characters: most cells are ruled out by their size.
      if (!count && value.kind == CellKind::text && maybe_organisation_code(text)) [[unlikely]] {
        organisation_codes[c].add(text, col.practice_column);
      }
      // An NHS number has at least 10 characters: most cells are ruled out by their size.
      if ((identifier_patterns || (nhs_numbers && text.size() >= 10)) && value.kind != CellKind::marker &&
          is_identifier_cell(compiled, text)) [[unlikely]] {
        identifier(c, first + static_cast<std::int64_t>(r), text);
      }
      if constexpr (count) {
        // A long table's row that holds a measure: its cells are no counts.
        if (kind.by_row && measure_row[r]) [[unlikely]] {
          stats.add(value, text);
          continue;
        }
        if (value.kind == CellKind::integer) {
          const std::int64_t n = value.integer;
          if (kind.midpoint6 || kind.base != 0) {
            const CountVerdict v = count_verdict(limits, kind, n);
            const unsigned small = v == CountVerdict::small;
            tally(r, text, CountFlags{small, (1u ^ small) & static_cast<unsigned>(v != CountVerdict::ok)},
                  [v, n] { return std::pair(v, n); });
          } else {
            const CountFlags flags = count_flags(limits, n);
            tally(r, text, flags, [flags, n] {
              return std::pair(flags.small ? CountVerdict::small : CountVerdict::unrounded, n);
            });
          }
          continue;
        }
        if (value.kind == CellKind::marker && may_derive_row) may_derive_row[r] = 1;
        // A count written in text ("2 (<0.1%)"): its leading count is judged as any count.
        if (kind.in_text && value.kind == CellKind::text && !statistic_row[r]) [[unlikely]] {
          if (const auto n = leading_count(text)) {
            const CountVerdict v = count_verdict(limits, kind, *n);
            const unsigned small = v == CountVerdict::small;
            tally(r, text, CountFlags{small, (1u ^ small) & static_cast<unsigned>(v != CountVerdict::ok)},
                  [v, n] { return std::pair(v, *n); });
            continue;
          }
        }
      }
      stats.add(value, text);
    }
    stats.values += integer_cells;
    stats.integers += integer_cells;
    col.stats = stats;
    col.count_findings.count_more(count_rule(CountVerdict::small), small_past_cap);
    col.count_findings.count_more(count_rule(CountVerdict::unrounded), unrounded_past_cap);
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

  // A rate computed from a small count on its record, or one that with a published count gives
  // back a redacted one, is itself disclosive. Run on the records holding a small or redacted count.
  std::vector<std::string> previous_record, first_record;
  std::vector<Operand> numerators_, denominators_;

  // The counts of a record (its own, or the previous or first record's) as operands of a proof:
  // counts as numerators and denominators, numbers of measure columns (person-time) as denominators.
  void operands(std::span<const std::string_view> fields, std::size_t width, Place place) {
    const CompiledPolicy& compiled = *policy;
    for (std::size_t c = 0; c < width && c < fields.size(); ++c) {
      const ColumnState& col = cols[c];
      if (col.role != Role::count && col.role != Role::measure) continue;
      const Cell v = read_cell(compiled, fields[c]);
      double value = 0;
      if (v.kind == CellKind::integer) value = static_cast<double>(v.integer);
      else if (v.kind == CellKind::number && col.role == Role::measure) value = parse_number(fields[c]).value_or(0);
      else continue;
      const bool small = col.role == Role::count && v.kind == CellKind::integer && !col.kind.midpoint6 &&
                         count_verdict(compiled.policy(), col.kind, v.integer) == CountVerdict::small;
      const Operand o{static_cast<int>(c), value, place, small};
      if (place == Place::same_row && col.role == Role::count && v.kind == CellKind::integer) numerators_.push_back(o);
      denominators_.push_back(o);
    }
  }

  std::string operand_text(const Operand& o) const {
    std::string s = cols[static_cast<std::size_t>(o.column)].name;
    if (o.place == Place::previous_row) s += " (previous row)";
    if (o.place == Place::first_row) s += " (first row)";
    char value[32];
    std::snprintf(value, sizeof value, " %.15g", o.value);
    return s + value;
  }

  std::string formula(const Derivation& d) const {
    std::string share = operand_text(d.numerator) + " / " + operand_text(d.denominator);
    std::string scaled = d.scale == 1 ? share : std::to_string(d.scale) + " x " + share;
    return d.complement ? (d.scale == 1 ? "1 - " : std::to_string(d.scale) + " x (1 - ") + share + (d.scale == 1 ? "" : ")")
                        : scaled;
  }

  // A rate computed from a small count on its record, or one that with a published count gives
  // back a redacted one, is itself disclosive. Run on the records holding a small or redacted count.
  // The arithmetic decides where it can: a rate equal, at its printed precision, to a small count
  // over a denominator is tied to that count (and the formula named); one that only published
  // counts explain gives nothing away; one that nothing explains keeps the finding of old.
  void derived(std::int64_t index, const std::string_view* fields, std::size_t width,
               std::span<const std::string_view> previous, std::span<const std::string_view> first_fields) {
    const CompiledPolicy& compiled = *policy;
    const Policy& p = compiled.policy();
    numerators_.clear();
    denominators_.clear();
    operands({fields, width}, width, Place::same_row);
    // The previous and first records' counts are read only when the record's own do not explain a
    // rate (most rates are a count over a denominator beside it): see other_rows() below.
    bool other_rows_read = false;
    auto other_rows = [&] {
      if (other_rows_read) return;
      other_rows_read = true;
      if (!previous.empty()) operands(previous, width, Place::previous_row);
      // On the first record itself, its share of itself is 1: a flowchart's base row ("pct_all 1").
      if (!first_fields.empty()) operands(first_fields, width, Place::first_row);
    };
    // The first count column of each kind on the record.
    int first_small = -1, first_redacted = -1, first_published = -1;
    rates_.clear();
    for (std::size_t c = 0; c < width; ++c) {
      const ColumnState& col = cols[c];
      const Cell value = read_cell(compiled, fields[c]);
      if (col.role == Role::rate) {
        if (value.kind == CellKind::number || value.kind == CellKind::integer) rates_.push_back(static_cast<int>(c));
        continue;
      }
      if (!may_be_count(col)) continue;
      int* slot = nullptr;
      if (value.kind == CellKind::integer) {
        const bool small_count = !col.kind.midpoint6 && count_verdict(p, col.kind, value.integer) == CountVerdict::small;
        slot = small_count ? &first_small : &first_published;
      } else if (value.kind == CellKind::marker) {
        slot = &first_redacted;
      }
      if (slot && *slot < 0) *slot = static_cast<int>(c);
    }
    for (int rc : rates_) {
      const std::string_view text = fields[rc];
      const auto x = printed_number(text);
      if (x) {
        auto d = derive(*x, numerators_, denominators_, /*small=*/true);
        if (!d) {
          other_rows();
          d = derive(*x, numerators_, denominators_, /*small=*/true);
        }
        if (d) {
          const int source = d->numerator.column;
          cols[static_cast<std::size_t>(source)].derived_by[source].add("derived_from_small_count", Outcome::fail, cap, [&] {
            return cell_finding("derived_from_small_count", Outcome::fail, index, rc, text,
                                "is computed from the small count " + std::string(fields[source]) + " in column \"" +
                                    cols[static_cast<std::size_t>(source)].name + "\" (" + std::string(trim_spaces(text)) +
                                    " = " + formula(*d) + "): redact it too");
          });
          continue;
        }
        // Published counts explain it: it gives nothing away. Only a rate printed precisely enough
        // (four significant digits) is taken as proved so, since a coarse one ("2.5") matches some
        // ratio of the counts around it by chance, and a finding must never be dropped by chance.
        if (x->tolerance <= 1e-4 * std::fabs(x->value) && derive(*x, numerators_, denominators_, /*small=*/false)) continue;
        if (first_redacted >= 0 && first_small < 0) {
          if (const auto g = gives_back(*x, denominators_)) {
            const int red = first_redacted;
            char product[32];
            std::snprintf(product, sizeof product, "%.3f", g->product);
            cols[static_cast<std::size_t>(red)].derived_by[red].add(
                "derived_from_small_count", Outcome::fail, cap, [&] {
                  return cell_finding("derived_from_small_count", Outcome::fail, index, rc, text,
                                      std::string(trim_spaces(text)) + (g->scale == 1 ? "" : " / " + std::to_string(g->scale)) +
                                          " x " + operand_text(g->denominator) + " = " + product +
                                          ": this gives back the redacted count in column \"" +
                                          cols[static_cast<std::size_t>(red)].name + "\" (" + std::to_string(g->count) +
                                          "): redact it too");
                });
            continue;
          }
        }
      }
      // Not proved (no ratio of the row's counts gives it at its printed precision), so the message
      // says what is known: the row holds a small or redacted count the rate may come from.
      if (first_small >= 0) {
        const auto& src = cols[static_cast<std::size_t>(first_small)];
        cols[static_cast<std::size_t>(first_small)].derived_by[first_small].add(
            "derived_from_small_count", Outcome::fail, cap, [&] {
              return cell_finding("derived_from_small_count", Outcome::fail, index, rc, text,
                                  "may be computed from the small count " + std::string(fields[first_small]) +
                                      " in column \"" + src.name + "\" of its row: redact it too");
            });
      } else if (first_redacted >= 0 && first_published >= 0) {
        const auto& red = cols[static_cast<std::size_t>(first_redacted)];
        const auto& pub = cols[static_cast<std::size_t>(first_published)];
        cols[static_cast<std::size_t>(first_redacted)].derived_by[first_published].add(
            "derived_from_small_count", Outcome::fail, cap, [&] {
              return cell_finding("derived_from_small_count", Outcome::fail, index, rc, text,
                                  "with column \"" + pub.name + "\" this value may give back the redacted count in column \"" +
                                      red.name + "\": redact it too");
            });
      }
    }
    if (first_redacted >= 0 && first_small < 0) interval_bounds(index, fields, first_redacted);
  }

  // An interval whose bounds fit one count of events, and no other, under a Poisson or normal
  // model gives back the record's redacted count whatever the person-time (rules/interval_proof.h).
  void interval_bounds(std::int64_t index, const std::string_view* fields, int redacted) {
    for (const BoundPair& b : bounds_) {
      const auto lower = printed_number(fields[b.lower]);
      const auto upper = printed_number(fields[b.upper]);
      if (!lower || !upper) continue;
      const auto implied = interval_implied_count(*lower, *upper);
      if (!implied) continue;
      const auto& red = cols[static_cast<std::size_t>(redacted)];
      const std::string events = std::to_string(implied->events);
      cols[static_cast<std::size_t>(redacted)].derived_by[redacted].add("derived_from_small_count", Outcome::fail, cap, [&] {
        return cell_finding("derived_from_small_count", Outcome::fail, index, b.lower, fields[b.lower],
                            "with \"" + cols[static_cast<std::size_t>(b.upper)].name + "\" " +
                                std::string(trim_spaces(fields[b.upper])) + " this is the " +
                                interval_model_name(implied->model) + " 95% interval for " + events +
                                " events and no other count: it gives back the redacted count in column \"" + red.name +
                                "\" (" + events + "): redact both bounds too");
      });
    }
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
    std::vector<const Held*> count_held, derived_held;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (roles[c] != Role::count) continue;
      count_held.push_back(&cols[c].count_findings);
      for (const auto& [other, held] : cols[c].derived_by) {
        if (roles[static_cast<std::size_t>(other)] == Role::count) derived_held.push_back(&held);
      }
    }
    release_merged(count_held, out);
    release_merged(derived_held, out);
    for (const auto& unit : units) unit->finish({this->roles}, out);
    organisations(out);
  }

  // OpenSAFELY's permitted study results policy: real organisation codes fail (a finding per
  // column), and a table keyed by practice under pseudonymous ids is for a person to confirm.
  void organisations(FindingList& out) {
    const std::optional<Outcome> setting = policy->policy().organisation_identifier;
    if (!setting) return;
    bool real_practices = false;
    for (const auto& [c, codes] : organisation_codes) {
      const ColumnState& col = cols[static_cast<std::size_t>(c)];
      if (codes.empty()) continue;
      real_practices |= col.practice_column && codes.has(OrganisationCode::ods_practice);
      Finding f;
      f.rule = kOrganisationIdentifierRule;
      f.outcome = *setting;
      f.column = col.name;
      f.value = codes.first;
      f.message = organisation_codes_message(col.name, codes, *setting);
      out.add(std::move(f));
    }
    if (practice_keyed >= 0 && !real_practices) {
      Finding f;
      f.rule = kOrganisationIdentifierRule;
      f.outcome = *practice_keyed_outcome(setting);
      f.column = cols[static_cast<std::size_t>(practice_keyed)].name;
      f.message = std::string(kPracticeLevelMessage) + " (a row per practice" +
                  " under column \"" + cols[static_cast<std::size_t>(practice_keyed)].name + "\")";
      out.add(std::move(f));
    }
  }

  static void release(const Held& h, FindingList& out) { release_merged({&h}, out); }

  // Several columns' held findings, in row order, as if they had been found in one pass; what was
  // not kept is still counted.
  static void release_merged(const std::vector<const Held*>& helds, FindingList& out) {
    std::vector<const Finding*> all;
    for (const Held* h : helds) {
      for (const auto& f : h->kept) all.push_back(&f);
    }
    std::stable_sort(all.begin(), all.end(), [](const Finding* a, const Finding* b) { return *a->row < *b->row; });
    for (const Finding* f : all) out.add(*f);
    for (const Held* h : helds) {
      for (const auto& c : h->counts) out.count_only(c.rule, c.outcome, c.total - c.kept);
    }
  }
};

TableCheck::TableCheck(std::shared_ptr<const CompiledPolicy> policy, std::size_t cap) : impl_(std::make_unique<Impl>()) {
  impl_->policy = std::move(policy);
  impl_->cap = cap;
}

TableCheck::~TableCheck() = default;

void TableCheck::header(std::span<const std::string_view> fields) {
  for (auto f : fields) {
    ColumnState c;
    c.name = std::string(f);
    c.practice_column = practice_header(f);
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
