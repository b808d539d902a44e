// Which delimiter a CSV is read with (sniff_dialect: Excel's `sep=X` line, or a header of tabs or
// semicolons that the next records agree with); a comma-separated file reads exactly as before.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "checker/csv_parser.h"

using namespace outcheck::checker;

namespace {

const CsvDialect kCommas{',', false};
const CsvDialect kTabs{'\t', false};
const CsvDialect kSemicolons{';', false};

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
