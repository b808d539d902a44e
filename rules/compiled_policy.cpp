#include "rules/compiled_policy.h"

#include <cctype>

namespace outcheck::rules {

std::string normalise_marker(std::string_view cell) {
  std::string out;
  out.reserve(cell.size());
  for (char c : cell) {
    if (c == ' ' || c == '\t') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

namespace {

RE2::Options pattern_options() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

Status compile_into(const std::vector<std::string>& sources, const std::string& key,
                    std::vector<std::unique_ptr<RE2>>& out) {
  const RE2::Options options = pattern_options();
  for (const auto& s : sources) {
    auto re = std::make_unique<RE2>(s, options);
    if (!re->ok()) return invalid_input(key + ": invalid RE2 pattern '" + s + "': " + re->error());
    out.push_back(std::move(re));
  }
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<const CompiledPolicy>> CompiledPolicy::compile(Policy policy) {
  auto c = std::shared_ptr<CompiledPolicy>(new CompiledPolicy());
  OUTCHECK_TRY(compile_into(policy.patient_identifier_columns, "columns.patient_identifier", c->patient_identifier_));
  OUTCHECK_TRY(compile_into(policy.unsafe_statistic_columns, "columns.unsafe_statistic", c->unsafe_statistic_));
  OUTCHECK_TRY(compile_into(policy.identifier_columns, "columns.identifier", c->identifier_));
  OUTCHECK_TRY(compile_into(policy.dimension_columns, "columns.dimension", c->dimension_));
  OUTCHECK_TRY(compile_into(policy.rate_columns, "columns.rate", c->rate_));
  OUTCHECK_TRY(compile_into(policy.count_columns, "columns.count", c->count_));
  OUTCHECK_TRY(compile_into(policy.measure_columns, "columns.measure", c->measure_));
  OUTCHECK_TRY(compile_into(policy.totals, "totals", c->totals_));
  c->totals_screen_ = PatternScreen::of(policy.totals, pattern_options());
  OUTCHECK_TRY(compile_into(policy.identifier_value_patterns, "identifier_values.patterns", c->identifier_values_));
  std::vector<std::unique_ptr<RE2>> mid;
  OUTCHECK_TRY(compile_into({policy.midpoint6_columns.empty() ? "$^" : policy.midpoint6_columns}, "midpoint6.columns", mid));
  c->midpoint6_ = std::move(mid.front());
  for (const auto& m : policy.redaction_markers) {
    std::string n = normalise_marker(m);
    if (n.empty()) c->empty_is_marker_ = true;
    else c->marker_start_[static_cast<unsigned char>(n[0])] = true;
    c->markers_.push_back(std::move(n));
  }
  c->marker_start_[static_cast<unsigned char>('<')] = true;  // <=N and <N
  for (int b = 0; b < 256; ++b) {
    const int upper = b >= 'a' && b <= 'z' ? b - 'a' + 'A' : b;
    c->marker_first_byte_[b] = b == ' ' || b == '\t' || c->marker_start_[upper];
  }
  c->policy_ = std::move(policy);
  return std::shared_ptr<const CompiledPolicy>(std::move(c));
}

namespace {

// Whether `re` matches anywhere in `text`, as RE2::PartialMatch: RE2::Match with no submatches,
// which PartialMatch calls underneath after its argument handling. That handling was a third of
// the cost of the call, which runs on every row's label under raised limits (is_total).
bool matches(const RE2& re, std::string_view text) {
  const re2::StringPiece piece(text.data(), text.size());
  return re.Match(piece, 0, piece.size(), RE2::UNANCHORED, nullptr, 0);
}

}  // namespace

bool CompiledPolicy::any_match(const Patterns& patterns, std::string_view text) {
  for (const auto& re : patterns) {
    if (matches(*re, text)) return true;
  }
  return false;
}

const std::string* CompiledPolicy::identifier_value_pattern(std::string_view cell) const {
  for (std::size_t i = 0; i < identifier_values_.size() && i < policy_.identifier_value_patterns.size(); ++i) {
    if (matches(*identifier_values_[i], cell)) return &policy_.identifier_value_patterns[i];
  }
  return nullptr;
}

HeaderRole CompiledPolicy::header_role(std::string_view h) const {
  if (any_match(patient_identifier_, h)) return HeaderRole::patient_identifier;
  if (any_match(unsafe_statistic_, h)) return HeaderRole::unsafe_statistic;
  if (any_match(identifier_, h)) return HeaderRole::identifier;
  if (any_match(dimension_, h)) return HeaderRole::dimension;
  if (any_match(rate_, h)) return HeaderRole::rate;
  if (any_match(count_, h)) return HeaderRole::count;
  if (any_match(measure_, h)) return HeaderRole::measure;
  return HeaderRole::none;
}

bool CompiledPolicy::is_midpoint6(std::string_view header) const {
  return !policy_.midpoint6_columns.empty() && matches(*midpoint6_, header);
}

bool CompiledPolicy::matches_total(std::string_view s) const { return any_match(totals_, s); }

namespace {

// `cell` equals the normalised marker `m` when spaces are dropped and letters upper-cased; compared
// in place, since this runs on every cell that is not an integer.
bool equals_normalised(std::string_view cell, std::string_view m) {
  std::size_t j = 0;
  for (char c : cell) {
    if (c == ' ' || c == '\t') continue;
    if (j == m.size() || std::toupper(static_cast<unsigned char>(c)) != static_cast<unsigned char>(m[j])) return false;
    ++j;
  }
  return j == m.size();
}

}  // namespace

bool CompiledPolicy::is_marker(std::string_view cell) const {
  std::size_t first = 0;
  while (first < cell.size() && (cell[first] == ' ' || cell[first] == '\t')) ++first;
  if (first == cell.size()) return empty_is_marker_;
  unsigned char c0 = static_cast<unsigned char>(cell[first]);
  if (c0 >= 'a' && c0 <= 'z') c0 = static_cast<unsigned char>(c0 - 'a' + 'A');
  if (!marker_start_[c0]) return false;
  for (const auto& m : markers_) {
    if (equals_normalised(cell, m)) return true;
  }
  // `<=N` and `<N` always mark a redacted cell, whatever N.
  std::size_t i = 0;
  auto skip_spaces = [&] {
    while (i < cell.size() && (cell[i] == ' ' || cell[i] == '\t')) ++i;
  };
  skip_spaces();
  if (i == cell.size() || cell[i] != '<') return false;
  ++i;
  skip_spaces();
  if (i < cell.size() && cell[i] == '=') ++i;
  bool digits = false;
  for (; i < cell.size(); ++i) {
    char c = cell[i];
    if (c == ' ' || c == '\t') continue;
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
    digits |= c != '.';
  }
  return digits;
}



}  // namespace outcheck::rules
