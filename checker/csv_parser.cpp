#include "checker/csv_parser.h"

#include <array>
#include <bit>

#include "checker/csv_bytes.h"

namespace outcheck::checker {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Fields in a batch of plain records before it is handed out: enough records to read a column's
// cells in a run, few enough to stay in the first-level cache.
constexpr std::size_t kBatchFields = 2048;
constexpr std::ptrdiff_t kMaxPlainSpan = std::ptrdiff_t{16} << 20;  // 16 MiB

// Records sniff_dialect looks at: the header and the next nine.
constexpr std::size_t kSniffRecords = 10;

// Delimiters outside quotes in one record, as sniff_dialect counts them.
struct SniffCounts {
  int commas = 0, tabs = 0, semicolons = 0;
};

// The delimiters outside quotes of each complete record of `head` (at most kSniffRecords; blank lines
// are not records). A quote toggles quoting, which is how a well-formed record reads; a malformed
// one may be misread, and is reported as malformed whichever delimiter is chosen.
std::vector<SniffCounts> sniff_records(std::string_view head) {
  std::vector<SniffCounts> out;
  SniffCounts record;
  bool started = false, quoted = false;
  for (char c : head) {
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted) {
      // content, line breaks included
    } else if (c == '\n' || c == '\r') {
      if (started) out.push_back(record);
      if (out.size() == kSniffRecords) break;
      // A header with a comma is read with commas, and one with no tab or semicolon too: no need to read on.
      if (out.size() == 1 && (out[0].commas > 0 || out[0].tabs + out[0].semicolons == 0)) break;
      record = SniffCounts{};
      started = false;
      continue;
    } else if (c == ',') {
      ++record.commas;
    } else if (c == '\t') {
      ++record.tabs;
    } else if (c == ';') {
      ++record.semicolons;
    }
    started = true;
  }
  return out;  // a record cut by the end of `head` is left out
}

}  // namespace

bool usable_delimiter(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (c == '\t' || c == ' ') return true;
  return u > 0x20 && u < 0x7F && c != '"' && !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') &&
         !(c >= 'a' && c <= 'z');
}

CsvDialect sniff_dialect(std::string_view head) {
  head = head.substr(0, kSniffBytes);
  if (head.starts_with(kBom)) head.remove_prefix(kBom.size());
  if (head.size() >= 6 && head.starts_with("sep=") && usable_delimiter(head[4]) &&
      (head[5] == '\n' || head[5] == '\r')) {
    return CsvDialect{head[4], true};
  }
  const std::vector<SniffCounts> records = sniff_records(head);
  if (records.empty() || records[0].commas > 0) return {};
  for (auto [delimiter, count] : {std::pair{'\t', &SniffCounts::tabs}, std::pair{';', &SniffCounts::semicolons}}) {
    const int in_header = records[0].*count;
    if (in_header == 0) continue;
    bool same = true;
    for (const SniffCounts& r : records) same = same && r.*count == in_header;
    if (same) return CsvDialect{delimiter, false};
  }
  return {};
}

CsvParser::CsvParser(CsvVisitor& visitor, CsvDialect dialect) : visitor_(visitor) { set_dialect(dialect); }

void CsvParser::set_dialect(CsvDialect dialect) {
  if (!usable_delimiter(dialect.delimiter)) dialect.delimiter = ',';
  dialect_ = dialect;
  skip_line_ = dialect.sep_line;
  special_ = {};
  for (char c : {dialect.delimiter, '"', '\r', '\n', '\0'}) special_[static_cast<unsigned char>(c)] = true;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) { ++p; continue; }
    int n;
    unsigned min;
    if ((c & 0xE0) == 0xC0) { n = 1; min = 0x80; c &= 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; min = 0x800; c &= 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; min = 0x10000; c &= 0x07; }
    else return false;
    if (end - p < n + 1) return false;  // truncated sequence
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

void CsvParser::report(CsvIssueKind kind, int field) {
  CsvIssue issue{kind};
  issue.record = saw_header_ ? data_records_ + 1 : 0;
  issue.line = record_line_;
  issue.field = field;
  visitor_.on_issue(issue);
}

