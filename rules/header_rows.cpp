#include "rules/header_rows.h"

#include <algorithm>
#include <cctype>

#include "rules/cell_value.h"
#include "rules/column_roles.h"

namespace outcheck::rules {

namespace {

enum class Kind { blank, word, number };

bool has_letter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) != 0; });
}

bool unnamed(std::string_view name) { return name.empty() || name.rfind("Unnamed: ", 0) == 0; }

Kind kind_of(const CompiledPolicy& policy, std::string_view text) {
  const std::string_view t = trim_spaces(text);
  if (t.empty()) return Kind::blank;
  const Cell c = read_cell(policy, t);
  if (c.kind == CellKind::integer || c.kind == CellKind::number || leading_count(t)) return Kind::number;
  if (c.kind == CellKind::marker) return Kind::blank;
  static constexpr std::string_view kMissing[] = {"NA", "N/A", "NaN", "nan", "NULL", "null", "None", "-", "."};
  if (std::find(std::begin(kMissing), std::end(kMissing), t) != std::end(kMissing)) return Kind::blank;
  return has_letter(t) ? Kind::word : Kind::number;  // "1-7", "<5": not a name
}

enum class Level { none, named, positions };

Level first_row_level(std::span<const std::string> header) {
  if (header.size() < 3) return Level::none;
  bool positions = true;
  for (std::size_t c = 1; c < header.size(); ++c) {
    const auto v = parse_integer(trim_spaces(header[c]));
    if (!v || (*v != static_cast<std::int64_t>(c) - 1 && *v != static_cast<std::int64_t>(c))) positions = false;
  }
  if (positions) return Level::positions;
  std::vector<std::string_view> names;
  names.reserve(header.size() - 1);
  for (std::size_t c = 1; c < header.size(); ++c) {
    const std::string_view name = trim_spaces(header[c]);
    if (unnamed(name)) return Level::named;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end() ? Level::named : Level::none;
}

// The header's names with the first data row's below them: "first / second".
TwoRowHeader merged_names(const CompiledPolicy& policy, std::span<const std::string> header, const TableSample& sample,
                          Level level) {
  TwoRowHeader out;
  std::vector<std::string>& names = out.names;
  std::string first_level;  // a blank name continues the one to its left, as a merged cell does
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string_view top = trim_spaces(header[c]);
    if (c > 0 && level == Level::named) first_level = unnamed(top) ? first_level : std::string(top);
    const std::string first = c == 0 ? (unnamed(top) ? "" : std::string(top)) : level == Level::positions ? "" : first_level;
    const std::string second(trim_spaces(sample.cell(0, c)));
    const bool second_blank = kind_of(policy, second) == Kind::blank;
    const bool both = !first.empty() && !second_blank && second != first;
    if (first.empty()) names.push_back(second_blank ? std::string(top) : second);
    else names.push_back(both ? first + " / " + second : first);
    out.groups.push_back(both ? second : std::string());
    bool group = false;
    if (both) {
      const HeaderRole says = policy.header_role(second);
      group = says == HeaderRole::none || says == HeaderRole::identifier || says == HeaderRole::dimension;
    }
    out.role_words.push_back(group ? first : names.back());
  }
  return out;
}

// pandas' to_csv of a table whose columns have two levels and whose index is named: the first
// level's names (repeated, or blank where merged) over a row naming the second level and holding
// its values, then a row with the index's name alone ("date", and every other cell blank). The
// values may be ranges ("0-49", "80+"), which the test below takes for numbers; none may be a
// number or a count, so a row of data is never taken for them.
bool pandas_levels(const CompiledPolicy& policy, std::span<const std::string> header, const TableSample& sample) {
  if (sample.rows() < 3 || !unnamed(trim_spaces(header[0]))) return false;
  if (kind_of(policy, sample.cell(0, 0)) != Kind::word || kind_of(policy, sample.cell(1, 0)) != Kind::word) return false;
  for (std::size_t c = 1; c < header.size(); ++c) {
    const std::string_view value = trim_spaces(sample.cell(0, c));
    if (value.empty() || read_cell(policy, value).kind != CellKind::text || leading_count(value)) return false;
    if (!trim_spaces(sample.cell(1, c)).empty()) return false;
  }
  return true;
}

}  // namespace

std::optional<TwoRowHeader> second_header_row(const CompiledPolicy& policy, std::span<const std::string> header,
                                              const TableSample& sample) {
  if (header.size() < 3 || sample.rows() < 2) return std::nullopt;
  if (pandas_levels(policy, header, sample)) {
    // Its first level may name each column once (",long_covid,population" over "all,All patients,
    // All patients"): named all the same.
    const Level level = first_row_level(header);
    return merged_names(policy, header, sample, level == Level::positions ? level : Level::named);
  }
  // The first row's cells first: a number among them (most tables' first data row) ends it at once.
  std::vector<std::size_t> words;
  for (std::size_t c = 1; c < header.size(); ++c) {
    const Kind k = kind_of(policy, sample.cell(0, c));
    if (k == Kind::number) return std::nullopt;
    if (k == Kind::word) words.push_back(c);
  }
  if (words.size() < 2) return std::nullopt;
  const Level level = first_row_level(header);
  if (level == Level::none) return std::nullopt;
  const std::size_t below = std::min<std::size_t>(sample.rows(), 200);
  int numeric = 0;
  for (std::size_t c : words) {
    int numbers = 0, names = 0;
    for (std::size_t r = 1; r < below; ++r) {
      const Kind k = kind_of(policy, sample.cell(r, c));
      numbers += k == Kind::number;
      names += k == Kind::word;
    }
    numeric += numbers > 0 && numbers >= names;
  }
  if (numeric < 2) return std::nullopt;
  return merged_names(policy, header, sample, level);
}

}  // namespace outcheck::rules
