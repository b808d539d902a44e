#include "rules/table_sample.h"

#include <algorithm>

namespace outcheck::rules {

namespace {

constexpr std::size_t kRowsToEstimate = 64;

}  // namespace

bool TableSample::add(std::int64_t index, std::span<const std::string_view> fields) {
  if (full_) return false;
  std::size_t size = fields.size();
  for (auto f : fields) size += f.size();
  if (index_.size() >= limits_.rows || ends_.size() + fields.size() > limits_.cells ||
      bytes_.size() + size > limits_.bytes) {
    full_ = true;
    return false;
  }
  // A long table's sample is grown once, to what its first rows say the whole will take, rather
  // than doubled ten times over: each doubling copies, and touches new pages (a page fault each).
  if (index_.size() == kRowsToEstimate) {
    const std::size_t rows = limits_.rows + 1;
    bytes_.reserve(std::min(limits_.bytes, bytes_.size() / kRowsToEstimate * rows * 5 / 4));
    ends_.reserve(std::min(limits_.cells, ends_.size() / kRowsToEstimate * rows * 5 / 4));
    starts_.reserve(rows);
    first_field_.reserve(rows + 1);
    index_.reserve(rows);
  }
  starts_.push_back(static_cast<std::uint32_t>(bytes_.size()));
  for (auto f : fields) {
    bytes_.append(f);
    ends_.push_back(static_cast<std::uint32_t>(bytes_.size()));
    bytes_.push_back(',');  // PackedRecords: the next field starts one byte later
  }
  if (fields.empty()) bytes_.push_back(',');
  first_field_.push_back(ends_.size());
  index_.push_back(index);
  return true;
}

std::string_view TableSample::cell(std::size_t r, std::size_t c) const {
  if (c >= width(r)) return {};
  const std::size_t f = first_field_[r] + c;
  const std::uint32_t from = c == 0 ? starts_[r] : ends_[f - 1] + 1;
  return std::string_view(bytes_.data() + from, ends_[f] - from);
}

PackedRecords TableSample::packed(std::size_t from, std::size_t to, std::size_t width) const {
  PackedRecords p;
  p.first_index = from < index_.size() ? index_[from] : 0;
  p.width = width;
  p.base = bytes_.data();
  p.starts = std::span<const std::uint32_t>(starts_.data() + from, to - from);
  p.ends = std::span<const std::uint32_t>(ends_.data() + first_field_[from], (to - from) * width);
  return p;
}

void TableSample::drop_first() {
  if (index_.empty()) return;
  // Row r's fields stay where they are in bytes_ and ends_; only the per-row starts move up.
  starts_.erase(starts_.begin());
  first_field_.erase(first_field_.begin());
  index_.erase(index_.begin());
}

void TableSample::clear() {
  full_ = true;
  std::string().swap(bytes_);
  std::vector<std::uint32_t>().swap(starts_);
  std::vector<std::uint32_t>().swap(ends_);
  std::vector<std::size_t>{0}.swap(first_field_);
  std::vector<std::int64_t>().swap(index_);
}

}  // namespace outcheck::rules
