#include "rules/table_roles.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "rules/cell_value.h"
#include "rules/header_rows.h"
#include "rules/organisation_codes.h"
#include "rules/rounding.h"

namespace outcheck::rules {

namespace {

// A row labelled with a summary statistic ("mean", "SD", "median (IQR)") holds no counts, and
// its decimals would make a column of counts look like a measure: roles are read without it.
bool is_summary_label(std::string_view cell) {
  // Views, so that a label of another length is ruled out by its length alone: this runs on every
  // sampled row's first cell, 5,000 of them in a long table.
  static constexpr std::string_view kLabels[] = {
      "mean", "average", "avg",   "median",  "sd",       "std",    "stddev", "standarddeviation", "se", "iqr", "min",
      "max",  "minimum", "maximum", "range", "variance", "meansd", "medianiqr", "q",              "lq", "uq"};
  constexpr std::size_t kLongest = 17;  // "standarddeviation"
  char w[kLongest];
  std::size_t n = 0;
  for (char c : cell) {
    if (!std::isalpha(static_cast<unsigned char>(c))) continue;
    if (n == kLongest) return false;
    w[n++] = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::string_view letters(w, n);
  for (const std::string_view l : kLabels) {
    if (letters == l) return true;
  }
  return false;
}

// Whether one of the header's words (split at anything but letters and digits) is in `words`.
template <std::size_t N>
bool has_word(std::string_view header, const char* const (&words)[N]) {
  std::string word;
  for (std::size_t i = 0; i <= header.size(); ++i) {
    const char c = i < header.size() ? header[i] : ' ';
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!word.empty()) {
      for (const char* w : words) {
        if (word == w) return true;
      }
      word.clear();
    }
  }
  return false;
}

bool names_statistic_words(std::string_view header) {
  static const char* const kWords[] = {"median", "med", "iqr", "mean", "sd", "std", "average", "avg",
                                       "range", "min", "max", "q1", "q3", "quartile", "quartiles", "percentile"};
  return has_word(header, kWords);
}

// A header that names a count among its words ("Rural, N (%)").
bool has_count_word(std::string_view header) {
  static const char* const kWords[] = {"n", "count", "counts", "number", "num", "total", "patients", "people", "events"};
  return has_word(header, kWords);
}

bool has_letter(std::string_view s) {
  for (char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

const char* header_why(HeaderRole h) {
  switch (h) {
    case HeaderRole::patient_identifier: return "header: patient identifier";
    case HeaderRole::unsafe_statistic: return "header: minimum, maximum or range";
    case HeaderRole::identifier: return "header: identifier or category word";
    case HeaderRole::dimension: return "header: dimension word";
    case HeaderRole::rate: return "header: rate word";
    case HeaderRole::count: return "header: count word";
    case HeaderRole::measure: return "header: measure word (quantile, bound, person-time or model statistic)";
    case HeaderRole::none: break;
  }
  return "";
}

Role header_to_role(HeaderRole h) {
  switch (h) {
    case HeaderRole::patient_identifier: return Role::patient_identifier;
    case HeaderRole::unsafe_statistic: return Role::unsafe_statistic;
    case HeaderRole::identifier: return Role::identifier;
    case HeaderRole::dimension: return Role::dimension;
    case HeaderRole::rate: return Role::rate;
    case HeaderRole::count: return Role::count;
    case HeaderRole::measure: return Role::measure;
    case HeaderRole::none: break;
  }
  return Role::category;
}

// What one column's values are, over the rows roles are read from (markers left out).
struct Facts {
  HeaderRole header = HeaderRole::none;
  bool pandas_index = false;
  // Counts of cells (at most the rows read, so 32 bits; a table may have a million columns).
  std::int32_t values = 0, integers = 0, numbers = 0, redacted = 0, letterless_text = 0, negatives = 0;
  std::int32_t count_led = 0;          // text cells that lead with a count ("41,086 (16%)")
  std::int32_t count_led_percent = 0;  // ... and hold a percent sign after it
  std::uint32_t count_led_row = 0;     // the first such cell's row (of those read)
  std::vector<std::int64_t> nonzero;              // distinct non-zero integers, sorted
};

class Reader {
 public:
  Reader(const CompiledPolicy& policy, std::span<const std::string> header, std::span<const std::string> role_words,
         const TableSample& sample)
      : policy_(policy), header_(header), role_words_(role_words), sample_(sample) {}

  std::vector<ColumnRole> run() {
    for (std::size_t r = 0; r < sample_.rows(); ++r) {
      if (!is_summary_label(trim_spaces(sample_.cell(r, 0)))) rows_.push_back(r);
    }
    const std::size_t n = header_.size();
    facts_.resize(n);
    out_.resize(n);
    int_values_.resize(n * rows_.size());
    is_int_.assign(n * rows_.size(), 0);
    for (std::size_t c = 0; c < n; ++c) gather(c);
    for (std::size_t c = 0; c < n; ++c) first_reading(c);
    structure();
    long_table();
    table_on_its_side();
    for (std::size_t c = 0; c < n; ++c) {
      if (out_[c].role == Role::count && !out_[c].kind.by_row) rounding(c);
    }
    pooled_rounding();
    for (std::size_t c = 0; c < n; ++c) out_[c].name = header_[c];
    return std::move(out_);
  }

 private:
  std::string_view cell(std::size_t row, std::size_t c) const { return trim_spaces(sample_.cell(rows_[row], c)); }

  void gather(std::size_t c) {
    Facts& f = facts_[c];
    f.header = policy_.header_role(role_words_[c]);
    f.pandas_index = c == 0 && header_[c].empty();
    std::unordered_set<std::int64_t> nonzero;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const std::string_view text = sample_.cell(rows_[i], c);
      const Cell v = read_cell(policy_, text);
      if (v.kind == CellKind::marker) {
        if (!trim_spaces(text).empty()) ++f.redacted;
        continue;
      }
      ++f.values;
      if (v.kind == CellKind::integer) {
        ++f.integers;
        int_values_[c * rows_.size() + i] = v.integer;
        is_int_[c * rows_.size() + i] = 1;
        f.negatives += v.integer < 0;
        if (v.integer != 0) nonzero.insert(v.integer);
      } else if (v.kind == CellKind::number) {
        ++f.numbers;
      } else {
        if (!has_letter(text)) ++f.letterless_text;
        if (const auto n = leading_count(text)) {
          if (f.count_led++ == 0) f.count_led_row = static_cast<std::uint32_t>(i);
          f.count_led_percent += text.find('%') != std::string_view::npos;
          if (*n != 0) nonzero.insert(*n);  // their rounding shows as a plain count's would
        }
      }
    }
    f.nonzero.assign(nonzero.begin(), nonzero.end());
    std::sort(f.nonzero.begin(), f.nonzero.end());
  }

  static void set(ColumnRole& r, Role role, const char* why) {
    r.role = role;
    r.why = why;
  }

  // The role from the header, or from the kind of values; integers with no header role are left
  // open (`candidates_`) for the structure to decide.
  void first_reading(std::size_t c) {
    const Facts& f = facts_[c];
    ColumnRole& r = out_[c];
    // Most text cells lead with a count ("2 (<0.1%)", "9,748 / 129,230"): those counts get every
    // count rule, whatever the header says of the column (`N (%)` is a rate by its `%`), unless it
    // names a statistic (a median with its IQR, a mean with its SD). A rate header with no count
    // word over cells with no percent sign ("Paxlovid_perc": "17 (16-19)") holds percentages with
    // their intervals, not counts.
    const std::int32_t text = f.values - f.integers - f.numbers;
    const bool percentages = f.header == HeaderRole::rate && !has_count_word(header_[c]) && f.count_led_percent == 0;
    if (f.count_led > 0 && f.count_led * 2 >= text && !f.pandas_index && !percentages &&
        (f.header == HeaderRole::none || f.header == HeaderRole::count || f.header == HeaderRole::rate) &&
        !names_statistic_words(header_[c])) {
      r.role = Role::count;
      r.kind.in_text = true;
      r.why = "counts written in text (\"" + std::string(cell(f.count_led_row, c).substr(0, 40)) +
              "\"): each cell's leading count";
      return;
    }
    // A count word over a column of words ("patients": a, b, c, total) heads the labels of a table
    // on its side, not counts: read as counts, they would hide its total row from secondary
    // disclosure, and no count rule has a number in them to judge.
    if (f.header == HeaderRole::count && f.values > 0 && f.integers == 0 && f.numbers == 0 && f.count_led == 0 &&
        f.letterless_text == 0) {
      set(r, Role::category, "header: count word, but every value is a word: the rows' labels");
      return;
    }
    if (f.header != HeaderRole::none) {
      r.role = header_to_role(f.header);
      r.why = header_why(f.header);
      if (r.role == Role::count) r.kind = count_kind(policy_, header_[c]);
      if (r.kind.midpoint6) r.why = "header: midpoint-6 count";
      return;
    }
    if (f.pandas_index) {
      set(r, Role::category, "first column with an empty header: the index");
    } else if (f.values > 0 && f.integers == f.values && snomed_codes(c)) {
      set(r, Role::identifier, "values: SNOMED CT concept ids (6 to 18 digits, partition 00 or 10): codes, not counts");
    } else if (f.values > 0 && f.integers == f.values) {
      set(r, Role::count, "integers");
      r.kind = count_kind(policy_, header_[c]);
      if (r.kind.midpoint6) r.why = "integers; header: midpoint-6";
      else candidates_.push_back(c);
    } else if (f.values == 0 && f.redacted > 0) {
      // A count column redacted whole: it still belongs to its rows' totals.
      set(r, Role::count, "every cell redacted");
    } else if (f.values == 0) {
      set(r, Role::category, "empty");
    } else if (f.integers + f.numbers == f.values) {
      set(r, Role::measure, "numbers with decimals: not counts");
    } else {
      set(r, Role::category, "text values");
    }
  }

  // Whether every cell of column c is a SNOMED CT concept id, as a table of a codelist's codes has
  // them (one per row of each age and sex, say): 6 to 18 digits, whose last three are a partition
  // (00, or 10 for an extension's) and a check digit. At least three different ones, so that a
  // column of unrounded counts passes for codes with odds of 1 in 125,000 or less (a count
  // rounded to 1,000 may pass, and then needs no count rule), and no redacted cell: codes are
  // not redacted, and a column of counts with one keeps secondary disclosure's eye.
  bool snomed_codes(std::size_t c) const {
    if (facts_[c].nonzero.size() < 3) return false;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const auto v = int_at(c, i);
      if (!v) return false;  // a redacted or empty cell
      const std::int64_t partition = *v / 10 % 100;
      if (*v < 100000 || *v >= 1000000000000000000 || (partition != 0 && partition != 10)) return false;
    }
    return true;
  }

  // --- structure -------------------------------------------------------------------------------

  using Keys = std::vector<std::uint64_t>;

  static std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h;
  }

