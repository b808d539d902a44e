// The streaming CSV reader against RFC 4180 and Python's csv module (which the OpenSAFELY rules
// are written for): records, fields, physical line numbers (universal newlines: \n, \r\n and a
// lone \r each end a line), blank lines, and every malformation reported as an issue while parsing
// goes on. Expected values are worked by hand from those references.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "checker/csv_parser.h"

using namespace outcheck::checker;

namespace {

using Fields = std::vector<std::string>;

struct Rec {
  std::int64_t index;
  std::int64_t line;
  Fields fields;
  bool operator==(const Rec& o) const {
    return index == o.index && line == o.line && fields == o.fields;
  }
};

struct Iss {
  CsvIssueKind kind;
  std::int64_t record;
  std::int64_t line;
  int field;
  std::int64_t got;
  std::int64_t expected;
  bool operator==(const Iss& o) const {
    return std::tie(kind, record, line, field, got, expected) ==
           std::tie(o.kind, o.record, o.line, o.field, o.got, o.expected);
  }
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  os << "{#" << r.index << " line " << r.line << ":";
  for (const auto& f : r.fields) os << " [" << f << "]";
  return os << "}";
}

const char* kind_name(CsvIssueKind k) {
  switch (k) {
    case CsvIssueKind::unterminated_quote: return "unterminated_quote";
    case CsvIssueKind::stray_quote: return "stray_quote";
    case CsvIssueKind::nul_byte: return "nul_byte";
    case CsvIssueKind::invalid_utf8: return "invalid_utf8";
    case CsvIssueKind::ragged_row: return "ragged_row";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const Iss& i) {
  return os << "{" << kind_name(i.kind) << " record " << i.record << " line " << i.line << " field "
            << i.field << " got " << i.got << " expected " << i.expected << "}";
}

// Issue shorthands: the kind, the record (0 = header), the record's first line, the field.
Iss issue(CsvIssueKind kind, std::int64_t record, std::int64_t line, int field) {
  return Iss{kind, record, line, field, 0, 0};
}
Iss ragged(std::int64_t record, std::int64_t line, std::int64_t got, std::int64_t expected) {
  return Iss{CsvIssueKind::ragged_row, record, line, -1, got, expected};
}

class Recorder : public CsvVisitor {
 public:
  bool has_header = false;
  Fields header;
  std::vector<Rec> records;
  std::vector<Iss> issues;

  void on_header(std::span<const std::string_view> fields) override {
    REQUIRE_FALSE(has_header);
    has_header = true;
    header.assign(fields.begin(), fields.end());
  }
  void on_record(std::int64_t index, std::int64_t line, std::span<const std::string_view> fields) override {
    records.push_back(Rec{index, line, Fields(fields.begin(), fields.end())});
  }
  void on_issue(const CsvIssue& i) override {
    issues.push_back(Iss{i.kind, i.record, i.line, i.field, i.got, i.expected});
  }
  bool operator==(const Recorder& o) const {
    return has_header == o.has_header && header == o.header && records == o.records && issues == o.issues;
  }
};

struct Parsed {
  Recorder r;
  std::int64_t data_records = 0;
  std::size_t header_fields = 0;
  bool saw_header = false;
};

Parsed parse_chunks(const std::vector<std::string>& chunks) {
  Parsed p;
  CsvParser parser(p.r);
  for (const auto& c : chunks) parser.feed(c);
  parser.finish();
  p.data_records = parser.data_records();
  p.header_fields = parser.header_fields();
  p.saw_header = parser.saw_header();
  return p;
}

Parsed parse(const std::string& text) { return parse_chunks({text}); }

// Every byte on its own: the hardest chunking.
Parsed parse_bytewise(const std::string& text) {
  std::vector<std::string> chunks;
  for (char c : text) chunks.emplace_back(1, c);
  return parse_chunks(chunks);
}

// Parses `text` whole and byte by byte, requires both to agree, and returns the whole parse.
Parsed parse_both(const std::string& text) {
  Parsed whole = parse(text);
  Parsed bytes = parse_bytewise(text);
  CHECK(whole.r == bytes.r);
  return whole;
}

}  // namespace

TEST_CASE("csv: a plain file", "[csv]") {
  auto p = parse_both("a,b\n1,2\n3,4\n");
  CHECK(p.saw_header);
  CHECK(p.r.header == Fields{"a", "b"});
  CHECK(p.header_fields == 2);
  CHECK(p.r.records == std::vector<Rec>{{1, 2, {"1", "2"}}, {2, 3, {"3", "4"}}});
  CHECK(p.data_records == 2);
  CHECK(p.r.issues.empty());
}

TEST_CASE("csv: a UTF-8 BOM at the start is not content", "[csv]") {
  const std::string text = "\xEF\xBB\xBF" "a,b\n1,2\n";
  const Fields header{"a", "b"};
  const std::vector<Rec> records{{1, 2, {"1", "2"}}};

  SECTION("in one chunk") {
    auto p = parse(text);
    CHECK(p.r.header == header);
    CHECK(p.r.records == records);
    CHECK(p.r.issues.empty());
  }
  SECTION("split across chunks") {
    for (auto chunks : std::vector<std::vector<std::string>>{
             {"\xEF", "\xBB", "\xBF" "a,b\n1,2\n"},
             {"\xEF\xBB", "\xBF", "a,b\n1,2\n"},
             {"\xEF", "", "\xBB\xBF" "a", ",b\n1,2\n"}}) {
      auto p = parse_chunks(chunks);
      CHECK(p.r.header == header);
      CHECK(p.r.records == records);
      CHECK(p.r.issues.empty());
    }
  }
  SECTION("a BOM alone is an empty file") {
    auto p = parse("\xEF\xBB\xBF");
    CHECK_FALSE(p.saw_header);
    CHECK(p.r.records.empty());
    CHECK(p.r.issues.empty());
  }
  SECTION("a BOM later in the file is content") {
    auto p = parse_both("a,b\n\xEF\xBB\xBF" "1,2\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"\xEF\xBB\xBF" "1", "2"}}});
    CHECK(p.r.issues.empty());  // U+FEFF is valid UTF-8
  }
  SECTION("the start of a BOM that is not one stays content") {
    // EF BB followed by "a" is an invalid UTF-8 sequence, held back and then given to the field.
    auto p = parse_chunks({"\xEF\xBB", "a,b\n1,2\n"});
    CHECK(p.r.header == Fields{"\xEF\xBB" "a", "b"});
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::invalid_utf8, 0, 1, 0)});
    auto q = parse("\xEF\xBB");  // the whole input
    CHECK(q.r.header == Fields{"\xEF\xBB"});
    CHECK(q.r.issues == std::vector<Iss>{issue(CsvIssueKind::invalid_utf8, 0, 1, 0)});
  }
}

