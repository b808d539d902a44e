#include "rules/table_check.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "rules/cell_value.h"
#include "rules/column_roles.h"
#include "rules/count_rules.h"
#include "rules/secondary.h"
#include "rules/table_layout.h"

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

  template <class Build>
  void add(const char* rule, Outcome outcome, std::size_t cap, Build build) {
    // Rule names are string literals: the same pointer every time, so compare pointers first.
    Count* c = nullptr;
    if (last < counts.size() && counts[last].rule == rule) {
      c = &counts[last];
    } else {
      for (auto& x : counts) {
        if (x.rule == rule) c = &x;
      }
      if (!c) {
        for (auto& x : counts) {
          if (std::strcmp(x.rule, rule) == 0) c = &x;
        }
      }
      if (!c) c = &counts.emplace_back(Count{rule, outcome});
      last = static_cast<std::size_t>(c - counts.data());
    }
    ++c->total;
    if (static_cast<std::size_t>(c->kept) < cap) {
      ++c->kept;
      kept.push_back(build());
    }
  }
};

struct ColumnState {
  std::string name;
  HeaderRole header_role = HeaderRole::none;
  CountKind kind;
  ColumnStats stats;
  std::int64_t identifier_values = 0;
  Held count_findings;     // small_count / unrounded, valid if the column is a count
  Held identifier_cells;   // isolated identifier values
  std::map<int, Held> derived_by;  // derived findings on other columns, valid if this one is a count
};

constexpr std::size_t kMaxHeldCells = 2'000'000;

}  // namespace

struct TableCheck::Impl {
  std::shared_ptr<const CompiledPolicy> policy;
  std::size_t cap;
  std::vector<ColumnState> cols;
  HeldTable table;
  bool holding = true;
  std::size_t held_cells = 0;
  std::vector<int> rates_;  // reused across records