  // Each row's key over `cols` (a hash of their cells).
  Keys keys(const std::vector<std::size_t>& cols) const {
    Keys k(rows_.size(), 0x51ED27ULL);
    std::hash<std::string_view> hash;
    for (std::size_t c : cols) {
      for (std::size_t i = 0; i < rows_.size(); ++i) k[i] = mix(k[i], hash(cell(i, c)) + 1);
    }
    return k;
  }
  // Sorted rather than hashed: one allocation, not one per key.
  static std::size_t distinct(const Keys& k) {
    Keys sorted = k;
    std::sort(sorted.begin(), sorted.end());
    return static_cast<std::size_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
  }
  Keys with(const Keys& k, std::size_t c) const {
    Keys out = k;
    std::hash<std::string_view> hash;
    for (std::size_t i = 0; i < rows_.size(); ++i) out[i] = mix(out[i], hash(cell(i, c)) + 1);
    return out;
  }

  std::string names(const std::vector<std::size_t>& cols, std::size_t most = 3) const {
    std::string s;
    std::size_t shown = 0;
    for (std::size_t c : cols) {
      if (shown == most) {
        s += ", ...";
        break;
      }
      s += (s.empty() ? "" : ", ") + header_[c];
      ++shown;
    }
    return s;
  }

  // Columns whose values label rows: categories, identifiers and dimensions by header. Text made
  // of numbers ("(0.4, 0.5)", "1-7") describes a row rather than naming it, and the index column of
  // a pandas table numbers every row: neither is a category here.
  bool labels_rows(std::size_t c) const {
    const Facts& f = facts_[c];
    const Role role = out_[c].role;
    if (f.pandas_index) return false;
    if (role != Role::category && role != Role::identifier && role != Role::dimension) return false;
    const std::int32_t text = f.values - f.integers - f.numbers;
    return !(text > 0 && f.letterless_text * 2 > text);
  }

