#include "tests/checker/csv_reference.h"

#include <array>

namespace outcheck::checker::reference {

namespace {

// Bytes that end a run of plain field content outside quotes.
constexpr std::array<bool, 256> make_special() {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = true;
  t[static_cast<unsigned char>('"')] = true;
  t[static_cast<unsigned char>('\r')] = true;
  t[static_cast<unsigned char>('\n')] = true;
  t[0] = true;
  return t;
}
constexpr auto kSpecial = make_special();

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace


void ReferenceCsvParser::report(CsvIssueKind kind, int field) {
  CsvIssue issue{kind};
  issue.record = saw_header_ ? data_records_ + 1 : 0;
  issue.line = record_line_;
  issue.field = field;
  visitor_.on_issue(issue);
}

void ReferenceCsvParser::end_field() { ends_.push_back(buf_.size()); }

void ReferenceCsvParser::end_record() {
  if (!record_started_) {  // a blank line: not a record
    record_line_ = line_;
    return;
  }
  end_field();
  views_.clear();
  std::size_t start = 0;
  for (std::size_t end : ends_) {
    views_.emplace_back(buf_.data() + start, end - start);
    start = end;
  }
  if (nul_field_ >= 0) report(CsvIssueKind::nul_byte, nul_field_);
  if (stray_field_ >= 0) report(CsvIssueKind::stray_quote, stray_field_);
  if (high_bit_) {
    for (std::size_t i = 0; i < views_.size(); ++i) {
      if (!valid_utf8(views_[i])) { report(CsvIssueKind::invalid_utf8, static_cast<int>(i)); break; }
    }
  }
  if (!saw_header_) {
    saw_header_ = true;
    header_fields_ = views_.size();
    visitor_.on_header(views_);
  } else {
    ++data_records_;
    if (views_.size() != header_fields_) {
      CsvIssue issue{CsvIssueKind::ragged_row};
      issue.record = data_records_;
      issue.line = record_line_;
      issue.got = static_cast<std::int64_t>(views_.size());
      issue.expected = static_cast<std::int64_t>(header_fields_);
      visitor_.on_issue(issue);
    }
    visitor_.on_record(data_records_, record_line_, views_);
  }
  buf_.clear();
  ends_.clear();
  record_started_ = false;
  high_bit_ = false;
  nul_field_ = -1;
  stray_field_ = -1;
  record_line_ = line_;
}

void ReferenceCsvParser::feed(std::string_view bytes) {
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
  while (p < end) {
    if (after_cr_) {
      after_cr_ = false;
      if (*p == '\n') { ++p; continue; }
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
        while (p < end && !kSpecial[static_cast<unsigned char>(*p)]) { bits |= static_cast<unsigned char>(*p); ++p; }
        if (p > run) {
          buf_.append(run, static_cast<std::size_t>(p - run));
          if (bits & 0x80) high_bit_ = true;
          record_started_ = true;
          state_ = State::unquoted;
          continue;
        }
        if (c == ',') {
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
        } else if (c == ',' || c == '\n' || c == '\r') {
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

void ReferenceCsvParser::finish() {
  if (!bom_done_) {
    bom_done_ = true;
    std::string held;
    held.swap(pending_bom_);
    if (held.size() < kBom.size() && !held.empty()) feed(held);
  }
  after_cr_ = false;
  if (state_ == State::quoted) report(CsvIssueKind::unterminated_quote, static_cast<int>(ends_.size()));
  if (record_started_) end_record();
  state_ = State::field_start;
}

void Transcript::on_header(std::span<const std::string_view> fields) {
  log += "H";
  add_fields(fields);
}

void Transcript::on_record(std::int64_t index, std::int64_t line, std::span<const std::string_view> fields) {
  log += "R" + std::to_string(index) + "@" + std::to_string(line);
  add_fields(fields);
}

void Transcript::on_issue(const CsvIssue& i) {
  log += "I" + std::to_string(static_cast<int>(i.kind)) + " r" + std::to_string(i.record) + " l" + std::to_string(i.line) +
         " f" + std::to_string(i.field) + " " + std::to_string(i.got) + "/" + std::to_string(i.expected) + "\n";
}

void Transcript::add_fields(std::span<const std::string_view> fields) {
  static const char* hex = "0123456789ABCDEF";
  log += "#" + std::to_string(fields.size());
  for (std::string_view f : fields) {
    log += " " + std::to_string(f.size()) + ":";
    for (unsigned char c : f) {
      if (c >= 0x20 && c < 0x7F && c != '\\') {
        log += static_cast<char>(c);
      } else {
        log += "\\x";
        log += hex[c >> 4];
        log += hex[c & 15];
      }
    }
  }
  log += "\n";
}

namespace {

char swap_delimiter(char c, char delimiter) {
  if (c == ',') return delimiter;
  if (c == delimiter) return ',';
  return c;
}

}  // namespace

std::string with_dialect(const std::string& text, CsvDialect dialect, std::string_view sep_end) {
  std::string out;
  std::string_view body(text);
  if (dialect.sep_line) {
    if (body.starts_with(kBom)) {
      out += kBom;
      body.remove_prefix(kBom.size());
    }
    if (sep_end == "\r" && body.starts_with('\n')) sep_end = "\n";
    out += "sep=";
    out += dialect.delimiter;
    out += sep_end;
  }
  for (char c : body) out += swap_delimiter(c, dialect.delimiter);
  return out;
}

std::span<const std::string_view> AsCommas::restore(std::span<const std::string_view> fields) {
  text_.assign(fields.begin(), fields.end());
  views_.clear();
  for (std::string& f : text_) {
    for (char& c : f) c = swap_delimiter(c, dialect_.delimiter);
    views_.push_back(f);
  }
  return views_;
}

void AsCommas::on_header(std::span<const std::string_view> fields) { to_.on_header(restore(fields)); }

void AsCommas::on_record(std::int64_t index, std::int64_t line, std::span<const std::string_view> fields) {
  to_.on_record(index, line - dialect_.sep_line, restore(fields));
}

void AsCommas::on_issue(const CsvIssue& issue) {
  CsvIssue i = issue;
  i.line -= dialect_.sep_line;
  to_.on_issue(i);
}

}  // namespace outcheck::checker::reference
