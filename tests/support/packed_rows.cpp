#include "tests/support/packed_rows.h"

namespace outcheck::test {

PackedRows::PackedRows(std::span<const std::vector<std::string>> rows, std::string before) : bytes(std::move(before)) {
  width = rows.empty() ? 0 : rows[0].size();
  for (const auto& row : rows) {
    starts.push_back(static_cast<std::uint32_t>(bytes.size()));
    for (std::size_t c = 0; c < row.size(); ++c) {
      bytes += row[c];
      ends.push_back(static_cast<std::uint32_t>(bytes.size()));
      bytes += c + 1 < row.size() ? ',' : '\n';
    }
  }
}

}  // namespace outcheck::test
