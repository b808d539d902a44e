#pragma once
// A streaming RFC 4180 reader. Bytes are pushed in chunks of any size; complete records are handed
// to a visitor as views that stay valid only during the call. Memory is bounded by the longest
// record, never by the file. Malformations are reported as issues and parsing goes on, so one
// pass finds every problem: the checker reports them, redact refuses the file.
//
// Two paths give the same events. A record that lies whole in one chunk, with no quote or NUL, is
// read 64 bytes at a time and its fields are views into the caller's chunk (no copy); runs of such
// records are handed out together (CsvRecords). Anything else (quotes, NULs, blank lines, a record
// cut by the chunk's end or by the 16 MiB one plain run may span) goes byte by byte through the
// state machine, which copies the record's content into a buffer.
//
// The delimiter is a comma unless the reader is told otherwise (CsvDialect): sniff_dialect reads it
// from a file's first bytes, as Excel's `sep=X` line or the header's tabs or semicolons.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/packed_records.h"

namespace outcheck::checker {

enum class CsvIssueKind { unterminated_quote, stray_quote, nul_byte, invalid_utf8, ragged_row };

struct CsvIssue {
  CsvIssueKind kind;
  std::int64_t record = 0;  // 0 = header, otherwise the 1-based data record
  std::int64_t line = 0;    // 1-based physical line where the record starts
  int field = -1;           // 0-based field index, -1 when the whole record is concerned
  std::int64_t got = 0;     // ragged_row: fields found
  std::int64_t expected = 0;  // ragged_row: fields in the header
};

// Consecutive data records, each on one line and each of the header's `width` fields, handed out
// together in the rules' packed form (rules::PackedRecords: a batch's bytes, each record's start and
// each field's end as 32-bit offsets): record i is data record `first_index + i` on line
// `first_line + i`. Four bytes a field rather than a view's sixteen, since a reader thread hands
// these to a rules thread by the million.
struct CsvRecords : rules::PackedRecords {
  std::int64_t first_line = 0;
};

// How a file is written: the byte between fields, and whether the first line is Excel's `sep=X`,
// which names the delimiter and is not part of the table (the header is the record after it; line
// numbers still count it).
struct CsvDialect {
  char delimiter = ',';
  bool sep_line = false;
  bool operator==(const CsvDialect&) const = default;
};

// Whether `c` can separate fields: a tab, a space, or ASCII punctuation other than the quote (not a
// letter, digit, line break, NUL or byte >= 0x80, which the reader gives other meanings).
bool usable_delimiter(char c);

// The dialect of a file whose first bytes are `head` (a BOM may lead). A first line that is exactly
// `sep=X` (X usable, then a line break) sets X. Otherwise a header with no comma outside quotes
// but with tabs (else semicolons), the same count of them on each of the next complete records
// (up to nine) in `head`, is read with that delimiter. Anything else, and a first line that does
// not end within `head`, is read with commas: a comma-separated file is read as it always was.
// Only the first kSniffBytes of `head` are read, so readers that give it at least that many bytes
// (or the whole file) read a file alike.
constexpr std::size_t kSniffBytes = std::size_t{1} << 20;
CsvDialect sniff_dialect(std::string_view head);

class CsvVisitor {
 public:
  virtual ~CsvVisitor() = default;
  virtual void on_header(std::span<const std::string_view> fields) = 0;
  // `index` is the 1-based data record; blank lines are not records (as Python's csv.DictReader).
  virtual void on_record(std::int64_t index, std::int64_t line,
                         std::span<const std::string_view> fields) = 0;
  // Records read together, for a visitor that gains by taking many at once (the rules read a
  // batch column by column). Events keep their order: no issue is reported while records read
  // before it wait in a batch. By default, each record in turn to on_record.
  virtual void on_records(const CsvRecords& records) {
    std::vector<std::string_view> fields(records.width);
    for (std::size_t i = 0; i < records.size(); ++i) {
      records.fields(i, fields.data());
      on_record(records.first_index + static_cast<std::int64_t>(i), records.first_line + static_cast<std::int64_t>(i),
                fields);
    }
  }
  virtual void on_issue(const CsvIssue& issue) = 0;
};

class CsvParser {
 public:
  // A dialect whose delimiter is not usable_delimiter() is read with commas.
  explicit CsvParser(CsvVisitor& visitor, CsvDialect dialect = {});

  // Changes the dialect; only before the first byte is fed.
  void set_dialect(CsvDialect dialect);
  const CsvDialect& dialect() const { return dialect_; }

  void feed(std::string_view bytes);
  // Ends the input: flushes a last record without a line break, reports an open quote.
  void finish();

  bool saw_header() const { return saw_header_; }
  std::int64_t data_records() const { return data_records_; }
  std::size_t header_fields() const { return header_fields_; }

 private:
  enum class State { field_start, unquoted, quoted, quote_in_quoted };

  // Reads whole plain records from [p, end) without copying; returns the start of the first record
  // it leaves to the state machine, or `end`. Called only between records.
  const char* plain_records(const char* p, const char* end);
  const char* read_plain_records(const char* p, const char* end);
  // Hands the batched records to the visitor (before any other event, and before their bytes go).
  void flush_batch();
  void end_field();
  void end_record();
  void emit_record(std::span<const std::string_view> fields);
  void report(CsvIssueKind kind, int field);

  CsvVisitor& visitor_;
  CsvDialect dialect_;
  // The bytes that end a run of plain field content outside quotes: the delimiter, `"`, \r, \n, NUL.
  std::array<bool, 256> special_{};
  bool skip_line_ = false;        // the `sep=X` line is still to be skipped
  State state_ = State::field_start;
  bool after_cr_ = false;         // swallow the \n of a \r\n pair
  std::size_t bom_pos_ = 0;       // bytes of a leading UTF-8 BOM matched so far
  bool bom_done_ = false;
  std::string pending_bom_;       // BOM-prefix bytes held back until we know they are a BOM

  std::string buf_;               // unescaped content of the current record
  std::vector<std::size_t> ends_; // end offset of each finished field in buf_
  // The record handed out (views into buf_ or the chunk); only ever grows.
  std::vector<std::string_view> views_;
  // The batch of plain records, as CsvRecords describes it, then the field ends of the record
  // being read; offsets from batch_base_, the start of the bytes read_plain_records was given.
  const char* batch_base_ = nullptr;
  std::vector<std::uint32_t> batch_starts_;
  std::vector<std::uint32_t> batch_ends_;  // only ever grows; [0, batch_fields_) are the batch's
  std::size_t batch_fields_ = 0;
  std::int64_t batch_line_ = 0;           // line of the batch's first record
  bool record_started_ = false;   // any byte of the record seen (so it is not a blank line)
  bool high_bit_ = false;         // a non-ASCII byte in the record: validate UTF-8
  int nul_field_ = -1;            // first field holding a NUL byte
  int stray_field_ = -1;          // first field with a misplaced quote
  std::int64_t record_line_ = 1;  // line where the current record starts
  std::int64_t line_ = 1;

  bool saw_header_ = false;
  std::size_t header_fields_ = 0;
  std::int64_t data_records_ = 0;
};

// True when `s` is valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace outcheck::checker
