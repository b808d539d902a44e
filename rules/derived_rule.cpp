#include "rules/derived_rule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/cell_value.h"
#include "rules/column_roles.h"
#include "rules/count_fix.h"
#include "rules/count_rules.h"
#include "rules/derived_proof.h"
#include "rules/held_findings.h"
#include "rules/interval_proof.h"

namespace outcheck::rules {

namespace {

constexpr const char* kRule = "derived_from_small_count";

class DerivedRule final : public TableRule {
 public:
  DerivedRule(const TableFacts& facts, std::vector<BoundPair> bounds)
      : policy_(facts.policy),
        names_(facts.names),
        groups_(facts.groups),
        roles_(facts.roles),
        cap_(facts.cap),
        bounds_(std::move(bounds)) {
    // In a table whose header has two levels (rules/header_rows.h), a rate of one group ("rate /
    // 80+") is a share of that group's counts ("n / 80+"), when some count column is of its group.
    grouped_.assign(names_.size(), 0);
    for (std::size_t rc = 0; rc < names_.size(); ++rc) {
      if (roles_[rc].role != Role::rate || groups_[rc].empty()) continue;
      for (std::size_t c = 0; c < names_.size(); ++c) {
        if (roles_[c].role == Role::count && groups_[c] == groups_[rc]) grouped_[rc] = 1;
      }
    }
    find_shares(facts.sample);
  }

  bool wants_small_or_redacted() const override { return true; }

  // Only the records holding a small or redacted count are judged; each may need the record before
  // it (a flowchart's step) and the first record (its base), kept as text across batches.
  void observe(const RecordBatch& batch) override {
    const std::size_t rows = batch.size();
    const std::size_t width = std::min(batch.width(), roles_.size());
    if (rows == 0) return;
    if (first_record_.empty()) {
      for (auto f : batch.row(0, scratch_).subspan(0, width)) first_record_.emplace_back(f);
    }
    const std::vector<std::string_view> first_fields(first_record_.begin(), first_record_.end());
    std::vector<std::string_view> previous(previous_record_.begin(), previous_record_.end());
    std::vector<std::string_view> current;
    for (std::size_t r = 0; r < rows; ++r) {
      if (!batch.small_or_redacted(r)) continue;
      if (r > 0) {
        auto prev = batch.row(r - 1, scratch_);
        previous.assign(prev.begin(), prev.end());
      }
      auto row = batch.row(r, scratch_);
      current.assign(row.begin(), row.end());
      judge(batch.record(r), current.data(), width, previous, first_fields);
    }
    auto last = batch.row(rows - 1, scratch_);
    previous_record_.assign(last.begin(), last.end());
  }

  // Each finding stands when both columns it names are still counts at the end (a column read as
  // counts may prove to hold people's identifiers), in row order across columns.
  void finish(const TableEnd& end, FindingList& out) override {
    auto count = [&](int c) { return end.roles[static_cast<std::size_t>(c)].role == Role::count; };
    std::vector<const HeldFindings*> standing;
    for (const auto& [columns, held] : held_) {
      if (count(columns.first) && count(columns.second)) standing.push_back(&held);
    }
    release_merged(standing, out);
  }

 private:
  enum class CountKind : std::uint8_t { none, small, redacted, published };
  struct Share {
    int rate;
    int count;
    ShareEvidence evidence;
  };

  // Held by the count a finding names (the small or redacted one) and the published count beside
  // it, when the message names one; ordered, so findings merge as the column loop once made them.
  HeldFindings& held(int count, int other) { return held_[{count, other}]; }

  Finding cell_finding(std::int64_t row, int col, std::string_view value, std::string msg) const {
    Finding f;
    f.rule = kRule;
    f.outcome = Outcome::fail;
    f.row = row;
    f.column = names_[static_cast<std::size_t>(col)];
    f.value = std::string(value);
    f.message = std::move(msg);
    return f;
  }

  const std::string& name(int c) const { return names_[static_cast<std::size_t>(c)]; }

