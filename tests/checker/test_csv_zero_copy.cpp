// The zero-copy CSV reader against the byte-at-a-time reader it replaced (tests/checker/
// csv_reference.h): the same events, field bytes, issues, record and line numbers for every input,
// fed whole, split in two at every offset, split in three, and a byte at a time. Inputs are long
// enough to cross the reader's 64-byte windows and mix plain records with every case the state
// machine takes over (quotes, NULs, blank lines, CR, CRLF, BOMs, invalid UTF-8, ragged rows).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "checker/csv_bytes.h"
#include "checker/csv_parser.h"
#include "tests/checker/csv_reference.h"

using namespace outcheck::checker;

namespace {

template <class Parser>
std::string run(const std::vector<std::string_view>& chunks) {
  reference::Transcript t;
  Parser p(t);
  for (std::string_view c : chunks) p.feed(c);
  p.finish();
  t.add_totals(p);
  return t.log;
}

std::string reference(const std::string& text) { return run<reference::ReferenceCsvParser>({text}); }

// The reader in `dialect`, its events as the comma-separated original's (reference::AsCommas).
std::string run_dialect(const std::vector<std::string_view>& chunks, CsvDialect dialect) {
  reference::Transcript t;
  reference::AsCommas as_commas(t, dialect);
  CsvParser p(as_commas, dialect);
  for (std::string_view c : chunks) p.feed(c);
  p.finish();
  t.add_totals(p);
  return t.log;
}

// Text built mostly of plain records, with the awkward cases mixed in at random.
std::string random_csv(std::mt19937& rng) {
  static const std::vector<std::string> odd = {
      "\"", "\"\"", "\"q,\"", "\"a\nb\"", "\"c\r\nd\"", std::string(1, '\0'), "\r", "\n", "\r\n", "\n\n",
      "\xC3\xA9", "\xE2\x82\xAC", "\xED\xA0\x80", "\xC0\xAF", "\xE2\x82", "\xEF\xBB\xBF", "x\"y", "\"p\"q", ",,"};
  std::uniform_int_distribution<int> records(0, 8), fields(1, 6), width(0, 20), pct(0, 99);
  std::uniform_int_distribution<std::size_t> pick(0, odd.size() - 1);
  std::string text;
  if (pct(rng) < 15) text = "\xEF\xBB\xBF";
  const int columns = fields(rng);
  for (int r = records(rng); r >= 0; --r) {
    const int n = pct(rng) < 80 ? columns : fields(rng);  // some ragged rows
    for (int f = 0; f < n; ++f) {
      if (f) text += ',';
      for (int w = width(rng); w > 0; --w) text += static_cast<char>('0' + pct(rng) % 43);  // digits, letters, punctuation
      if (pct(rng) < 6) text += odd[pick(rng)];
    }
    const int end = pct(rng);
    text += end < 70 ? "\n" : end < 85 ? "\r\n" : end < 90 ? "\r" : end < 95 ? "\n\n" : "";
  }
  return text;
}

void check_all_chunkings(const std::string& text) {
  const std::string want = reference(text);
  INFO("text of " << text.size() << " bytes");
  REQUIRE(run<CsvParser>({text}) == want);
  for (std::size_t i = 0; i <= text.size(); ++i) {
    std::string_view v(text);
    INFO("split at " << i);
    REQUIRE(run<CsvParser>({v.substr(0, i), v.substr(i)}) == want);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < text.size(); ++i) bytes.push_back(std::string_view(text).substr(i, 1));
  REQUIRE(run<CsvParser>(bytes) == want);
}

// `text` written in `dialect` (reference::with_dialect) reads, in every chunking, as the reference
// reads `text` with commas.
void check_dialect_all_chunkings(const std::string& text, CsvDialect dialect, std::string_view sep_end = "\n") {
  const std::string want = reference(text);
  const std::string written = reference::with_dialect(text, dialect, sep_end);
  INFO("text of " << text.size() << " bytes, delimiter " << static_cast<int>(dialect.delimiter)
                  << (dialect.sep_line ? " after a sep= line" : ""));
  REQUIRE(run_dialect({written}, dialect) == want);
  for (std::size_t i = 0; i <= written.size(); ++i) {
    std::string_view v(written);
    INFO("split at " << i);
    REQUIRE(run_dialect({v.substr(0, i), v.substr(i)}, dialect) == want);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < written.size(); ++i) bytes.push_back(std::string_view(written).substr(i, 1));
  REQUIRE(run_dialect(bytes, dialect) == want);
}

}  // namespace