TEST_CASE("csv: line endings", "[csv]") {
  const std::vector<Rec> expected{{1, 2, {"1", "2"}}, {2, 3, {"3", "4"}}};
  SECTION("CRLF") {
    auto p = parse_both("a,b\r\n1,2\r\n3,4\r\n");
    CHECK(p.r.header == Fields{"a", "b"});
    CHECK(p.r.records == expected);
    CHECK(p.r.issues.empty());
  }
  SECTION("lone CR") {
    auto p = parse_both("a,b\r1,2\r3,4\r");
    CHECK(p.r.header == Fields{"a", "b"});
    CHECK(p.r.records == expected);
    CHECK(p.r.issues.empty());
  }
  SECTION("mixed, and no line break at the end") {
    auto p = parse_both("a,b\r\n1,2\n3,4\r5,6");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"1", "2"}}, {2, 3, {"3", "4"}}, {3, 4, {"5", "6"}}});
    CHECK(p.r.issues.empty());
  }
  SECTION("CR CR is two line breaks with a blank line between") {
    auto p = parse_both("a\r\r1\r");
    CHECK(p.r.records == std::vector<Rec>{{1, 3, {"1"}}});
  }
}

TEST_CASE("csv: quoted fields", "[csv]") {
  SECTION("a comma inside quotes") {
    auto p = parse_both("a,b\n\"x,y\",2\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"x,y", "2"}}});
    CHECK(p.r.issues.empty());
  }
  SECTION("doubled quotes stand for one") {
    auto p = parse_both("a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"say \"hi\"", "\""}}});
    CHECK(p.r.issues.empty());
  }
  SECTION("an empty quoted field is a record, not a blank line") {
    auto p = parse_both("a\n\"\"\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {""}}});
    CHECK(p.data_records == 1);
  }
  SECTION("a line break inside quotes is content, and the record is still one record") {
    auto p = parse_both("a,b\n\"line1\nline2\",2\n3,4\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"line1\nline2", "2"}}, {2, 4, {"3", "4"}}});
    CHECK(p.data_records == 2);
    CHECK(p.r.issues.empty());
  }
  SECTION("CRLF inside quotes is kept and counts as one line") {
    auto p = parse_both("a,b\r\n\"l1\r\nl2\",2\r\n3,4\r\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"l1\r\nl2", "2"}}, {2, 4, {"3", "4"}}});
  }
  SECTION("a lone CR inside quotes is kept and ends a physical line") {
    // Python's csv over a file opened with newline='' counts this record as lines 2 and 3.
    auto p = parse_both("a,b\n\"x\ry\",1\n2,3\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"x\ry", "1"}}, {2, 4, {"2", "3"}}});
  }
  SECTION("several quoted line breaks push later line numbers on") {
    auto p = parse_both("h\n\"a\n\nb\"\nx\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"a\n\nb"}}, {2, 5, {"x"}}});
  }
}

TEST_CASE("csv: blank lines are not records", "[csv]") {
  auto p = parse_both("a,b\n\n1,2\n\n\n3,4\n\n");
  CHECK(p.r.records == std::vector<Rec>{{1, 3, {"1", "2"}}, {2, 6, {"3", "4"}}});
  CHECK(p.data_records == 2);
  CHECK(p.r.issues.empty());

  auto q = parse_both("a\r\n\r\n1\r\n\r\n");
  CHECK(q.r.records == std::vector<Rec>{{1, 3, {"1"}}});

  // Empty fields are not a blank line.
  auto e = parse_both("a,b\n,\n");
  CHECK(e.r.records == std::vector<Rec>{{1, 2, {"", ""}}});
}

TEST_CASE("csv: header only, empty input, no final line break", "[csv]") {
  SECTION("header only") {
    for (std::string text : {"a,b\n", "a,b", "a,b\r\n\r\n"}) {
      auto p = parse_both(text);
      CHECK(p.saw_header);
      CHECK(p.r.header == Fields{"a", "b"});
      CHECK(p.r.records.empty());
      CHECK(p.data_records == 0);
      CHECK(p.r.issues.empty());
    }
  }
  SECTION("empty input") {
    auto p = parse_both("");
    CHECK_FALSE(p.saw_header);
    CHECK_FALSE(p.r.has_header);
    CHECK(p.r.records.empty());
    CHECK(p.r.issues.empty());
    CHECK(p.data_records == 0);
  }
  SECTION("no line break after the last record") {
    auto p = parse_both("a,b\n1,2");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"1", "2"}}});
    auto q = parse_both("a,b\n1,\"2\"");
    CHECK(q.r.records == std::vector<Rec>{{1, 2, {"1", "2"}}});
    auto e = parse_both("a,b\n1,");  // a trailing empty field
    CHECK(e.r.records == std::vector<Rec>{{1, 2, {"1", ""}}});
  }
}