  // Whether X is the code of the label column C: C is named after X (`vax1_az` beside
  // `vax1_az_descr`, `model` beside `model_name`), and X's values and C's cells match one to one,
  // each value on at least two rows. A count that merely follows a category (a region's count on
  // every row of the region) is not named after it, and stays a count.
  bool codes(std::size_t x, std::size_t c) const {
    if (!names_after(header_[c], header_[x])) return false;
    std::unordered_map<std::int64_t, std::pair<std::string_view, std::size_t>> to_label;  // label, rows
    std::unordered_map<std::string_view, std::int64_t> to_code;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const auto v = int_at(x, i);
      if (!v) return false;
      const std::string_view label = cell(i, c);
      auto [a, fresh_a] = to_label.emplace(*v, std::pair(label, 0));
      auto [b, fresh_b] = to_code.emplace(label, *v);
      if (a->second.first != label || b->second != *v) return false;
      ++a->second.second;
    }
    if (to_label.size() < 2) return false;
    for (const auto& [_, label_rows] : to_label) {
      if (label_rows.second < 2) return false;
    }
    return true;
  }

  // `label` begins with `code` and goes on (case-insensitively): "model_name" after "model".
  static bool names_after(std::string_view label, std::string_view code) {
    if (code.empty() || label.size() <= code.size()) return false;
    for (std::size_t i = 0; i < code.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(label[i])) != std::tolower(static_cast<unsigned char>(code[i]))) return false;
    }
    return true;
  }

  // Small codes: a few values, none large (category codes, flags, level numbers).
  bool small_codes(std::size_t x) const {
    const auto& nz = facts_[x].nonzero;
    return nz.size() <= 20 && (nz.empty() || (nz.front() >= -1 && nz.back() <= 100));
  }

  // Within each block of `blocks`, X runs strictly up or down by one constant step, and at least
  // one block has five rows (three values in a row prove too little: 1, 2, 3 may well be counts).
  bool regular_axis(std::size_t x, const Keys& blocks) const {
    struct Run {
      std::int64_t last = 0, step = 0;
      std::size_t n = 0;
      bool ok = true;
    };
    std::unordered_map<std::uint64_t, Run> runs;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const auto v = int_at(x, i);
      if (!v) return false;
      Run& run = runs[blocks[i]];
      if (run.n == 1) {
        run.step = *v - run.last;
        if (run.step == 0) run.ok = false;
      } else if (run.n > 1 && *v - run.last != run.step) {
        run.ok = false;
      }
      run.last = *v;
      ++run.n;
    }
    bool long_run = false;
    for (const auto& [_, run] : runs) {
      if (!run.ok) return false;
      long_run |= run.n >= 5;
    }
    return long_run;
  }

  // Whether the sets of X's values repeat across the blocks: at least half of the blocks (and two)
  // hold a set of two or more values that another block holds too. Two small counts can repeat by
  // chance over a few blocks, so sets of two values must be shared by four blocks.
  bool repeats(std::size_t x, const Keys& blocks) const {
    std::unordered_map<std::uint64_t, std::vector<std::int64_t>> sets;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      if (const auto v = int_at(x, i)) sets[blocks[i]].push_back(*v);
    }
    std::unordered_map<std::uint64_t, std::size_t> same;  // a set's hash -> blocks holding it
    std::unordered_map<std::uint64_t, std::size_t> size;  // a set's hash -> its values
    std::vector<std::uint64_t> of_block;
    for (auto& [_, values] : sets) {
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      std::uint64_t h = values.size() >= 2 ? 0x9AE16A3B2F90404FULL : 0;
      for (auto v : values) h = mix(h, static_cast<std::uint64_t>(v));
      if (values.size() >= 2) {
        ++same[h];
        size[h] = values.size();
      }
      of_block.push_back(values.size() >= 2 ? h : 0);
    }
    std::size_t shared = 0;
    for (auto h : of_block) shared += h != 0 && same[h] >= (size[h] == 2 ? 4u : 2u);
    return shared >= 2 && shared * 2 >= of_block.size();
  }

  bool interchangeable(std::size_t x, std::size_t y) const {
    std::unordered_map<std::int64_t, std::int64_t> xy, yx;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const auto a = int_at(x, i), b = int_at(y, i);
      if (!a || !b) return false;
      auto [p, _1] = xy.emplace(*a, *b);
      auto [q, _2] = yx.emplace(*b, *a);
      if (p->second != *b || q->second != *a) return false;
    }
    return true;
  }

  void dimension(std::size_t c, std::string why) {
    out_[c].role = Role::dimension;
    out_[c].kind = {};
    out_[c].why = std::move(why);
  }

  void structure() {
    if (candidates_.empty() || rows_.size() < 2) return;
    std::vector<std::size_t> labels;
    for (std::size_t c = 0; c < header_.size(); ++c) {
      if (labels_rows(c)) labels.push_back(c);
    }
    const Keys base = keys(labels);
    const std::size_t base_blocks = distinct(base);
    std::vector<std::size_t> open;
    for (std::size_t x : candidates_) {
      // The code of a category column.
      bool done = false;
      if (small_codes(x)) {
        for (std::size_t c : labels) {
          if (out_[c].role != Role::category && out_[c].role != Role::identifier) continue;
          if (codes(x, c)) {
            dimension(x, "codes of " + header_[c] + ": one value per " + header_[c]);
            done = true;
            break;
          }
        }
      }
      if (done) continue;
      // A regular axis within the blocks of the category columns that, with them, identifies rows.
      if (base_blocks < rows_.size() && facts_[x].nonzero.size() >= 2 && regular_axis(x, base)) {
        dimension(x, labels.empty() ? "a regular axis: identifies rows" : "a regular axis within blocks of " + names(labels) + ": with them, identifies rows");
        continue;
      }
      if (facts_[x].negatives > 0) out_[x].why = "integers with negatives, but nothing in the table's structure makes them a dimension";
      open.push_back(x);
    }
    if (base_blocks == rows_.size() || open.empty()) return;
    // The rows are not yet identified: the columns that complete a key, fewest values first.
    std::sort(open.begin(), open.end(), [&](std::size_t a, std::size_t b) {
      const auto da = facts_[a].nonzero.size(), db = facts_[b].nonzero.size();
      return da != db ? da < db : a < b;
    });
    std::vector<std::size_t> key;
    Keys current = base;
    std::size_t blocks = base_blocks;
    for (std::size_t x : open) {
      if (blocks == rows_.size()) break;
      Keys next = with(current, x);
      const std::size_t d = distinct(next);
      if (d > blocks) {
        key.push_back(x);
        current = std::move(next);
        blocks = d;
      }
    }
    if (blocks != rows_.size()) {
      for (std::size_t x : key) out_[x].why = "integers; with " + (labels.empty() ? std::string("the other columns") : names(labels)) + " they do not identify the rows";
      return;
    }
    for (std::size_t x : key) {
      std::vector<std::size_t> others = labels;
      for (std::size_t y : key) {
        if (y != x) others.push_back(y);
      }
      const Keys rest = keys(others);
      if (distinct(rest) == rows_.size()) continue;  // not needed for the key
      bool twin = false;
      for (std::size_t y : candidates_) {
        if (y != x && interchangeable(x, y)) {
          out_[x].why = "integers that would index the table, but so would " + header_[y] + ": read as counts";
          twin = true;
          break;
        }
      }
      if (twin) continue;
      if (repeats(x, rest)) {
        dimension(x, "with " + names(others) + " identifies rows; the same values repeat across blocks");
      } else {
        out_[x].why = "integers that complete a key with " + names(others) +
                      ", but their values do not repeat across blocks: read as counts";
      }
    }
  }

  // --- long tables ---------------------------------------------------------------------------

  // A long table names each row's measure in a category column (Population, Observed, Expected,
  // row after row): its value columns hold counts on some rows and decimals on others, and read
  // whole they look like measures, which would let the counts pass unchecked. Each row gets its own
  // role instead: a label whose rows hold decimals (or whose words say rate or measure) marks
  // measures; the others mark counts.
  void long_table() {
    std::vector<std::size_t> values;  // columns of numbers with no role from their header
    for (std::size_t c = 0; c < header_.size(); ++c) {
      const Facts& f = facts_[c];
      if (f.header == HeaderRole::none && !f.pandas_index && f.values > 0 && f.integers + f.numbers == f.values &&
          (out_[c].role == Role::count || out_[c].role == Role::measure) && !out_[c].kind.in_text) {
        values.push_back(c);
      }
    }
    if (values.empty()) return;
    // Each row's integers and decimals among the value columns, read once for every label column
    // (a wide table may have thousands of each).
    std::vector<std::int64_t> row_integers(rows_.size(), 0), row_decimals(rows_.size(), 0);
    bool rows_read = false;
    for (std::size_t l = 0; l < header_.size(); ++l) {
      if (out_[l].role != Role::category || !labels_rows(l)) continue;
      if (!rows_read) {
        for (std::size_t i = 0; i < rows_.size(); ++i) {
          for (std::size_t c : values) {
            const Cell v = read_cell(policy_, sample_.cell(rows_[i], c));
            row_integers[i] += v.kind == CellKind::integer;
            row_decimals[i] += v.kind == CellKind::number;
          }
        }
        rows_read = true;
      }
      // Each label: the rows it names, and whether any of their value cells holds decimals.
      struct Label {
        std::size_t rows = 0;
        std::int64_t integers = 0, decimals = 0;
      };
      std::unordered_map<std::string_view, Label> labels;
      for (std::size_t i = 0; i < rows_.size() && labels.size() <= 12; ++i) {
        Label& label = labels[cell(i, l)];
        ++label.rows;
        label.integers += row_integers[i];
        label.decimals += row_decimals[i];
      }
      if (labels.size() < 2 || labels.size() > 12) continue;
      std::vector<std::string> measures, counts;
      bool repeated = true;
      for (const auto& [name, label] : labels) {
        repeated &= label.rows >= 2;
        const HeaderRole says = policy_.header_role(name);
        const bool measure = label.decimals > 0 || says == HeaderRole::rate || says == HeaderRole::measure;
        (measure ? measures : counts).emplace_back(name);
      }
      if (!repeated || measures.empty() || counts.empty()) continue;
      std::sort(measures.begin(), measures.end());
      std::sort(counts.begin(), counts.end());
      std::string count_list, measure_list;
      for (const auto& s : counts) count_list += (count_list.empty() ? "" : ", ") + s;
      for (const auto& s : measures) measure_list += (measure_list.empty() ? "" : ", ") + s;
      out_[l].measure_rows = measures;
      out_[l].why = "names each row's measure: counts on rows " + count_list + "; measures on rows " + measure_list;
      for (std::size_t c : values) {
        out_[c].role = Role::count;
        out_[c].kind = {};
        out_[c].kind.by_row = true;
        out_[c].why = "a long table's values: counts on rows " + count_list + " (column " + header_[l] + ")";
      }
      return;
    }
  }

  // --- tables on their side ----------------------------------------------------------------------

  // A table written on its side names a variable on each row (age_mean, female, care_home,
  // total_population) and a group in each column: a column holds a mean on one row and counts on the
  // next, and read whole it looks like measures, which let every count in it pass unchecked. Its
  // rows get roles of their own, as a long table's do. A row holds measures when one of its values
  // has decimals or its label names a rate, a measure or a statistic; counts when its label names a
  // count (total_population), when it is redacted, or when its values are written as integers
  // ("1234", not "1234.0") on two such rows or more. A row of whole values written with decimals
  // ("1000.0") whose label says neither is read as the other rows mostly are. This only adds
  // checks: a column already read as counts keeps every row, unless most of its cells have
  // decimals (a `total` column of prevalences, a count by its header alone); and a column of whole
  // counts beside the values says the table is a wide one, its rows all of one kind. Known limit: a
  // table of means alone, two of whose rows came out whole in every column ("13", "14" as R writes
  // them), reads those rows as counts.
  void table_on_its_side() {
    // Rows past the sample would have no role of their own, and a long table has its own reading.
    if (sample_.full() || rows_.size() < 3) return;
    for (const ColumnRole& r : out_) {
      if (r.kind.by_row) return;
    }
    std::vector<std::size_t> values;
    bool decimals = false;
    for (std::size_t c = 0; c < header_.size(); ++c) {
      const Facts& f = facts_[c];
      if (f.pandas_index || f.values == 0 || f.integers + f.numbers != f.values || out_[c].kind.in_text) continue;
      const bool measure = out_[c].role == Role::measure && f.header == HeaderRole::none;
      const bool count_by_header = out_[c].role == Role::count && f.header == HeaderRole::count && f.numbers > f.integers;
      if (!measure && !count_by_header) {
        // A column of counts beside them, whole on every row, says the rows are all of one kind:
        // a wide table of groups, whose measure columns merely came out whole on some rows.
        if (out_[c].role == Role::count && f.integers > 0) return;
        continue;
      }
      values.push_back(c);
      decimals |= f.numbers > 0;
    }
    if (values.size() < 2 || !decimals) return;
    // Each row's values, read once whichever label column asks (a wide table may have thousands).
    struct RowValues {
      bool read = false, fraction = false, plain = true, redacted = false;
      int cells = 0;
    };
    std::vector<RowValues> row_values(sample_.rows());
    auto values_of = [&](std::size_t r) -> const RowValues& {
      RowValues& rv = row_values[r];
      if (rv.read) return rv;
      rv.read = true;
      for (std::size_t c : values) {
        const std::string_view text = trim_spaces(sample_.cell(r, c));
        const Cell v = read_cell(policy_, text);
        if (v.kind == CellKind::marker) {
          rv.redacted |= !text.empty();
          continue;
        }
        ++rv.cells;
        rv.fraction |= v.kind == CellKind::number;
        rv.plain &= v.kind == CellKind::integer && text.find('.') == std::string_view::npos;
      }
      return rv;
    };
    for (std::size_t l = 0; l < header_.size(); ++l) {
      if ((out_[l].role != Role::category && out_[l].role != Role::identifier) || !labels_rows(l)) continue;
      if (std::find(values.begin(), values.end(), l) != values.end()) continue;
      enum class Holds { measures, counts, written_as_integers, unsure };
      std::vector<std::pair<std::string, Holds>> rows;
      std::unordered_set<std::string_view> seen;
      bool each_once = true;
      for (std::size_t r = 0; r < sample_.rows() && each_once; ++r) {
        const std::string_view label = trim_spaces(sample_.cell(r, l));
        each_once = !label.empty() && has_letter(label) && seen.insert(label).second;
        const RowValues& rv = values_of(r);
        const bool fraction = rv.fraction, plain = rv.plain, redacted = rv.redacted;
        const int cells = rv.cells;
        const HeaderRole says = policy_.header_role(label);
        Holds holds = Holds::unsure;
        if (fraction || says == HeaderRole::rate || says == HeaderRole::measure || says == HeaderRole::unsafe_statistic ||
            names_statistic_words(label) || is_summary_label(label)) {
          holds = Holds::measures;
        } else if (says == HeaderRole::count || has_count_word(label) || (redacted && cells == 0)) {
          holds = Holds::counts;
        } else if (cells >= 2 && plain) {
          holds = Holds::written_as_integers;
        } else if (cells == 0) {
          continue;  // a blank row: nothing to check on it either way
        }
        rows.emplace_back(std::string(label), holds);
      }
      if (!each_once) continue;
      int measures = 0, counts = 0, integers = 0, unsure = 0;
      for (const auto& [label, holds] : rows) {
        measures += holds == Holds::measures;
        counts += holds == Holds::counts;
        integers += holds == Holds::written_as_integers;
        unsure += holds == Holds::unsure;
      }
      // Written as integers, one row alone is as likely a mean that came out whole.
      if (integers >= 2) counts += integers;
      else unsure += integers;
      const bool unsure_are_counts = counts + unsure >= measures;
      std::vector<std::string> measure_rows, count_rows;
      for (auto& [label, holds] : rows) {
        const bool count = holds == Holds::counts || (holds == Holds::written_as_integers && integers >= 2) ||
                           ((holds == Holds::unsure || holds == Holds::written_as_integers) && unsure_are_counts);
        (count ? count_rows : measure_rows).push_back(std::move(label));
      }
      if (count_rows.empty() || measure_rows.empty()) return;
      auto listed = [](const std::vector<std::string>& labels) {
        std::string s;
        for (std::size_t i = 0; i < labels.size() && i < 5; ++i) s += (i ? ", " : "") + labels[i];
        if (labels.size() > 5) s += " and " + std::to_string(labels.size() - 5) + " more";
        return s;
      };
      out_[l].why = "names each row's variable (a table on its side): counts on rows " + listed(count_rows) +
                    "; measures on rows " + listed(measure_rows);
      std::sort(measure_rows.begin(), measure_rows.end());
      out_[l].measure_rows = std::move(measure_rows);
      for (std::size_t c : values) {
        out_[c].role = Role::count;
        out_[c].kind = {};
        out_[c].kind.by_row = true;
        out_[c].why = "a table on its side: counts on rows " + listed(count_rows) + " (column " + header_[l] + ")";
      }
      return;
    }
  }

  // --- rounding ------------------------------------------------------------------------------

  static bool all_multiples(const std::vector<std::int64_t>& nz, std::int64_t base) {
    return std::all_of(nz.begin(), nz.end(), [&](std::int64_t v) { return v % base == 0; });
  }

  // The values of a count column show how it was rounded: midpoint-6 (every non-zero value 6k-3) or
  // an accepted base. Either needs five distinct non-zero values, so that chance is ruled out.
  void rounding(std::size_t c) {
    ColumnRole& r = out_[c];
    const auto& nz = facts_[c].nonzero;
    if (r.kind.midpoint6 || nz.size() < 5 || nz.front() < 0) return;
    if (std::all_of(nz.begin(), nz.end(), [](std::int64_t v) { return is_midpoint6_value(v); })) {
      r.kind.midpoint6 = true;
      r.why += "; all values 6k-3: midpoint-6";
      return;
    }
    const std::int64_t base = policy_.policy().rounding_base;
    if (base > 1 && all_multiples(nz, base)) return;
    if (const std::int64_t b = accepted_base(nz)) {
      r.kind.base = b;
      r.why += "; multiples of " + std::to_string(b);
    }
  }

  std::int64_t accepted_base(const std::vector<std::int64_t>& nz) const {
    std::int64_t best = 0;
    for (std::int64_t b : policy_.policy().rounding_accept) {
      if (b > 1 && b > best && all_multiples(nz, b)) best = b;
    }
    return best;
  }

  // Count columns too short to show their rounding alone show it together: a table whose counts,
  // pooled (those that also follow the policy's base included), have five distinct non-zero values,
  // all multiples of one accepted base.
  void pooled_rounding() {
    const std::int64_t base = policy_.policy().rounding_base;
    std::vector<std::size_t> open;
    std::vector<std::int64_t> pooled;
    for (std::size_t c = 0; c < out_.size(); ++c) {
      const ColumnRole& r = out_[c];
      const auto& nz = facts_[c].nonzero;
      if (r.role != Role::count || r.kind.midpoint6 || nz.empty() || nz.front() < 0) continue;
      if (r.kind.base == 0 && !(base > 1 && all_multiples(nz, base))) open.push_back(c);
      pooled.insert(pooled.end(), nz.begin(), nz.end());
    }
    std::sort(pooled.begin(), pooled.end());
    pooled.erase(std::unique(pooled.begin(), pooled.end()), pooled.end());
    if (open.empty() || pooled.size() < 5) return;
    const std::int64_t b = accepted_base(pooled);
    if (b == 0) return;
    for (std::size_t c : open) {
      out_[c].kind.base = b;
      out_[c].why += "; multiples of " + std::to_string(b) + ", as all the table's counts";
    }
  }

  const CompiledPolicy& policy_;
  std::span<const std::string> header_;
  std::span<const std::string> role_words_;  // what each column's header role is read from
  const TableSample& sample_;
  std::vector<std::size_t> rows_;  // the sample's rows that roles are read from (no summary rows)
  std::vector<Facts> facts_;
  // Per column and row read, the integer the cell holds, if it holds one: one block for the whole
  // table (a table may have a million columns). Values and flags apart, 9 bytes a cell rather than
  // an optional's 16: each page is a fault on its first touch.
  std::vector<std::int64_t> int_values_;
  std::vector<std::uint8_t> is_int_;
  std::optional<std::int64_t> int_at(std::size_t c, std::size_t i) const {
    const std::size_t at = c * rows_.size() + i;
    if (!is_int_[at]) return std::nullopt;
    return int_values_[at];
  }
  std::vector<ColumnRole> out_;
  std::vector<std::size_t> candidates_;  // integer columns with no header role
};

}  // namespace

