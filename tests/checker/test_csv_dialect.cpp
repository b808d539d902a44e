// Which delimiter a CSV is read with (sniff_dialect: Excel's `sep=X` line, or a header of tabs or
// semicolons that the next records agree with), and what CsvScan makes of it: a tab- or
// semicolon-separated `.csv` is checked column by column with one `delimiter` finding (review);
// a comma-separated file reads exactly as before. And the reader's issues: one `malformed_csv`
// finding per file, with the count of bad records and the first one.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "checker/csv_scan.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"

using namespace outcheck;
using namespace outcheck::checker;

namespace {

const CsvDialect kCommas{',', false};
const CsvDialect kTabs{'\t', false};
const CsvDialect kSemicolons{';', false};

struct Scanned {
  rules::FindingList findings{25};
  CsvDialect dialect;
  std::int64_t records = 0;
  std::size_t fields = 0;

  std::vector<rules::Finding> of(const std::string& rule) const {
    std::vector<rules::Finding> out;
    for (const auto& f : findings.kept()) {
      if (f.rule == rule) out.push_back(f);
    }
    return out;
  }
  std::int64_t count(const std::string& rule) const {
    auto it = findings.counts().find(rule);
    return it == findings.counts().end() ? 0 : it->second;
  }
};

// Scans `text` in chunks of `size` (the first chunk decides the dialect), with the rules on this
// thread or, parsed on the other, on their own.
Scanned scan(const std::string& text, std::size_t size = 1 << 20, bool rules_thread = false) {
  Scanned s;
  CsvScan scan(test::compiled_preset("opensafely"), s.findings, rules_thread,
               rules_thread ? ParseOn::rules_thread : ParseOn::balanced);
  for (std::size_t at = 0; at < text.size(); at += size) scan.feed(std::string_view(text).substr(at, size));
  scan.finish();
  s.dialect = scan.dialect();
  s.records = scan.data_records();
  s.fields = scan.header_fields();
  return s;
}

}  // namespace

TEST_CASE("csv dialect: sniffing the delimiter from the first bytes", "[csv]") {
  SECTION("commas, as always") {
    CHECK(sniff_dialect("group,num\na,10\n") == kCommas);
    CHECK(sniff_dialect("num\n10\n") == kCommas);  // one column
    CHECK(sniff_dialect("") == kCommas);
    // Tabs and semicolons inside fields of a comma-separated file change nothing.
    CHECK(sniff_dialect("group,note\na\tb,x;y\nc\td,z\n") == kCommas);
    CHECK(sniff_dialect("\"a\tb\",c\n1,2\n") == kCommas);
    // A comma in the header, whatever the records hold.
    CHECK(sniff_dialect("a,b\tc\n1\t2\n3\t4\n") == kCommas);
  }
  SECTION("tabs") {
    CHECK(sniff_dialect("group\tnum\na\t10\nb\t3\n") == kTabs);
    CHECK(sniff_dialect("group\tnum\r\na\t10\r\n\r\nb\t3\r\n") == kTabs);  // blank lines are not records
    CHECK(sniff_dialect("\xEF\xBB\xBFgroup\tnum\na\t10\n") == kTabs);     // after a BOM
    CHECK(sniff_dialect("group\tnum\n") == kTabs);                          // a header alone
    CHECK(sniff_dialect("\"a, b\"\tnum\n\"x,y\"\t10\n") == kTabs);          // commas inside quotes only
    CHECK(sniff_dialect("\"a\nb\"\tnum\nx\t10\n") == kTabs);                // a line break inside quotes
    CHECK(sniff_dialect("a\tb\n1\t2\n3\t4\n5\t") == kTabs);  // the record cut by the end is left out
    // Tabs in the header, then semicolons: tabs first.
    CHECK(sniff_dialect("a;x\tb\n1;2\t3\n") == kTabs);
  }
  SECTION("semicolons") {
    CHECK(sniff_dialect("group;num\na;10\nb;3\n") == kSemicolons);
    CHECK(sniff_dialect("group;value\na;1,5\nb;2,25\n") == kSemicolons);  // decimal commas
    // The tabs disagree, the semicolons agree.
    CHECK(sniff_dialect("a\tx;b\n1;2\n") == kSemicolons);
  }
  SECTION("records that disagree with the header keep commas") {
    CHECK(sniff_dialect("group\tnum\na\t10\nb\t3\t4\n") == kCommas);
    CHECK(sniff_dialect("a;b\n1\n") == kCommas);
    // Only the first ten records are compared: the header and nine.
    std::string text = "a\tb\n";
    for (int i = 0; i < 8; ++i) text += "1\t2\n";
    CHECK(sniff_dialect(text + "1\t2\t3\n") == kCommas);  // the tenth
    text += "1\t2\n";
    CHECK(sniff_dialect(text + "1\t2\t3\n") == kTabs);  // the eleventh
  }
  SECTION("a first line that does not end in the bytes given keeps commas") {
    CHECK(sniff_dialect("group\tnum") == kCommas);
    CHECK(sniff_dialect("sep=;") == kCommas);
    // Only the first kSniffBytes are read: a header whose line break is the last of them, and one
    // whose line break is the first byte after them.
    CHECK(sniff_dialect("a\t" + std::string(kSniffBytes - 3, 'x') + "\nb\t1\n") == kTabs);
    CHECK(sniff_dialect("a\t" + std::string(kSniffBytes - 2, 'x') + "\nb\t1\n") == kCommas);
  }
  SECTION("Excel's sep= line") {
    CHECK(sniff_dialect("sep=;\ngroup;num\na;10\n") == CsvDialect{';', true});
    CHECK(sniff_dialect("sep=;\r\ngroup;num\r\n") == CsvDialect{';', true});
    CHECK(sniff_dialect("sep=;\r") == CsvDialect{';', true});
    CHECK(sniff_dialect("sep=\t\ngroup\tnum\n") == CsvDialect{'\t', true});
    CHECK(sniff_dialect("sep=|\na|b\n") == CsvDialect{'|', true});
    CHECK(sniff_dialect("sep=,\na,b\n") == CsvDialect{',', true});
    CHECK(sniff_dialect("\xEF\xBB\xBFsep=;\na;b\n") == CsvDialect{';', true});
    // It says the delimiter even when the records would say another.
    CHECK(sniff_dialect("sep=;\na,b\n1,2\n") == CsvDialect{';', true});
    // Not exactly sep=X: a header like any other.
    CHECK(sniff_dialect("sep=;;\na;b\n") == kCommas);
    CHECK(sniff_dialect("SEP=|\n1\n") == kCommas);
    CHECK(sniff_dialect(" sep=|\n1\n") == kCommas);
    CHECK(sniff_dialect("sep=||\n1\n") == kCommas);
    CHECK(sniff_dialect("sep=a\n1\n") == kCommas);     // a letter cannot separate fields
    CHECK(sniff_dialect("sep=\"\n1\n") == kCommas);    // nor a quote
    CHECK(sniff_dialect("sep=\n\n1\n") == kCommas);    // nor a line break
  }
}

