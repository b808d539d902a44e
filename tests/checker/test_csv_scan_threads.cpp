// CsvScan with the table rules on their own thread (as large files are checked) against the same
// scan on one thread: the same findings, kept and counted, and the same totals, for CSVs holding
// every kind of record the reader and the rules treat apart, whichever thread parses each chunk;
// and the bytes handed to feed() are free for reuse once settle() returns.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "checker/csv_scan.h"
#include "rules/compiled_policy.h"
#include "rules/policy.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"

using namespace outcheck;
using namespace outcheck::checker;

namespace {


// A measure-like table with small and unrounded counts, rates from them, redacted cells, an NHS
// number now and then, quoted fields, blank lines, ragged rows and non-ASCII text.
std::string awkward_csv(std::size_t records, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pct(0, 99), count(0, 400);
  std::string text = "practice,date,num,list_size,value,label\n";
  for (std::size_t r = 0; r < records; ++r) {
    const int odd = pct(rng);
    text += std::to_string(r % 6500) + ",2020-01-0" + std::to_string(r % 9 + 1) + ",";
    text += odd < 2 ? "[REDACTED]" : std::to_string(count(rng));
    text += "," + std::to_string(1000 + count(rng) * 5) + "," + std::to_string(count(rng)) + "." + std::to_string(pct(rng));
    text += odd == 2 ? ",\"quoted, with a comma\"" : odd == 3 ? ",caf\xC3\xA9" : odd == 4 ? ",943 476 5919" : ",x";
    if (odd == 5) text += ",extra";
    text += odd == 6 ? "\n\n" : odd == 7 ? "\r\n" : "\n";
  }
  return text;
}

std::string describe(const rules::FindingList& list, const CsvScan& scan) {
  return std::to_string(scan.data_records()) + " records, " + std::to_string(scan.header_fields()) + " fields\n" +
         test::describe_findings(list);
}

// Feeds `text` in chunks of `size`: from the text itself, or (reuse) through one buffer that is
// overwritten with other bytes once settle() says the rules are done with it.
std::string scan(const std::string& text, std::size_t size, bool rules_thread, bool reuse,
                 ParseOn parse_on = ParseOn::balanced, std::uint64_t* early_hand_overs = nullptr) {
  rules::FindingList findings(25);
  CsvScan s(test::compiled_preset("opensafely"), findings, rules_thread, parse_on);
  std::vector<char> buffer(size);
  for (std::size_t at = 0; at < text.size(); at += size) {
    const std::size_t n = std::min(size, text.size() - at);
    if (reuse) {
      std::memcpy(buffer.data(), text.data() + at, n);
      s.settle(s.feed(std::string_view(buffer.data(), n)));
      std::fill(buffer.begin(), buffer.end(), '9');
    } else {
      s.feed(std::string_view(text.data() + at, n));
    }
  }
  s.finish();
  if (rules_thread) {
    // Each chunk parsed where it was meant to be.
    switch (parse_on) {
      case ParseOn::balanced: break;
      case ParseOn::feeding_thread: CHECK(s.chunks_handed_over() == 0); break;
      case ParseOn::rules_thread: CHECK(s.chunks_handed_over() == s.chunks()); break;
      case ParseOn::alternately: CHECK(s.chunks_handed_over() == (s.chunks() + 1) / 2); break;
    }
  }
  if (early_hand_overs) *early_hand_overs += s.early_hand_overs();
  return describe(findings, s);
}

}  // namespace

TEST_CASE("csv scan: the rules on their own thread find what one thread finds", "[csv]") {
  for (unsigned seed : {1u, 2u, 3u}) {
    const std::string text = awkward_csv(seed == 1 ? 60000 : 7000, seed);
    const std::string want = scan(text, text.size(), false, false);
    REQUIRE(want.find("small_count=") != std::string::npos);  // the table has findings to keep in order
    REQUIRE(want.find("derived_from_small_count=") != std::string::npos);
    // Batches the feeding thread parsed and handed over before its chunk's end, the rules thread
    // waiting for them: they too are checked in order.
    std::uint64_t early = 0;
    for (std::size_t size : {std::size_t{1} << 20, std::size_t{65536}, std::size_t{4093}, std::size_t{61}}) {
      if (size == 61 && seed == 1) continue;  // 40,000 chunks, each a hand-over: the smaller tables do
      for (ParseOn on : {ParseOn::balanced, ParseOn::feeding_thread, ParseOn::rules_thread, ParseOn::alternately}) {
        INFO("seed " << seed << ", chunks of " << size << ", parsed on " << static_cast<int>(on));
        CHECK(scan(text, size, true, false, on, &early) == want);
        CHECK(scan(text, size, true, true, on, &early) == want);
      }
    }
    // The 60,000-record table's chunks of 1 MiB, parsed on the feeding thread while the rules
    // thread has nothing to do, are each hundreds of batches: some go over early.
    if (seed == 1) CHECK(early > 0);
  }
}

TEST_CASE("csv scan: a scan with a rules thread may be dropped unfinished", "[csv]") {
  const std::string text = awkward_csv(5000, 4);
  rules::FindingList findings;
  {
    CsvScan s(test::compiled_preset("opensafely"), findings, true);
    s.feed(text);
  }  // no finish(): the thread still stops, having read only what it was given
  SUCCEED();
}