  // Whether column c may hold an operand of rate column rc: any column, unless rc is of a group
  // that has counts of its own; then the columns of that group and those of none. Another group's
  // counts say nothing of its rates: a rate of 0.0 for ages 80+ does not give back a count
  // redacted for ages 50-59, nor is it computed, at one decimal, from a 7 of that age.
  bool in_group(int rc, int c) const {
    const auto r = static_cast<std::size_t>(rc);
    const auto i = static_cast<std::size_t>(c);
    return !grouped_[r] || groups_[i].empty() || groups_[i] == groups_[r];
  }
  // `all`, or those of its operands in rate rc's group (kept in `out`).
  const std::vector<Operand>& group_operands(int rc, const std::vector<Operand>& all, std::vector<Operand>& out) const {
    if (!grouped_[static_cast<std::size_t>(rc)]) return all;
    out.clear();
    for (const Operand& o : all) {
      if (in_group(rc, o.column)) out.push_back(o);
    }
    return out;
  }
  const ColumnRole& role(std::size_t c) const { return roles_[c]; }

  // The rate columns that are a count column's share of a constant (rules/derived_proof.h), proved
  // on the rows the roles were decided on.
  // Each cell is read once, not once per pair of columns, and a pair is left at the first row that
  // rules its constant out (most pairs, at their second row): a table of 2,000 rate and 2,000 count
  // columns has four million pairs.
  void find_shares(const TableSample& sample) {
    const std::size_t rows = sample.rows();
    std::vector<std::size_t> rate_columns, count_columns;
    for (std::size_t c = 0; c < roles_.size(); ++c) {
      if (roles_[c].role == Role::rate) rate_columns.push_back(c);
      if (roles_[c].role == Role::count) count_columns.push_back(c);
    }
    if (rate_columns.empty() || count_columns.empty()) return;
    // NaN where a cell holds no integer.
    std::vector<double> counts(count_columns.size() * rows, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < count_columns.size(); ++k) {
      for (std::size_t r = 0; r < rows; ++r) {
        const Cell count = read_cell(policy_, sample.cell(r, count_columns[k]));
        if (count.kind == CellKind::integer) counts[k * rows + r] = static_cast<double>(count.integer);
      }
    }
    std::vector<std::optional<Printed>> rates(rows);
    for (std::size_t rc : rate_columns) {
      for (std::size_t r = 0; r < rows; ++r) rates[r] = printed_number(sample.cell(r, rc));
      for (std::size_t k = 0; k < count_columns.size(); ++k) {
        const std::size_t c = count_columns[k];
        if (!in_group(static_cast<int>(rc), static_cast<int>(c))) continue;
        ShareEvidence evidence;
        for (std::size_t r = 0; r < rows && !evidence.broken(); ++r) {
          const double count = counts[k * rows + r];
          if (!std::isnan(count) && rates[r]) evidence.add(count, *rates[r]);
        }
        if (evidence.proved()) shares_.push_back({static_cast<int>(rc), static_cast<int>(c), evidence});
      }
    }
  }

  // Whether a small count of the record may be the share's constant.
  bool small_constant(const Share& s, const std::string_view* fields, std::size_t width) const {
    for (std::size_t c = 0; c < width; ++c) {
      if (kinds_[c] != CountKind::small) continue;
      const Cell v = read_cell(policy_, fields[c]);
      if (v.kind == CellKind::integer && s.evidence.may_be_constant(static_cast<double>(v.integer))) return true;
    }
    return false;
  }

  // The share rate column rc is proved to be of a count column whose count in this record is of
  // `kind` and fits it, or null.
  const Share* share_of(int rc, CountKind kind, const std::string_view* fields, const Printed& x) const {
    for (const Share& s : shares_) {
      if (s.rate != rc || kinds_[static_cast<std::size_t>(s.count)] != kind) continue;
      const Cell count = read_cell(policy_, fields[s.count]);
      if (count.kind == CellKind::integer && s.evidence.fits(static_cast<double>(count.integer), x)) return &s;
    }
    return nullptr;
  }

