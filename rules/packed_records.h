#pragma once
// A batch of CSV records in the compact form a reader finds them in, for TableCheck::records.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace outcheck::rules {

// One column of a batch of packed records, as a column loop walks it: cell r is
// base[from[r * from_stride] + skip, to[r * to_stride]).
struct PackedColumn {
  const char* base = nullptr;
  const std::uint32_t* from = nullptr;  // the records' starts, or the previous column's ends
  std::size_t from_stride = 1;
  std::uint32_t skip = 0;  // 0 from a record's start, 1 past a delimiter
  const std::uint32_t* to = nullptr;
  std::size_t to_stride = 1;
  // The batch's bytes are base[first_byte, ...): a reader of a cell's last eight bytes (the count
  // run, rules/count_run.h) reads none before these, which may be another thread's to refill.
  std::uint32_t first_byte = 0;
};

// Records of `width` fields each whose bytes lie in one buffer, as a CSV reader finds them: record i
// starts at base + starts[i], its field j ends at base + ends[i * width + j], and the next field
// starts one byte (the delimiter) later. Four bytes a field instead of a view's sixteen.
struct PackedRecords {
  std::int64_t first_index = 0;
  std::size_t width = 0;
  const char* base = nullptr;
  std::span<const std::uint32_t> starts;
  std::span<const std::uint32_t> ends;

  std::size_t size() const { return starts.size(); }
  std::string_view field(std::size_t i, std::size_t j) const {
    const std::uint32_t from = j == 0 ? starts[i] : ends[i * width + j - 1] + 1;
    return std::string_view(base + from, ends[i * width + j] - from);
  }
  // Field j of every record.
  PackedColumn column(std::size_t j) const {
    PackedColumn c;
    c.base = base;
    c.first_byte = starts.empty() ? 0 : starts[0];
    c.to = ends.data() + j;
    c.to_stride = width;
    if (j > 0) {
      c.from = ends.data() + j - 1;
      c.from_stride = width;
      c.skip = 1;
    } else {
      c.from = starts.data();
    }
    return c;
  }
  // Record i's fields, written to out[0, width).
  void fields(std::size_t i, std::string_view* out) const {
    for (std::size_t j = 0; j < width; ++j) out[j] = field(i, j);
  }
};

}  // namespace outcheck::rules