  bool may_be_count(const ColumnState& c) const {
    return c.header_role == HeaderRole::count || c.header_role == HeaderRole::none;
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

  void record(std::int64_t index, std::span<const std::string_view> fields) {
    // Every cell of the table passes here: the policy is looked up once per record, not per cell.
    const CompiledPolicy& compiled = *policy;
    const Policy& p = compiled.policy();
    const int n = static_cast<int>(std::min(fields.size(), cols.size()));
    // Per kind, the first column whose header says count ([0]) and the first unclassified one ([1]):
    // a derived finding waits on its source column's role, so a column known to be a count is the
    // better source (an unclassified one may end up a measure and take the finding with it).
    int small[2] = {-1, -1}, redacted[2] = {-1, -1}, published[2] = {-1, -1};
    rates_.clear();
    // Plain pointers: through the vectors the compiler reloads both on every cell.
    ColumnState* const columns = cols.data();
    const std::string_view* const cells = fields.data();
    for (int c = 0; c < n; ++c) {
      ColumnState& col = columns[c];
      const std::string_view text = cells[c];
      const Cell cell = read_cell(compiled, text);
      col.stats.add(cell, text);
      if (cell.kind != CellKind::marker && is_identifier_cell(compiled, text)) {
        ++col.identifier_values;
        if (col.header_role != HeaderRole::identifier) {
          col.identifier_cells.add("identifier_value", Outcome::fail, cap, [&] {
            return cell_finding("identifier_value", Outcome::fail, index, c, text,
                                "looks like a person's identifier (an NHS number or a policy identifier pattern): "
                                "remove it");
          });
        }
      }
      if (col.header_role == HeaderRole::rate && (cell.kind == CellKind::number || cell.kind == CellKind::integer)) {
        rates_.push_back(c);
      }
      if (!may_be_count(col)) continue;
      const int sure = col.header_role == HeaderRole::count ? 0 : 1;
      if (cell.kind == CellKind::integer) {
        CountVerdict verdict = count_verdict(p, col.kind, cell.integer);
        if (verdict != CountVerdict::ok) {
          const char* rule = count_rule(verdict);
          col.count_findings.add(rule, Outcome::fail, cap, [&] {
            return cell_finding(rule, Outcome::fail, index, c, text, count_message(p, verdict, cell.integer));
          });
        }
        if (!col.kind.midpoint6 && verdict == CountVerdict::small) {
          if (small[sure] < 0) small[sure] = c;
        } else if (published[sure] < 0) {
          published[sure] = c;
        }
      } else if (cell.kind == CellKind::marker && redacted[sure] < 0) {
        redacted[sure] = c;
      }
    }
    const int first_small = small[0] >= 0 ? small[0] : small[1];
    const int first_redacted = redacted[0] >= 0 ? redacted[0] : redacted[1];
    const int first_published = published[0] >= 0 ? published[0] : published[1];
    for (int r : rates_) {
      std::string_view text = fields[static_cast<std::size_t>(r)];
      if (first_small >= 0) {
        const auto& src = cols[static_cast<std::size_t>(first_small)];
        cols[static_cast<std::size_t>(first_small)].derived_by[first_small].add(
            "derived_from_small_count", Outcome::fail, cap, [&] {
              return cell_finding("derived_from_small_count", Outcome::fail, index, r, text,
                                  "is computed from the small count " +
                                      std::string(fields[static_cast<std::size_t>(first_small)]) + " in column \"" +
                                      src.name + "\": redact it too");
            });
      } else if (first_redacted >= 0 && first_published >= 0) {
        const auto& red = cols[static_cast<std::size_t>(first_redacted)];
        const auto& pub = cols[static_cast<std::size_t>(first_published)];
        cols[static_cast<std::size_t>(first_redacted)].derived_by[first_published].add(
            "derived_from_small_count", Outcome::fail, cap, [&] {
              return cell_finding("derived_from_small_count", Outcome::fail, index, r, text,
                                  "with column \"" + pub.name + "\" this value gives back the redacted count in column \"" +
                                      red.name + "\": redact it too");
            });
      }
    }
    hold(index, fields);
  }

  void hold(std::int64_t index, std::span<const std::string_view> fields) {
    if (!holding) return;
    const Policy& p = policy->policy();
    if (static_cast<std::int64_t>(table.rows.size()) >= p.max_csv_rows || held_cells + fields.size() > kMaxHeldCells) {
      holding = false;  // past the release limits the table is refused anyway; stop holding it
      table.rows.clear();
      table.rows.shrink_to_fit();
      table.records.clear();
      return;
    }
    table.rows.emplace_back(fields.begin(), fields.end());
    table.records.push_back(index);
    held_cells += fields.size();
  }

  void finish(FindingList& out) {
    const Policy& p = policy->policy();
    std::vector<Role> roles;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      roles.push_back(decide_role(cols[c].header_role, cols[c].stats, c == 0 && cols[c].name.empty()));
      // A column of people's identifiers is blocked as such; it is not also a column of counts.
      if (mostly_identifiers(cols[c].identifier_values, cols[c].stats.values)) roles[c] = Role::identifier;
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
    if (holding) secondary(roles, out);
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

  void secondary(const std::vector<Role>& roles, FindingList& out) {
    for (const auto& c : cols) table.header.push_back(c.name);
    TableLayout layout = make_layout(*policy, table, roles);
    Grid grid = make_grid(*policy, table, layout);
    for (const Exposure& e : find_exposures(grid)) {
      int row = layout.body_rows[static_cast<std::size_t>(e.row)];
      int col = layout.body_cols[static_cast<std::size_t>(e.col)];
      // A short (ragged) row has no cell here: make_grid read it as empty, which is a marker.
      const auto& cells = table.rows[static_cast<std::size_t>(row)];
      const std::string_view text =
          static_cast<std::size_t>(col) < cells.size() ? std::string_view(cells[static_cast<std::size_t>(col)]) : std::string_view();
      out.add(cell_finding("secondary_disclosure", Outcome::fail, table.records[static_cast<std::size_t>(row)], col, text,
                           std::string("the published ") + (e.via_row ? "row" : "column") +
                               " totals and cells give this redacted cell back as " + std::to_string(e.value) +
                               ": suppress a complementary cell too (outcheck redact does)"));
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
    c.header_role = impl_->policy->header_role(f);
    c.kind = count_kind(*impl_->policy, f);
    impl_->cols.push_back(std::move(c));
  }
}

void TableCheck::record(std::int64_t index, std::span<const std::string_view> fields) { impl_->record(index, fields); }

void TableCheck::finish(FindingList& out) { impl_->finish(out); }

}  // namespace outcheck::rules
