#pragma once
// A batch of CSV records in the compact form a reader finds them in, for TableCheck::records.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace outcheck::rules {

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
  // Record i's fields, written to out[0, width).
  void fields(std::size_t i, std::string_view* out) const {
    for (std::size_t j = 0; j < width; ++j) out[j] = field(i, j);
  }
};

}  // namespace outcheck::rules