void CsvParser::end_field() { ends_.push_back(buf_.size()); }

void CsvParser::end_record() {
  if (!record_started_) {  // a blank line: not a record
    record_line_ = line_;
    return;
  }
  end_field();
  if (views_.size() < ends_.size()) views_.resize(ends_.size());
  std::size_t start = 0;
  for (std::size_t i = 0; i < ends_.size(); ++i) {
    views_[i] = std::string_view(buf_.data() + start, ends_[i] - start);
    start = ends_[i];
  }
  emit_record(std::span<const std::string_view>(views_.data(), ends_.size()));
  buf_.clear();
  ends_.clear();
}

void CsvParser::emit_record(std::span<const std::string_view> fields) {
  const std::size_t count = fields.size();
  if (nul_field_ >= 0) report(CsvIssueKind::nul_byte, nul_field_);
  if (stray_field_ >= 0) report(CsvIssueKind::stray_quote, stray_field_);
  if (high_bit_) {
    for (std::size_t i = 0; i < count; ++i) {
      if (!valid_utf8(fields[i])) { report(CsvIssueKind::invalid_utf8, static_cast<int>(i)); break; }
    }
  }
  if (!saw_header_) {
    saw_header_ = true;
    header_fields_ = count;
    visitor_.on_header(fields);
  } else {
    ++data_records_;
    if (count != header_fields_) {
      CsvIssue issue{CsvIssueKind::ragged_row};
      issue.record = data_records_;
      issue.line = record_line_;
      issue.got = static_cast<std::int64_t>(count);
      issue.expected = static_cast<std::int64_t>(header_fields_);
      visitor_.on_issue(issue);
    }
    visitor_.on_record(data_records_, record_line_, fields);
  }
  record_started_ = false;
  high_bit_ = false;
  nul_field_ = -1;
  stray_field_ = -1;
  record_line_ = line_;
}

const char* CsvParser::plain_records(const char* p, const char* end) {
  // Offsets are 32-bit: read at most 16 MiB at a time (a record across that line goes to the
  // state machine, as one across a chunk's end does).
  const char* rest = read_plain_records(p, end - p > kMaxPlainSpan ? p + kMaxPlainSpan : end);
  flush_batch();  // it points into the caller's chunk
  return rest;
}

void CsvParser::flush_batch() {
  if (batch_starts_.empty()) return;
  CsvRecords records;
  records.first_index = data_records_ - static_cast<std::int64_t>(batch_starts_.size()) + 1;
  records.first_line = batch_line_;
  records.width = header_fields_;
  records.base = batch_base_;
  records.starts = batch_starts_;
  records.ends = std::span<const std::uint32_t>(batch_ends_.data(), batch_fields_);
  visitor_.on_records(records);
  batch_starts_.clear();
  batch_fields_ = 0;
}