TEST_CASE("csv dialect: a sep= line is line 1 and not the header", "[csv]") {
  // Data rows count from the header; lines count the sep= line, in any chunking.
  const std::string text = "sep=;\r\ngroup;num\r\na;10\r\nb;3;5\r\n";
  for (std::size_t size : {text.size(), std::size_t{1}, std::size_t{3}, std::size_t{6}, std::size_t{7}}) {
    INFO("chunks of " << size);
    struct Seen : CsvVisitor {
      std::vector<std::string> header;
      std::vector<std::int64_t> lines;
      std::vector<CsvIssue> issues;
      void on_header(std::span<const std::string_view> f) override { header.assign(f.begin(), f.end()); }
      void on_record(std::int64_t, std::int64_t line, std::span<const std::string_view>) override {
        lines.push_back(line);
      }
      void on_issue(const CsvIssue& i) override { issues.push_back(i); }
    } seen;
    CsvParser parser(seen, sniff_dialect(text));
    for (std::size_t at = 0; at < text.size(); at += size) parser.feed(std::string_view(text).substr(at, size));
    parser.finish();
    CHECK(seen.header == std::vector<std::string>{"group", "num"});
    CHECK(parser.data_records() == 2);
    CHECK(seen.lines == std::vector<std::int64_t>{3, 4});
    REQUIRE(seen.issues.size() == 1);
    CHECK(seen.issues[0].kind == CsvIssueKind::ragged_row);
    CHECK(seen.issues[0].record == 2);
    CHECK(seen.issues[0].line == 4);
  }
}

TEST_CASE("csv dialect: a tab-separated .csv is checked column by column, with one delimiter finding", "[csv]") {
  const std::string text = "group\tnum\na\t10\nb\t3\nc\t15\n";
  for (bool rules_thread : {false, true}) {
    INFO("rules thread: " << rules_thread);
    const Scanned s = scan(text, 1 << 20, rules_thread);
    INFO(test::describe_findings(s.findings));
    CHECK(s.dialect == kTabs);
    CHECK(s.fields == 2);
    CHECK(s.records == 3);
    const auto small = s.of("small_count");
    REQUIRE(small.size() == 1);
    CHECK(small[0].row == 2);
    CHECK(small[0].column == "num");
    CHECK(small[0].value == "3");
    const auto delimiter = s.of("delimiter");
    REQUIRE(delimiter.size() == 1);
    CHECK(s.count("delimiter") == 1);
    CHECK(delimiter[0].outcome == rules::Outcome::review);
    CHECK_FALSE(delimiter[0].row);
    CHECK_FALSE(delimiter[0].column);
    CHECK(delimiter[0].message ==
          "separated by tabs, not commas: checked as such; confirm the file is what it claims to be");
    CHECK(s.count("malformed_csv") == 0);
  }
}

