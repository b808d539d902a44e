#pragma once
// A header written on two rows (policy.md, column roles): pandas writes one header row per level
// of a column MultiIndex (",n,n,pct,pct" over ",2020,2021,2020,2021" is not this: see below), and a
// transposed table carries its names below a row of positions (",0,1,2" over "variable,age,sex,..").
// The second row is read as part of the header: the column is named "first / second".
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rules/compiled_policy.h"
#include "rules/table_sample.h"

namespace outcheck::rules {

// The columns' names when the sample's first row is a second header row; nothing when it is data.
// A data row taken for a header would go unchecked, so the evidence asked for is strict:
//   - the first row names a level: its names repeat, some are blank ("Unnamed: 3" from pandas), or
//     they are positions 0, 1, 2, ... (a transposed table);
//   - the second row holds words only (no number, no count written in text) in two columns or
//     more, past the first column;
//   - under at least two of those words, the rows below hold numbers.
// A second level of numbers (years under "n", say) is therefore read as data: its cells then get
// the count rules, the safe side.
struct TwoRowHeader {
  std::vector<std::string> names;  // "first / second", or the one name a column has
  // Per column, the words its header role is read from: the first level's name when the second
  // names a group (a value such as "male" or "No previous COVID code", whose words say nothing of
  // the column's kind: "code" there is no identifier), the whole name when the second names a kind
  // of value itself ("%", "n", "mean", "patient_id").
  std::vector<std::string> role_words;
  // Per column, the second level's name when the column has both ("80+" of "n / 80+"), else "".
  std::vector<std::string> groups;
};
std::optional<TwoRowHeader> second_header_row(const CompiledPolicy& policy, std::span<const std::string> header,
                                              const TableSample& sample);

}  // namespace outcheck::rules
