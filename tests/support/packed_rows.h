#pragma once
// Rows packed as a CSV reader packs them (rules/packed_records.h), for the tests of code that reads
// packed records: the rows' bytes, each record's start and each field's end as offsets into them.
// Fields are written as they are, so no cell may hold a comma or a line break.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/packed_records.h"

namespace outcheck::test {

struct PackedRows {
  std::string bytes;
  std::vector<std::uint32_t> starts;
  std::vector<std::uint32_t> ends;
  std::size_t width = 0;  // the first row's; every row must have as many fields

  PackedRows() = default;
  // `rows` after `before`, bytes that come first in the buffer (a batch need not start at its
  // buffer's start).
  explicit PackedRows(std::span<const std::vector<std::string>> rows, std::string before = "");

  std::size_t size() const { return starts.size(); }
  // The records, numbered from `first_index`, over these bytes (which must outlive the result).
  rules::PackedRecords records(std::int64_t first_index = 0) const { return records_at(bytes.data(), first_index); }
  // The same records over a copy of these bytes at `base`.
  rules::PackedRecords records_at(const char* base, std::int64_t first_index = 0) const {
    return {first_index, width, base, starts, ends};
  }
  std::string_view field(std::size_t r, std::size_t c) const { return records().field(r, c); }
};

}  // namespace outcheck::test