const char* CsvParser::read_plain_records(const char* p, const char* end) {
  // Between records nothing is buffered and record_line_ == line_; a plain record is one line.
  // Each window's masks are read from `keep` on: the bytes before it belong to records done.
  // (No lambdas here: captured locals would live in memory, and this loop runs once per field.)
  const char* rec = p;    // start of the record being read
  std::size_t fields = 0;  // fields of the record so far, their ends in out[]
  const char* window = p;  // the 64 bytes the masks describe
  const char* to = p;      // where to read the next window from
  const csv_bytes::Delimiter delimiter(dialect_.delimiter);  // broadcast once, held in registers
  csv_bytes::Bits bits;
  std::uint64_t keep = 0;
  // Whether the record may hold a byte >= 0x80. It may be set by a neighbour's byte in the same
  // window; that costs a UTF-8 check of valid text, never a different result.
  bool high = false;
  batch_base_ = p;
  std::uint32_t* out = batch_ends_.data() + batch_fields_;
  // The width a record needs to join the batch: the header's, once it is read (no record has 0).
  std::size_t batch_width = saw_header_ ? header_fields_ : 0;
  while (true) {
    // The window holding `to`, read from `to` on.
    while (to - window >= 64) window += 64;
    if (window >= end) return rec;  // the record goes on in the next chunk
    bits = csv_bytes::classify(window, static_cast<std::size_t>(end - window), delimiter);
    keep = ~std::uint64_t{0} << (to - window);
    high |= bits.high;
    // Room for every field this window can end (at most one per byte), checked once per window.
    if (batch_ends_.size() < batch_fields_ + fields + 65) {
      batch_ends_.resize(2 * (batch_fields_ + fields) + 65);
      out = batch_ends_.data() + batch_fields_;
    }
    const std::uint32_t window_offset = static_cast<std::uint32_t>(window - p);
    while (true) {
      const std::uint64_t stop = bits.stop & keep;
      std::uint64_t delimiters = bits.delimiter & keep;
      if (stop == 0) {  // the record goes on past this window
        for (; delimiters != 0; delimiters &= delimiters - 1) {
          out[fields++] = window_offset + std::countr_zero(delimiters);
        }
        to = window + 64;
        break;
      }
      const int at = std::countr_zero(stop);
      const char* s = window + at;
      // Quotes and NULs, and blank lines: the state machine.
      if (*s == '"' || *s == '\0' || s == rec) return rec;
      for (delimiters &= (std::uint64_t{1} << at) - 1; delimiters != 0; delimiters &= delimiters - 1) {
        out[fields++] = window_offset + std::countr_zero(delimiters);
      }
      out[fields++] = window_offset + static_cast<std::uint32_t>(at);
      ++line_;
      if (!high && fields == batch_width) {
        // Nothing to report on this record: it joins the batch.
        if (batch_starts_.empty()) batch_line_ = record_line_;
        batch_starts_.push_back(static_cast<std::uint32_t>(rec - p));
        const std::size_t batch_fields = batch_fields_ + fields;
        batch_fields_ = batch_fields;
        ++data_records_;
        record_line_ = line_;
        if (batch_fields >= kBatchFields) flush_batch();
      } else {
        flush_batch();  // the batch goes before this record's issues
        if (views_.size() < fields) views_.resize(fields);
        const std::uint32_t start = static_cast<std::uint32_t>(rec - p);
        rules::PackedRecords record;  // this record alone, read as a batch's would be
        record.width = fields;
        record.base = p;
        record.starts = std::span<const std::uint32_t>(&start, 1);
        record.ends = std::span<const std::uint32_t>(out, fields);
        record.fields(0, views_.data());
        high_bit_ = high;
        emit_record(std::span<const std::string_view>(views_.data(), fields));
        batch_width = saw_header_ ? header_fields_ : 0;  // the header may have been this record
      }
      out = batch_ends_.data() + batch_fields_;  // neither call resizes batch_ends_
      fields = 0;
      rec = s + 1;
      if (*s == '\r') {
        if (rec == end) {
          after_cr_ = true;  // a \n starting the next chunk belongs to this line break
          return end;
        }
        if (*rec == '\n') ++rec;
      }
      high = false;
      if (rec - window >= 64) {
        to = rec;
        break;
      }
      keep = ~std::uint64_t{0} << (rec - window);
      high = bits.high;
    }
  }
}