TEST_CASE("csv dialect: a semicolon file after a sep= line has its rows and lines right", "[csv]") {
  // Line 1 is sep=;, line 2 the header; data row 2 (line 4) is small; row 4 (line 7, after a blank
  // line) is ragged.
  const std::string text = "sep=;\ngroup;num\na;10\nb;3\nc;15\n\nd;20;1\n";
  for (std::size_t size : {std::size_t{1} << 20, std::size_t{4}}) {
    const Scanned s = scan(text, size);
    INFO(test::describe_findings(s.findings));
    if (size == 4) {  // the first chunk holds no whole line: commas, and a one-column table
      CHECK(s.dialect == kCommas);
      CHECK(s.count("delimiter") == 0);
      continue;
    }
    CHECK(s.dialect == CsvDialect{';', true});
    CHECK(s.fields == 2);
    CHECK(s.records == 4);
    const auto small = s.of("small_count");
    REQUIRE(small.size() == 1);
    CHECK(small[0].row == 2);
    CHECK(small[0].column == "num");
    const auto malformed = s.of("malformed_csv");
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0].row == 4);
    CHECK(malformed[0].message == "has 3 fields but the header has 2 (line 7)");
    const auto delimiter = s.of("delimiter");
    REQUIRE(delimiter.size() == 1);
    CHECK(delimiter[0].outcome == rules::Outcome::review);
    CHECK(delimiter[0].message == "separated by semicolons (as its first line, sep=, says), not commas: checked as "
                                  "such; confirm the file is what it claims to be");
  }
}

TEST_CASE("csv dialect: a comma file with tabs inside fields is read with commas", "[csv]") {
  const Scanned s = scan("group,note,num\na\tb,x\ty,10\nc\td,z\tw,3\n");
  INFO(test::describe_findings(s.findings));
  CHECK(s.dialect == kCommas);
  CHECK(s.fields == 3);
  CHECK(s.count("delimiter") == 0);
  const auto small = s.of("small_count");
  REQUIRE(small.size() == 1);
  CHECK(small[0].row == 2);
  CHECK(small[0].column == "num");
}

TEST_CASE("csv dialect: several malformed records make one malformed_csv finding", "[csv]") {
  // Row 2 (line 3) has a stray quote, row 3 a NUL and too few fields (one record, two issues),
  // row 5 too many fields; row 4 is fine.
  const std::string text = std::string("group,num\na,10\nb\"x,20\nc\0", 24) + "\nd,30\ne,40,50\n";
  for (bool rules_thread : {false, true}) {
    INFO("rules thread: " << rules_thread);
    const Scanned s = scan(text, text.size(), rules_thread);
    INFO(test::describe_findings(s.findings));
    CHECK(s.count("malformed_csv") == 1);
    const auto malformed = s.of("malformed_csv");
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0].outcome == rules::Outcome::fail);
    CHECK(malformed[0].row == 2);
    CHECK(malformed[0].column == "group");
    CHECK(malformed[0].message ==
          "3 malformed records; the first: a quote inside an unquoted field, or text after a closing quote, on line 3");
  }
  SECTION("the first a ragged row: the message names its row") {
    const Scanned s = scan("group,num\na\nb,1,2\n");
    const auto malformed = s.of("malformed_csv");
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0].row == 1);
    CHECK_FALSE(malformed[0].column);
    CHECK(malformed[0].message == "2 malformed records; the first: row 1 has 1 fields but the header has 2 (line 2)");
  }
  SECTION("the first in the header: no row, no column") {
    const Scanned s = scan("gr\xFFoup,num\na\n");
    const auto malformed = s.of("malformed_csv");
    REQUIRE(malformed.size() == 1);
    CHECK_FALSE(malformed[0].row);
    CHECK_FALSE(malformed[0].column);
    CHECK(malformed[0].message ==
          "2 malformed records; the first: bytes that are not valid UTF-8 on the header (line 1)");
  }
  SECTION("one bad record with two issues: its first, as it always read") {
    const Scanned s = scan("group,num\na,10\n\"b,15\nc,20\n");
    CHECK(s.count("malformed_csv") == 1);
    const auto malformed = s.of("malformed_csv");
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0].row == 2);
    CHECK(malformed[0].column == "group");
    CHECK(malformed[0].message == "a quoted field opened on line 3 is never closed");
  }
  SECTION("a thousand bad records, under a cap of 25 per rule: still one finding") {
    std::string many = "group,num\n";
    for (int i = 0; i < 1000; ++i) many += "a,1,2\n";
    const Scanned s = scan(many);
    CHECK(s.count("malformed_csv") == 1);
    const auto malformed = s.of("malformed_csv");
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0].row == 1);
    CHECK(malformed[0].message.starts_with("1000 malformed records; the first: row 1 has 3 fields"));
  }
}