std::vector<ColumnRole> decide_roles(const CompiledPolicy& policy, std::span<const std::string> header,
                                     const TableSample& sample, std::span<const std::string> role_words) {
  return Reader(policy, header, role_words.size() == header.size() ? role_words : header, sample).run();
}

TableColumns read_columns(const CompiledPolicy& policy, std::span<const std::string> header, TableSample& sample) {
  TableColumns out;
  if (auto two_rows = second_header_row(policy, header, sample)) {
    sample.drop_first();
    out.roles = decide_roles(policy, two_rows->names, sample, two_rows->role_words);
    out.names = std::move(two_rows->names);
    out.groups = std::move(two_rows->groups);
    out.second_header_row = true;
    return out;
  }
  out.names.assign(header.begin(), header.end());
  out.groups.assign(header.size(), std::string());
  out.roles = decide_roles(policy, header, sample);
  return out;
}

bool names_statistic(std::string_view text) { return names_statistic_words(text); }

int practice_key(std::span<const std::string> header, const std::vector<ColumnRole>& roles, const TableSample& sample) {
  static const char* const kPeriods[] = {"date", "week", "month", "year", "period", "quarter", "day"};
  int practice = -1;
  std::vector<std::size_t> periods;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (practice < 0 && practice_header(header[c])) practice = static_cast<int>(c);
    else if (roles[c].role == Role::identifier && has_word(header[c], kPeriods)) periods.push_back(c);
  }
  if (practice < 0 || sample.rows() < 2) return -1;
  std::hash<std::string_view> hash;
  auto unique_on = [&](const std::vector<std::size_t>& cols) {
    std::unordered_set<std::uint64_t> keys;
    for (std::size_t r = 0; r < sample.rows(); ++r) {
      std::uint64_t h = hash(trim_spaces(sample.cell(r, static_cast<std::size_t>(practice))));
      for (std::size_t c : cols) h = h * 0x100000001B3ULL ^ hash(trim_spaces(sample.cell(r, c)));
      if (!keys.insert(h).second) return false;
    }
    return true;
  };
  return unique_on({}) || (!periods.empty() && unique_on(periods)) ? practice : -1;
}

const char* role_report_name(const ColumnRole& role) {
  if (role.role == Role::count && role.kind.midpoint6) return "count_midpoint6";
  return role_name(role.role);
}

}  // namespace outcheck::rules