void CsvParser::feed(std::string_view bytes) {
  if (!bom_done_) {
    // Match a UTF-8 BOM at the very start, even when it arrives split across chunks.
    while (!bytes.empty() && bom_pos_ < kBom.size() && bytes[0] == kBom[bom_pos_]) {
      pending_bom_.push_back(bytes[0]);
      bytes.remove_prefix(1);
      ++bom_pos_;
    }
    if (bom_pos_ == kBom.size()) {
      bom_done_ = true;
      pending_bom_.clear();
    } else if (!bytes.empty()) {
      bom_done_ = true;
      std::string held;
      held.swap(pending_bom_);
      if (!held.empty()) feed(held);  // not a BOM after all: those bytes are content
    } else {
      return;  // need more bytes to decide
    }
  }

  const char* p = bytes.data();
  const char* end = p + bytes.size();
  if (skip_line_) {  // the `sep=X` line: line 1, and not a record
    while (p < end && *p != '\n' && *p != '\r') ++p;
    if (p == end) return;
    skip_line_ = false;
    ++line_;
    record_line_ = line_;
    after_cr_ = *p == '\r';
    ++p;
  }
  while (p < end) {
    if (after_cr_) {
      after_cr_ = false;
      if (*p == '\n') { ++p; continue; }
    }
    if (state_ == State::field_start && !record_started_) {  // between records
      p = plain_records(p, end);
      if (p == end) break;
      if (after_cr_) continue;  // it stopped at a \r 16 MiB in: the \n may follow
      // The record at p needs the state machine, which takes at least its first byte below.
    }
    const char c = *p;
    switch (state_) {
      case State::field_start:
      case State::unquoted: {
        if (c == '"' && state_ == State::field_start) {
          state_ = State::quoted;
          record_started_ = true;
          ++p;
          break;
        }
        // Fast path: copy a run of plain bytes at once.
        const char* run = p;
        unsigned char bits = 0;
        while (p < end && !special_[static_cast<unsigned char>(*p)]) { bits |= static_cast<unsigned char>(*p); ++p; }
        if (p > run) {
          buf_.append(run, static_cast<std::size_t>(p - run));
          if (bits & 0x80) high_bit_ = true;
          record_started_ = true;
          state_ = State::unquoted;
          continue;
        }
        if (c == dialect_.delimiter) {
          record_started_ = true;
          end_field();
          state_ = State::field_start;
        } else if (c == '\n' || c == '\r') {
          ++line_;
          end_record();
          state_ = State::field_start;
          after_cr_ = (c == '\r');
        } else if (c == '"') {  // a quote inside an unquoted field
          if (stray_field_ < 0) stray_field_ = static_cast<int>(ends_.size());
          buf_.push_back(c);
        } else {  // NUL
          if (nul_field_ < 0) nul_field_ = static_cast<int>(ends_.size());
          buf_.push_back(c);
          record_started_ = true;
          state_ = State::unquoted;
        }
        ++p;
        break;
      }
      case State::quoted: {
        const char* run = p;
        unsigned char bits = 0;
        while (p < end && *p != '"' && *p != '\0' && *p != '\n' && *p != '\r') {
          bits |= static_cast<unsigned char>(*p);
          ++p;
        }
        if (p > run) {
          buf_.append(run, static_cast<std::size_t>(p - run));
          if (bits & 0x80) high_bit_ = true;
          continue;
        }
        if (c == '"') {
          state_ = State::quote_in_quoted;
        } else {
          // Physical lines as universal newlines count them: \r, \n and \r\n each end one.
          // The field's previous byte tells whether this \n completes a \r\n.
          if (c == '\r') ++line_;
          if (c == '\n') {
            std::size_t field_start = ends_.empty() ? 0 : ends_.back();
            if (buf_.size() <= field_start || buf_.back() != '\r') ++line_;
          }
          if (c == '\0' && nul_field_ < 0) nul_field_ = static_cast<int>(ends_.size());
          buf_.push_back(c);
        }
        ++p;
        break;
      }
      case State::quote_in_quoted: {
        if (c == '"') {  // a doubled quote stands for one
          buf_.push_back('"');
          state_ = State::quoted;
          ++p;
        } else if (c == dialect_.delimiter || c == '\n' || c == '\r') {
          state_ = State::unquoted;  // the field is closed; handle the delimiter there
        } else {  // text after a closing quote
          if (stray_field_ < 0) stray_field_ = static_cast<int>(ends_.size());
          state_ = State::unquoted;
        }
        break;
      }
    }
  }
}

void CsvParser::finish() {
  if (!bom_done_) {
    bom_done_ = true;
    std::string held;
    held.swap(pending_bom_);
    if (held.size() < kBom.size() && !held.empty()) feed(held);
  }
  after_cr_ = false;
  skip_line_ = false;
  if (state_ == State::quoted) report(CsvIssueKind::unterminated_quote, static_cast<int>(ends_.size()));
  if (record_started_) end_record();
  state_ = State::field_start;
}

}  // namespace outcheck::checker
