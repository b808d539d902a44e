#pragma once
// The first rows of a table, copied, so that column roles are decided on them before any rule runs
// on a cell. Held packed (one buffer of bytes, 32-bit field ends), as a reader hands records over,
// and bounded in rows, cells and bytes whatever the table's size.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/packed_records.h"

namespace outcheck::rules {

class TableSample {
 public:
  struct Limits {
    std::size_t rows = 5000;
    std::size_t cells = 2'000'000;
    std::size_t bytes = 32u << 20;
  };
  TableSample() = default;
  explicit TableSample(Limits limits) : limits_(limits) {}

  // Copies one record, unless the sample is full (then returns false and keeps nothing).
  bool add(std::int64_t index, std::span<const std::string_view> fields);
  bool full() const { return full_; }

  std::size_t rows() const { return index_.size(); }
  std::size_t width(std::size_t r) const { return first_field_[r + 1] - first_field_[r]; }
  // Cell (r, c), or "" past the end of a short row.
  std::string_view cell(std::size_t r, std::size_t c) const;
  std::int64_t index(std::size_t r) const { return index_[r]; }

  // Rows [from, to), all exactly `width` wide, as packed records (valid while the sample lives).
  PackedRecords packed(std::size_t from, std::size_t to, std::size_t width) const;

  // Lets the first row go (a second header row, which is not data).
  void drop_first();

  // Frees the rows (after they have been replayed through the rules).
  void clear();

 private:
  Limits limits_;
  bool full_ = false;
  std::string bytes_;
  std::vector<std::uint32_t> starts_;              // each row's first byte
  std::vector<std::uint32_t> ends_;                // each field's end; a separator byte follows
  std::vector<std::size_t> first_field_ = {0};     // row r's fields are ends_[first_field_[r], first_field_[r + 1])
  std::vector<std::int64_t> index_;                // each row's 1-based data record
};

}  // namespace outcheck::rules
