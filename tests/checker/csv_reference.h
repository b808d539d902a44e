#pragma once
// The byte-at-a-time RFC 4180 reader that checker/csv_parser.cpp replaced, kept unchanged as the
// oracle for differential tests: the zero-copy reader must hand out exactly the events this one
// does, for every input and every chunking. Test-only; slow on purpose (one byte per step).
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checker/csv_parser.h"

namespace outcheck::checker::reference {

class ReferenceCsvParser {
 public:
  explicit ReferenceCsvParser(CsvVisitor& visitor) : visitor_(visitor) {}

  void feed(std::string_view bytes);
  // Ends the input: flushes a last record without a line break, reports an open quote.
  void finish();

  bool saw_header() const { return saw_header_; }
  std::int64_t data_records() const { return data_records_; }
  std::size_t header_fields() const { return header_fields_; }

 private:
  enum class State { field_start, unquoted, quoted, quote_in_quoted };

  void end_field();
  void end_record();
  void report(CsvIssueKind kind, int field);

  CsvVisitor& visitor_;
  State state_ = State::field_start;
  bool after_cr_ = false;         // swallow the \n of a \r\n pair
  std::size_t bom_pos_ = 0;       // bytes of a leading UTF-8 BOM matched so far
  bool bom_done_ = false;
  std::string pending_bom_;       // BOM-prefix bytes held back until we know they are a BOM

  std::string buf_;               // unescaped content of the current record
  std::vector<std::size_t> ends_; // end offset of each finished field in buf_
  std::vector<std::string_view> views_;
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

// Every event a reader hands its visitor, as text, so two parses compare byte for byte: fields are
// length-prefixed and their bytes written with non-printable ones (and backslash) as \xHH, which is
// unambiguous and still readable when a test prints a mismatch. Reading every byte of each view also
// lets ASan catch a view that outlives its bytes.
class Transcript : public CsvVisitor {
 public:
  std::string log;

  void on_header(std::span<const std::string_view> fields) override;
  void on_record(std::int64_t index, std::int64_t line, std::span<const std::string_view> fields) override;
  void on_issue(const CsvIssue& issue) override;
  // Appends the reader's totals after finish().
  template <class Parser>
  void add_totals(const Parser& p) {
    log += "S" + std::to_string(p.saw_header()) + " " + std::to_string(p.data_records()) + " " +
           std::to_string(p.header_fields());
  }

 private:
  void add_fields(std::span<const std::string_view> fields);
};

// The text `text` says when written in `dialect`: every comma and delimiter swapped (a bijection,
// so no text is lost) and, for a `sep=X` dialect, that line first (after a leading BOM), ended by
// `sep_end` (\n, \r\n or \r; a lone \r before a \n of the text would join it as one line break,
// so then \n). A reader of the result in `dialect` must give what a reader of `text` gives, read
// back through AsCommas.
std::string with_dialect(const std::string& text, CsvDialect dialect, std::string_view sep_end = "\n");

// Forwards a reader's events to `to` as the reader of the original of with_dialect() gives them:
// delimiters and commas swapped back in every field, line numbers less the `sep=X` line.
class AsCommas : public CsvVisitor {
 public:
  AsCommas(CsvVisitor& to, CsvDialect dialect) : to_(to), dialect_(dialect) {}

  void on_header(std::span<const std::string_view> fields) override;
  void on_record(std::int64_t index, std::int64_t line, std::span<const std::string_view> fields) override;
  void on_issue(const CsvIssue& issue) override;

 private:
  std::span<const std::string_view> restore(std::span<const std::string_view> fields);

  CsvVisitor& to_;
  CsvDialect dialect_;
  std::vector<std::string> text_;
  std::vector<std::string_view> views_;
};

}  // namespace outcheck::checker::reference