TEST_CASE("csv: an unterminated quote is reported", "[csv]") {
  auto p = parse_both("a,b\n1,\"abc\n2,3\n");
  CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::unterminated_quote, 1, 2, 1)});
  // Everything after the open quote belongs to that field.
  CHECK(p.r.records == std::vector<Rec>{{1, 2, {"1", "abc\n2,3\n"}}});

  auto h = parse_both("\"a,b\n");  // in the header
  CHECK(h.r.issues == std::vector<Iss>{issue(CsvIssueKind::unterminated_quote, 0, 1, 0)});
}

TEST_CASE("csv: misplaced quotes are stray_quote", "[csv]") {
  SECTION("text after a closing quote") {
    // Python's csv (not strict) reads "x"y as xy.
    auto p = parse_both("a,b\n\"x\"y,2\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"xy", "2"}}});
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::stray_quote, 1, 2, 0)});
  }
  SECTION("a bare quote in an unquoted field") {
    auto p = parse_both("a,b\n1,x\"y\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"1", "x\"y"}}});
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::stray_quote, 1, 2, 1)});
  }
  SECTION("in the header") {
    auto p = parse_both("a\"b,c\n");
    CHECK(p.r.header == Fields{"a\"b", "c"});
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::stray_quote, 0, 1, 0)});
  }
  SECTION("only the first stray quote of a record is reported") {
    auto p = parse_both("a,b\nx\"y,\"p\"q\n");
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::stray_quote, 1, 2, 0)});
  }
}

TEST_CASE("csv: a NUL byte is reported", "[csv]") {
  auto p = parse_both(std::string("a,b\n1,") + '\0' + "2\n");
  CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::nul_byte, 1, 2, 1)});
  CHECK(p.r.records == std::vector<Rec>{{1, 2, {"1", std::string("\0" "2", 2)}}});

  auto q = parse_both(std::string("a,b\n\"x") + '\0' + "\",2\n");  // inside quotes
  CHECK(q.r.issues == std::vector<Iss>{issue(CsvIssueKind::nul_byte, 1, 2, 0)});

  auto h = parse_both(std::string("\0", 1));  // a line holding only a NUL is not blank
  CHECK(h.r.issues == std::vector<Iss>{issue(CsvIssueKind::nul_byte, 0, 1, 0)});
}