  // The counts of a record (its own, or the previous or first record's) as operands of a proof:
  // counts as numerators and denominators, numbers of measure columns (person-time) as denominators.
  void operands(std::span<const std::string_view> fields, std::size_t width, Place place) {
    for (std::size_t c = 0; c < width && c < fields.size(); ++c) {
      const ColumnRole& col = role(c);
      if (col.role != Role::count && col.role != Role::measure) continue;
      const Cell v = read_cell(policy_, fields[c]);
      double value = 0;
      if (v.kind == CellKind::integer) value = static_cast<double>(v.integer);
      else if (v.kind == CellKind::number && col.role == Role::measure) value = parse_number(fields[c]).value_or(0);
      else continue;
      const bool small = col.role == Role::count && v.kind == CellKind::integer && !col.kind.midpoint6 &&
                         count_verdict(policy_.policy(), col.kind, v.integer) == CountVerdict::small;
      const Operand o{static_cast<int>(c), value, place, small};
      if (place == Place::same_row && col.role == Role::count && v.kind == CellKind::integer) numerators_.push_back(o);
      denominators_.push_back(o);
    }
  }

  std::string operand_text(const Operand& o) const {
    std::string s = name(o.column);
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

  // A rate equal, at its printed precision, to a small count over a denominator is tied to that
  // count (and the formula named); one that only published counts explain gives nothing away; one
  // that nothing explains keeps the finding of old.
  void judge(std::int64_t index, const std::string_view* fields, std::size_t width,
             std::span<const std::string_view> previous, std::span<const std::string_view> first_fields) {
    const Policy& p = policy_.policy();
    numerators_.clear();
    denominators_.clear();
    operands({fields, width}, width, Place::same_row);
    // The previous and first records' counts are read only when the record's own do not explain a
    // rate (most rates are a count over a denominator beside it).
    bool other_rows_read = false;
    auto other_rows = [&] {
      if (other_rows_read) return;
      other_rows_read = true;
      if (!previous.empty()) operands(previous, width, Place::previous_row);
      // On the first record itself, its share of itself is 1: a flowchart's base row ("pct_all 1").
      if (!first_fields.empty()) operands(first_fields, width, Place::first_row);
    };
    // Each count column's kind on the record.
    kinds_.assign(width, CountKind::none);
    rates_.clear();
    for (std::size_t c = 0; c < width; ++c) {
      const ColumnRole& col = role(c);
      const Cell value = read_cell(policy_, fields[c]);
      if (col.role == Role::rate) {
        if (value.kind == CellKind::number || value.kind == CellKind::integer) rates_.push_back(static_cast<int>(c));
        continue;
      }
      if (col.role != Role::count) continue;
      if (value.kind == CellKind::integer) {
        const bool small_count = !col.kind.midpoint6 && count_verdict(p, col.kind, value.integer) == CountVerdict::small;
        kinds_[c] = small_count ? CountKind::small : CountKind::published;
      } else if (value.kind == CellKind::marker) {
        kinds_[c] = CountKind::redacted;
      }
    }
    bool any_small = false;
    for (CountKind k : kinds_) any_small |= k == CountKind::small;
    for (int rc : rates_) {
      // The first count column of each kind on the record that may be this rate's.
      int first_small = -1, first_redacted = -1, first_published = -1;
      for (std::size_t c = 0; c < width; ++c) {
        if (kinds_[c] == CountKind::none || !in_group(rc, static_cast<int>(c))) continue;
        int& slot = kinds_[c] == CountKind::small ? first_small : kinds_[c] == CountKind::redacted ? first_redacted : first_published;
        if (slot < 0) slot = static_cast<int>(c);
      }
      const std::string_view text = fields[rc];
      const auto x = printed_number(text);
      auto numerators = [&]() -> const std::vector<Operand>& { return group_operands(rc, numerators_, group_numerators_); };
      auto denominators = [&]() -> const std::vector<Operand>& {
        return group_operands(rc, denominators_, group_denominators_);
      };
      if (x) {
        auto d = derive(*x, numerators(), denominators(), /*small=*/true);
        if (!d) {
          other_rows();
          d = derive(*x, numerators(), denominators(), /*small=*/true);
        }
        if (d) {
          const int source = d->numerator.column;
          held(source, source).add(kRule, Outcome::fail, cap_, [&] {
            return cell_finding(index, rc, text,
                                "is computed from the small count " + std::string(fields[source]) + " in column \"" +
                                    name(source) + "\" (" + std::string(trim_spaces(text)) + " = " + formula(*d) +
                                    "): redact it too");
          });
          continue;
        }
        // Published counts explain it: it gives nothing away. Only a rate printed precisely enough
        // (four significant digits) is taken as proved so, since a coarse one ("2.5") matches some
        // ratio of the counts around it by chance, and a finding must never be dropped by chance.
        if (x->tolerance <= 1e-4 * std::fabs(x->value) && derive(*x, numerators(), denominators(), /*small=*/false)) continue;
        if (first_redacted >= 0 && first_small < 0) {
          if (const auto g = gives_back(*x, denominators())) {
            const int red = first_redacted;
            char product[32];
            std::snprintf(product, sizeof product, "%.3f", g->product);
            held(red, red).add(kRule, Outcome::fail, cap_, [&] {
              return cell_finding(index, rc, text,
                                  std::string(trim_spaces(text)) + (g->scale == 1 ? "" : " / " + std::to_string(g->scale)) +
                                      " x " + operand_text(g->denominator) + " = " + product +
                                      ": this gives back the redacted count in column \"" + name(red) + "\" (" +
                                      std::to_string(g->count) + "): redact it too");
            });
            continue;
          }
        }
      }
      // A share of a count column is computed from that column's count in its row: from a small
      // one, a finding; from a published one, nothing of the row's small or redacted counts (a
      // percentage of its column's total beside another column's 0).
      if (x) {
        if (const Share* s = share_of(rc, CountKind::small, fields, *x)) {
          const int source = s->count;
          held(source, source).add(kRule, Outcome::fail, cap_, [&] {
            return cell_finding(index, rc, text,
                                "is computed from the small count " + std::string(fields[source]) + " in column \"" +
                                    name(source) + "\" (on every row, it is that column's count over one constant, " +
                                    "its total): redact it too");
          });
          continue;
        }
        // Not beside a redacted count: the constant may be a denominator the sample's rows share
        // (one practice's list size, week after week), and then this row's redacted one is it. Nor
        // when a small count of the row may be the constant.
        if (first_redacted < 0) {
          if (const Share* s = share_of(rc, CountKind::published, fields, *x); s && !small_constant(*s, fields, width)) {
            continue;
          }
        }
      }
      // Not proved (no ratio of the row's counts gives it at its printed precision), so the message
      // says what is known: the row holds a small or redacted count the rate may come from.
      if (first_small >= 0) {
        held(first_small, first_small).add(kRule, Outcome::fail, cap_, [&] {
          return cell_finding(index, rc, text,
                              "may be computed from the small count " + std::string(fields[first_small]) +
                                  " in column \"" + name(first_small) + "\" of its row: redact it too");
        });
      } else if (first_redacted >= 0 && first_published >= 0) {
        held(first_redacted, first_published).add(kRule, Outcome::fail, cap_, [&] {
          return cell_finding(index, rc, text,
                              "with column \"" + name(first_published) + "\" this value may give back the redacted count in column \"" +
                                  name(first_redacted) + "\": redact it too");
        });
      }
    }
    int first_redacted = -1;
    for (std::size_t c = 0; c < width && first_redacted < 0; ++c) {
      if (kinds_[c] == CountKind::redacted) first_redacted = static_cast<int>(c);
    }
    if (first_redacted >= 0 && !any_small) interval_bounds(index, fields, first_redacted);
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
      const std::string events = std::to_string(implied->events);
      held(redacted, redacted).add(kRule, Outcome::fail, cap_, [&] {
        return cell_finding(index, b.lower, fields[b.lower],
                            "with \"" + name(b.upper) + "\" " + std::string(trim_spaces(fields[b.upper])) + " this is the " +
                                interval_model_name(implied->model) + " 95% interval for " + events +
                                " events and no other count: it gives back the redacted count in column \"" +
                                name(redacted) + "\" (" + events + "): redact both bounds too");
      });
    }
  }

