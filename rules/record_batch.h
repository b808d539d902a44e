#pragma once
// Consecutive data records as a table rule's unit sees them (rules/table_rule.h): a batch the
// reader packed, or one record on its own. A unit reads the cells it needs, row by row or a column
// at a time, and the views stay valid only during the call it is given the batch in.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "rules/cell_value.h"
#include "rules/packed_records.h"

namespace outcheck::rules {

// The kinds of byte a cell may start with, as bits of ColumnShape::first_bytes.
enum FirstByte : std::uint8_t {
  kFirstDigit = 1,
  kFirstUpper = 2,   // an ASCII capital letter
  kFirstLower = 4,   // an ASCII small letter
  kFirstBlank = 8,   // a space or a tab
  kFirstOther = 16,  // anything else: punctuation, a control byte, a byte of a UTF-8 sequence
};
inline constexpr std::uint8_t first_byte_kind(unsigned char c) {
  if (c >= '0' && c <= '9') return kFirstDigit;
  if (c >= 'A' && c <= 'Z') return kFirstUpper;
  if (c >= 'a' && c <= 'z') return kFirstLower;
  if (c == ' ' || c == '\t') return kFirstBlank;
  return kFirstOther;
}
inline constexpr std::array<std::uint8_t, 256> kFirstByteKinds = [] {
  std::array<std::uint8_t, 256> kinds{};
  for (int c = 0; c < 256; ++c) kinds[static_cast<std::size_t>(c)] = first_byte_kind(static_cast<unsigned char>(c));
  return kinds;
}();

// What the column loop saw of one column's cells in a batch, for a unit that can rule the column
// out from it without reading its cells again (no cell long enough, none starting with a letter).
struct ColumnShape {
  std::size_t longest = 0;       // bytes in its longest cell
  std::uint8_t first_bytes = 0;  // FirstByte bits: the kinds its cells start with (an empty cell adds none)
};

class RecordBatch {
 public:
  // Packed records, all `packed.width` wide.
  RecordBatch(const PackedRecords& packed, const std::uint8_t* small_or_redacted)
      : first_(packed.first_index), rows_(packed.size()), width_(packed.width), packed_(&packed),
        small_or_redacted_(small_or_redacted) {}
  // One record (at most the header's width; a short record has fewer fields).
  RecordBatch(std::int64_t record, std::span<const std::string_view> fields, const std::uint8_t* small_or_redacted)
      : first_(record), rows_(1), width_(fields.size()), fields_(fields.data()), small_or_redacted_(small_or_redacted) {}

  std::size_t size() const { return rows_; }
  // The fields each record has.
  std::size_t width() const { return width_; }
  // Record r's 1-based data record number.
  std::int64_t record(std::size_t r) const { return first_ + static_cast<std::int64_t>(r); }
  std::string_view cell(std::size_t r, std::size_t c) const {
    return packed_ ? packed_->field(r, c) : fields_[r * width_ + c];
  }
  // f(r, cell) for record r's cell in column c (< width()), down the batch. How the batch is held is
  // asked once, not per cell: a unit that reads one column of every record walks it with this.
  template <class F>
  void each_cell(std::size_t c, F&& f) const {
    if (!packed_) {
      for (std::size_t r = 0; r < rows_; ++r) f(r, fields_[r * width_ + c]);
      return;
    }
    const char* base = packed_->base;
    const std::uint32_t* ends = packed_->ends.data() + c;
    // Field c starts after field c - 1's end and its delimiter, or at the record's start.
    const std::uint32_t* from = c == 0 ? packed_->starts.data() : ends - 1;
    const std::size_t from_stride = c == 0 ? 1 : width_;
    const std::uint32_t skip = c == 0 ? 0 : 1;
    for (std::size_t r = 0; r < rows_; ++r) {
      const std::uint32_t begin = from[r * from_stride] + skip;
      f(r, std::string_view(base + begin, ends[r * width_] - begin));
    }
  }
  // Record r's fields (written to `scratch` when the batch is packed).
  std::span<const std::string_view> row(std::size_t r, std::vector<std::string_view>& scratch) const {
    if (!packed_) return {fields_ + r * width_, width_};
    scratch.resize(width_);
    packed_->fields(r, scratch.data());
    return scratch;
  }
  // Whether record r holds, in a column of counts, a small count or a redacted one: the only records
  // on which a rate can be derived from a small count. Known only when a unit asked for it
  // (TableRule::wants_small_or_redacted); true for every record otherwise.
  bool small_or_redacted(std::size_t r) const { return !small_or_redacted_ || small_or_redacted_[r] != 0; }

  // Record r's cell in column c as read_cell reads it, when the column loop noted that column's
  // cells for this batch (a unit asked, TableRule::wants_count_cells; count columns only); else
  // nullptr, and the unit reads the cell itself.
  const Cell* count_cell(std::size_t r, std::size_t c) const {
    return count_cells_ && c < width_ && count_columns_[c] ? &count_cells_[c * rows_ + r] : nullptr;
  }
  // The noted cells, column after column (`cells[c * size() + r]`), and which columns were noted.
  void set_count_cells(const Cell* cells, const std::uint8_t* noted_columns) {
    count_cells_ = cells;
    count_columns_ = noted_columns;
  }

  // Column c's shape in this batch, when the column loop noted it (a unit asked,
  // TableRule::wants_column_shapes; columns that may not hold counts only); else nullptr.
  const ColumnShape* column_shape(std::size_t c) const {
    return shapes_ && c < width_ && shaped_columns_[c] ? &shapes_[c] : nullptr;
  }
  void set_column_shapes(const ColumnShape* shapes, const std::uint8_t* shaped_columns) {
    shapes_ = shapes;
    shaped_columns_ = shaped_columns;
  }

 private:
  std::int64_t first_;
  std::size_t rows_;
  std::size_t width_;
  const PackedRecords* packed_ = nullptr;
  const std::string_view* fields_ = nullptr;
  const std::uint8_t* small_or_redacted_;
  const Cell* count_cells_ = nullptr;
  const std::uint8_t* count_columns_ = nullptr;
  const ColumnShape* shapes_ = nullptr;
  const std::uint8_t* shaped_columns_ = nullptr;
};

}  // namespace outcheck::rules