TEST_CASE("csv zero-copy: the 64-byte classifiers agree with the byte loop, for every delimiter", "[csv]") {
  std::mt19937 rng(7);
  const std::string alphabet = std::string(",\"\r\n\0a1.-\x80\xC3\xFF\x7F \t;|", 17);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (char delimiter : {',', '\t', ';', '|', ' '}) {
    const csv_bytes::Delimiter d(delimiter);
    for (int iteration = 0; iteration < 5000; ++iteration) {
      char window[64];
      for (char& c : window) c = iteration % 2 ? alphabet[pick(rng)] : static_cast<char>(rng());
      const csv_bytes::Bits want = csv_bytes::classify_bytes(window, 64, d);
      auto same = [](const csv_bytes::Bits& a, const csv_bytes::Bits& b) {
        return a.delimiter == b.delimiter && a.stop == b.stop && a.high == b.high;
      };
      REQUIRE(same(csv_bytes::classify64_swar(window, d), want));
#if defined(__SSE2__)
      REQUIRE(same(csv_bytes::classify64_sse2(window, d), want));
#endif
      const std::size_t n = static_cast<std::size_t>(iteration % 65);
      REQUIRE(same(csv_bytes::classify(window, n, d), csv_bytes::classify_bytes(window, n, d)));
      if (n < 64) {  // the tail: only its own bytes
        const std::uint64_t keep = (std::uint64_t{1} << n) - 1;
        const csv_bytes::Bits tail = csv_bytes::classify(window, n, d);
        REQUIRE(tail.delimiter == (want.delimiter & keep));
        REQUIRE(tail.stop == (want.stop & keep));
      }
    }
    // The byte loop itself: the delimiter's bits are exactly its bytes.
    char window[64];
    for (std::size_t i = 0; i < 64; ++i) window[i] = alphabet[i % alphabet.size()];
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < 64; ++i) expected |= std::uint64_t{window[i] == delimiter} << i;
    CHECK(csv_bytes::classify_bytes(window, 64, d).delimiter == expected);
  }
}

TEST_CASE("csv zero-copy: the same events as the byte-at-a-time reader, split at every offset", "[csv]") {
  SECTION("hand-picked inputs around the 64-byte windows") {
    const std::string long_field(70, 'x');
    const std::vector<std::string> texts = {
        "a,b\n1,2\n3,4\n",
        "a,b\r\n1,2\r\n3,4\r\n",
        "a,b\r1,2\r3,4",
        "\xEF\xBB\xBF" "a,b\n" + long_field + "," + long_field + "\n1,2\n",
        "a\n" + std::string(63, '7') + "\n" + std::string(64, '8') + "\r\n" + std::string(65, '9') + "\r",
        "h1,h2\n" + std::string(62, 'z') + "\r\n\r\n,\n\"" + long_field + "\",1\n",
        "a,b\n1,\xC3\xA9\n" + long_field + ",\xE2\x82\n",
        std::string("a,b\n1,") + '\0' + "2\n" + long_field + ",x\"y\n",
        "a,b,c\n1,2\n1,2,3,4\n" + long_field + ",,\n",
        "a\n\"unterminated\n" + long_field,
    };
    for (const auto& t : texts) check_all_chunkings(t);
  }
  SECTION("random inputs") {
    std::mt19937 rng(20261125);  // fixed seed: the same cases every run
    for (int iteration = 0; iteration < 1500; ++iteration) check_all_chunkings(random_csv(rng));
  }
}