  const CompiledPolicy& policy_;
  const std::vector<std::string> names_;
  const std::vector<std::string> groups_;  // each column's second-level name ("80+" of "n / 80+"), or ""
  const std::vector<ColumnRole> roles_;
  const std::size_t cap_;
  const std::vector<BoundPair> bounds_;  // the intervals' bound columns
  std::map<std::pair<int, int>, HeldFindings> held_;
  std::vector<std::string> previous_record_, first_record_;
  std::vector<Operand> numerators_, denominators_;  // reused per record
  std::vector<Operand> group_numerators_, group_denominators_;  // ... and per rate of a group
  std::vector<Share> shares_;  // rate columns proved a count column's share of a constant
  std::vector<CountKind> kinds_;  // each column's, on the record
  std::vector<int> rates_;
  std::vector<char> grouped_;        // rate columns of a group that has count columns
  std::vector<std::string_view> scratch_;  // a packed record's fields
};

// The intervals whose bounds are both numbers (measures or rates).
std::vector<BoundPair> numeric_bounds(std::span<const std::string> header, const std::vector<ColumnRole>& roles) {
  std::vector<BoundPair> bounds;
  auto numeric = [&](int c) {
    const Role r = roles[static_cast<std::size_t>(c)].role;
    return r == Role::measure || r == Role::rate;
  };
  for (const BoundPair& b : bound_pairs(header)) {
    if (numeric(b.lower) && numeric(b.upper)) bounds.push_back(b);
  }
  return bounds;
}

}  // namespace

std::unique_ptr<TableRule> make_derived_rule(const TableFacts& facts) {
  std::vector<BoundPair> bounds = numeric_bounds(facts.names, facts.roles);
  bool any_rate = !bounds.empty();
  for (const ColumnRole& r : facts.roles) any_rate |= r.role == Role::rate;
  if (!any_rate) return nullptr;
  return std::make_unique<DerivedRule>(facts, std::move(bounds));
}

void fix_derived(const TableFix& fix) {
  const auto& roles = fix.roles;
  const std::vector<BoundPair> bounds = numeric_bounds(fix.table.header, roles);
  for (std::size_t r = 0; r < fix.table.rows.size(); ++r) {
    auto& row = fix.table.rows[r];
    auto cell = [&](std::size_t c) { return c < row.size() ? &row[c] : nullptr; };
    bool redacted_count = false;
    for (std::size_t c = 0; c < roles.size(); ++c) {
      if (roles[c].role != Role::count) continue;
      const std::string* text = cell(c);
      if (text && read_cell(fix.policy, *text).kind == CellKind::marker) redacted_count = true;
    }
    if (!redacted_count) continue;
    for (std::size_t c = 0; c < roles.size(); ++c) {
      if (roles[c].role != Role::rate) continue;
      const std::string* text = cell(c);
      if (text && parse_number(*text)) fix.set(r, c, kRedactedMarker, kRule);
    }
    // An interval whose bounds alone fit one count of events (rules/interval_proof.h) goes too.
    for (const BoundPair& b : bounds) {
      const std::string* lower = cell(static_cast<std::size_t>(b.lower));
      const std::string* upper = cell(static_cast<std::size_t>(b.upper));
      if (!lower || !upper) continue;
      const auto l = printed_number(*lower);
      const auto u = printed_number(*upper);
      if (!l || !u || !interval_implied_count(*l, *u)) continue;
      fix.set(r, static_cast<std::size_t>(b.lower), kRedactedMarker, kRule);
      fix.set(r, static_cast<std::size_t>(b.upper), kRedactedMarker, kRule);
    }
  }
}

}  // namespace outcheck::rules