TEST_CASE("csv: valid_utf8", "[csv]") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii"));
  CHECK(valid_utf8("\xC3\xA9"));          // é
  CHECK(valid_utf8("\xE2\x82\xAC"));      // €
  CHECK(valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  CHECK(valid_utf8("\xEF\xBB\xBF"));      // U+FEFF
  CHECK(valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
  CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point

  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xC1\xBF"));          // overlong
  CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  CHECK_FALSE(valid_utf8("\xF0\x82\x82\xAC"));  // overlong €, 4 bytes
  CHECK_FALSE(valid_utf8("\xE2\x82"));          // truncated at the end
  CHECK_FALSE(valid_utf8("\xE2\x82x"));         // truncated before ASCII
  CHECK_FALSE(valid_utf8("\xC3"));
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // U+D800, a surrogate
  CHECK_FALSE(valid_utf8("\xED\xBF\xBF"));      // U+DFFF
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // U+110000, beyond Unicode
  CHECK_FALSE(valid_utf8("\x80"));              // a lone continuation byte
  CHECK_FALSE(valid_utf8("\xFF"));
  CHECK_FALSE(valid_utf8("\xF8\x88\x80\x80\x80"));  // 5-byte form
}

TEST_CASE("csv: invalid UTF-8 is reported with its record and field", "[csv]") {
  SECTION("overlong") {
    auto p = parse_both("a,b\n1,\xC0\xAF\n");
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::invalid_utf8, 1, 2, 1)});
  }
  SECTION("truncated at the end of a field") {
    auto p = parse_both("a,b\n\xE2\x82,2\n");
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::invalid_utf8, 1, 2, 0)});
  }
  SECTION("surrogate, inside quotes, on a later record") {
    auto p = parse_both("a,b\n1,2\n3,\"\xED\xA0\x80\"\n");
    CHECK(p.r.issues == std::vector<Iss>{issue(CsvIssueKind::invalid_utf8, 2, 3, 1)});
  }
  SECTION("valid multi-byte text is fine") {
    auto p = parse_both("name,n\n\"Caf\xC3\xA9, \xE2\x82\xAC\",5\n");
    CHECK(p.r.records == std::vector<Rec>{{1, 2, {"Caf\xC3\xA9, \xE2\x82\xAC", "5"}}});
    CHECK(p.r.issues.empty());
  }
}

TEST_CASE("csv: ragged rows report fields found and expected", "[csv]") {
  auto p = parse_both("a,b,c\n1,2\n1,2,3,4\n1,2,3\n\n");
  CHECK(p.r.issues == std::vector<Iss>{ragged(1, 2, 2, 3), ragged(2, 3, 4, 3)});
  // The rows are still handed on, as they are.
  CHECK(p.r.records ==
        std::vector<Rec>{{1, 2, {"1", "2"}}, {2, 3, {"1", "2", "3", "4"}}, {3, 4, {"1", "2", "3"}}});
  CHECK(p.data_records == 3);
}

TEST_CASE("csv: any chunking gives the same records and issues as one feed", "[csv]") {
  // Pieces that exercise every state and every byte class, BOMs and partial BOMs included.
  const std::vector<std::string> pieces = {
      "a", "b", "1", "22", ",", ",", "\"", "\"\"", "\r", "\n", "\r\n", std::string(1, '\0'), " ",
      "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xED\xA0\x80", "\xC0\xAF", "\xE2\x82", "\xEF\xBB\xBF",
      "\xEF\xBB", "\xEF"};
  std::mt19937 rng(20240611);  // fixed seed: the same cases every run
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_int_distribution<int> chunk(0, 9);

  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string text;
    if (iteration % 5 == 0) text = "\xEF\xBB\xBF";  // often start with a BOM
    for (int n = length(rng); n > 0; --n) text += pieces[pick(rng)];

    Parsed whole = parse(text);
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < text.size();) {
      std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(chunk(rng)), text.size() - i);
      chunks.push_back(text.substr(i, n));  // zero-length feeds are allowed too
      i += n;
    }
    Parsed split = parse_chunks(chunks);

    std::ostringstream shown;
    for (unsigned char c : text) shown << (c >= 0x20 && c < 0x7F ? std::string(1, static_cast<char>(c))
                                                                  : "\\x" + std::to_string(c));
    INFO("iteration " << iteration << " text: " << shown.str());
    REQUIRE(whole.r.has_header == split.r.has_header);
    REQUIRE(whole.r.header == split.r.header);
    REQUIRE(whole.r.records == split.r.records);
    REQUIRE(whole.r.issues == split.r.issues);
    REQUIRE(whole.data_records == split.data_records);
    REQUIRE(static_cast<std::size_t>(whole.data_records) == whole.r.records.size());

    Parsed bytes = parse_bytewise(text);
    REQUIRE(whole.r == bytes.r);
  }
}