TEST_CASE("csv zero-copy: another delimiter, and a sep= line, read as commas do, split at every offset", "[csv]") {
  // The text with commas and the delimiter swapped, read with that delimiter, gives what the
  // byte-at-a-time reader gives for the text with commas; after a `sep=X` line too, one line on.
  const std::string long_field(70, 'x');
  const std::vector<std::string> texts = {
      "a,b\n1,2\n3,4\n",
      "\xEF\xBB\xBF" "a,b\r\n" + long_field + "," + long_field + "\r\n1,2\r\n",
      "\na,b\n\n1,2",  // blank lines before the header and between records
      "h1,h2\n" + std::string(62, 'z') + "\r\n\r\n,\n\"" + long_field + "\",1\n",
      "a,b,c\n1,2\n1,2,3,4\n" + long_field + ",,\n",
      "a\n\"unterminated\n" + long_field,
      "a;b\tc|d\n1\t2;3,4|5\n",  // every delimiter as content of another dialect's fields
      "",
  };
  std::mt19937 rng(20261204);  // fixed seed: the same cases every run
  for (CsvDialect dialect : {CsvDialect{'\t', false}, CsvDialect{';', false}, CsvDialect{'|', false},
                             CsvDialect{';', true}, CsvDialect{'\t', true}, CsvDialect{',', true}}) {
    for (const auto& t : texts) {
      for (std::string_view end : {"\n", "\r\n", "\r"}) {
        check_dialect_all_chunkings(t, dialect, end);
        if (!dialect.sep_line) break;
      }
    }
    for (int iteration = 0; iteration < 300; ++iteration) {
      const char* sep_end = iteration % 3 == 0 ? "\r\n" : iteration % 3 == 1 ? "\r" : "\n";
      check_dialect_all_chunkings(random_csv(rng), dialect, sep_end);
    }
  }
}

TEST_CASE("csv zero-copy: a dialect the reader cannot use is read with commas", "[csv]") {
  for (char bad : {'"', '\n', '\r', '\0', 'a', '7', '\x80'}) {
    reference::Transcript t;
    CsvParser p(t, CsvDialect{bad, false});
    CHECK(p.dialect().delimiter == ',');
    p.feed("a,b\n1,2\n");
    p.finish();
    t.add_totals(p);
    CHECK(t.log == run<reference::ReferenceCsvParser>({"a,b\n1,2\n"}));
  }
}

TEST_CASE("csv zero-copy: long inputs, read in batches, give the same events in every chunking", "[csv]") {
  // Thousands of records, so that batches fill and are handed out mid-chunk, with the cases that
  // must not wait in a batch (ragged rows, non-ASCII bytes, quotes, blank lines) now and then.
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int> pct(0, 999), digits(0, 99999);
  for (int round = 0; round < 4; ++round) {
    std::string text = "practice,date,num,value\n";
    for (int r = 0; r < 6000; ++r) {
      const int odd = pct(rng);
      text += std::to_string(digits(rng)) + ",2020-01-0" + std::to_string(r % 9 + 1) + ",";
      if (odd < 3) text += "\"q\"";
      else if (odd < 6) text += "\xC3\xA9";
      else if (odd < 8) text += "\xC3";
      else text += std::to_string(digits(rng) % 400);
      if (odd >= 8 && odd < 11) text += ",extra";  // ragged
      text += "," + std::to_string(digits(rng)) + "." + std::to_string(digits(rng) % 100);
      text += odd == 11 ? "\n\n" : odd == 12 ? "\r\n" : "\n";
    }
    const std::string want = run<reference::ReferenceCsvParser>({text});
    const std::string_view v(text);
    for (std::size_t size : {text.size(), std::size_t{65536}, std::size_t{4096}, std::size_t{1000}, std::size_t{64},
                             std::size_t{7}}) {
      INFO("round " << round << ", chunks of " << size);
      std::vector<std::string_view> chunks;
      for (std::size_t at = 0; at < v.size(); at += size) chunks.push_back(v.substr(at, size));
      REQUIRE(run<CsvParser>(chunks) == want);
    }
  }
}

TEST_CASE("csv zero-copy: a chunk of more than 16 MiB, the most one plain run may span", "[csv]") {
  // The plain path reads at most 16 MiB of a chunk at a time (its offsets are 32-bit, and a run
  // that long is plenty); the record across that line goes to the state machine. Here the line
  // falls on a \r of a \r\n pair, and then in the middle of a record.
  constexpr std::size_t kSpan = std::size_t{16} << 20;
  for (std::size_t shift : {std::size_t{0}, std::size_t{3}}) {
    std::string text = "a,b\n";
    while (text.size() + 64 < kSpan) text += std::to_string(text.size() % 9973) + ",x\r\n";
    // Pad the last record so that its \r is the last byte before the line, then move it `shift`.
    text += std::string(kSpan - 1 - text.size() - 2, '7') + ",y";
    text.insert(text.size() - 1, shift, 'z');
    text += "\r\n1,2\r\n3,4\n";
    REQUIRE(text.size() > kSpan);
    INFO("the line " << shift << " bytes before the \\r");
    const std::string want = run<reference::ReferenceCsvParser>({text});
    CHECK(run<CsvParser>({text}) == want);
    const std::string_view v(text);
    CHECK(run<CsvParser>({v.substr(0, kSpan + 1), v.substr(kSpan + 1)}) == want);
  }
}

TEST_CASE("csv zero-copy: plain records arrive in batches of bounded size", "[csv]") {
  struct Batches : CsvVisitor {
    std::vector<std::size_t> sizes;
    std::size_t largest_fields = 0;
    std::int64_t next_index = 1, singles = 0;
    void on_header(std::span<const std::string_view>) override {}
    void on_record(std::int64_t index, std::int64_t, std::span<const std::string_view>) override {
      CHECK(index == next_index++);
      ++singles;
    }
    void on_records(const CsvRecords& r) override {
      CHECK(r.first_index == next_index);
      CHECK(r.first_line == r.first_index + 1);  // one header line, no blank lines
      next_index += static_cast<std::int64_t>(r.size());
      sizes.push_back(r.size());
      largest_fields = std::max(largest_fields, r.ends.size());
      CHECK(r.width == 3);
      CHECK(r.ends.size() == 3 * r.size());
    }
    void on_issue(const CsvIssue&) override {}
  };
  std::string text = "a,b,c\n";
  for (int i = 0; i < 10000; ++i) text += std::to_string(i) + ",x," + std::to_string(i % 7) + "\n";
  text += "1,2\n";  // ragged: on its own, after the batch before it
  Batches b;
  CsvParser p(b);
  p.feed(text);
  p.finish();
  CHECK(b.next_index == 10002);
  CHECK(b.singles == 1);
  REQUIRE(b.sizes.size() > 1);
  CHECK(b.sizes.front() > 100);  // many records per call, not one
  CHECK(b.largest_fields <= 4096);  // bounded however long the file
}

TEST_CASE("csv zero-copy: plain records are views into the caller's bytes", "[csv]") {
  struct Where : CsvVisitor {
    const char* begin = nullptr;
    const char* end = nullptr;
    int inside = 0, copied = 0;
    void on_header(std::span<const std::string_view> f) override { count(f); }
    void on_record(std::int64_t, std::int64_t, std::span<const std::string_view> f) override { count(f); }
    void on_issue(const CsvIssue&) override {}
    void count(std::span<const std::string_view> fields) {
      for (auto f : fields) (f.data() >= begin && f.data() + f.size() <= end ? inside : copied)++;
    }
  };
  const std::string text = "a,b\n1,2\n\"q\",3\n4,5\n";
  Where w;
  w.begin = text.data();
  w.end = text.data() + text.size();
  CsvParser p(w);
  p.feed(text);
  p.finish();
  CHECK(w.inside == 6);  // the header and the two plain records
  CHECK(w.copied == 2);  // the record with a quoted field went through the buffer
}
