// The count run (rules/count_run.h) against the column loop's own reading of a cell
// (leading_digits8 and LastDigitFlags): on batches of every width, cells of every length and of the
// bytes on either side of the digits, with rules full or not, it reads exactly the groups the loop
// would read the same way, gives each cell the loop's reading and flags, and stops where the loop
// must take over. And it reads no byte before its batch.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "rules/cell_value.h"
#include "rules/count_rules.h"
#include "rules/count_run.h"
#include "rules/packed_records.h"
#include "tests/support/packed_rows.h"

using namespace outcheck::rules;
using outcheck::test::PackedRows;

namespace {

// What the loop makes of one cell, when it is plain (1 to 8 digits, no leading zero).
struct Plain {
  bool plain = false;
  std::uint64_t value = 0;
  std::uint64_t flags = 0;
};
Plain loop_reading(std::string_view text, const LastDigitFlags& last_digit) {
  const std::size_t size = text.size();
  if (size - 1 >= 8) return {};
  const LeadingDigits digits = leading_digits8(text.data(), size);
  if (digits.count != size || (size > 1 && text[0] == '0')) return {};
  return {true, digits.value, last_digit.halves(size, static_cast<unsigned>(text[size - 1] - '0'))};
}

// What the run must do from row r: the groups of eight it reads, the row it stops at, and what it
// adds. `lowest`: the first byte a cell's window may start at (the batch's first byte).
struct Expected {
  std::size_t stop = 0;
  CountRunTotals totals;
  std::vector<std::int64_t> values;  // per row read
  std::vector<std::uint8_t> small;   // per row read
};
Expected expected_run(const PackedRows& batch, std::size_t c, std::size_t r, std::uint64_t full,
                      const LastDigitFlags& last_digit) {
  Expected e;
  e.values.assign(batch.size(), -1);
  e.small.assign(batch.size(), 0);
  for (; batch.size() - r >= 8; r += 8) {
    bool takes = true;
    for (std::size_t i = r; i < r + 8 && takes; ++i) {
      const Plain p = loop_reading(batch.field(i, c), last_digit);
      const std::uint32_t end = batch.ends[i * batch.width + c];
      takes = p.plain && (p.flags & ~full) == 0 && end >= batch.starts[0] + 8;
    }
    if (!takes) break;
    for (std::size_t i = r; i < r + 8; ++i) {
      const Plain p = loop_reading(batch.field(i, c), last_digit);
      e.values[i] = static_cast<std::int64_t>(p.value);
      e.small[i] = static_cast<std::uint8_t>(p.flags & 1u);
      e.totals.past_cap += p.flags & full;
      ++e.totals.integer_cells;
    }
  }
  e.stop = r;
  return e;
}

void check_run(CountRun run, const PackedRows& batch, const char* base, std::size_t c, std::size_t r, std::uint64_t full,
               const LastDigitFlags& last_digit, bool with_read, bool with_noted) {
  const Expected e = expected_run(batch, c, r, full, last_digit);
  const Cell untouched{CellKind::marker, -7};
  std::vector<Cell> read(batch.size(), untouched);
  std::vector<std::uint8_t> noted(batch.size() + 8, 0x80);  // a bit the run must keep
  CountRunTotals totals;
  totals.past_cap = 5;  // the run adds to what it is given
  totals.integer_cells = 3;
  const LastDigitCases cases{last_digit.small_cases(), last_digit.unrounded_cases()};
  const std::size_t stop = run(batch.records_at(base).column(c), cases, full, r, batch.size(), with_read ? read.data() : nullptr,
                               with_noted ? noted.data() : nullptr, totals);
  INFO("column " << c << ", from row " << r << ", full " << full);
  REQUIRE(stop == e.stop);
  CHECK(totals.past_cap == e.totals.past_cap + 5);
  CHECK(totals.integer_cells == e.totals.integer_cells + 3);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const bool was_read = i >= r && i < stop;
    INFO("row " << i << ": \"" << batch.field(i, c) << "\"");
    if (with_read && was_read) {
      CHECK(read[i].kind == CellKind::integer);
      CHECK(read[i].integer == e.values[i]);
    } else {
      CHECK(read[i].kind == untouched.kind);
      CHECK(read[i].integer == untouched.integer);
    }
    CHECK(noted[i] == (with_noted && was_read ? (0x80 | e.small[i]) : 0x80));
  }
  for (std::size_t i = batch.size(); i < noted.size(); ++i) CHECK(noted[i] == 0x80);
}

std::string random_cell(std::mt19937_64& rng) {
  static const std::vector<std::string> odd = {"",         "0",         "00",        "07",   "5",    "7",  "8",
                                               "12345678", "123456789", "99999999",  "10000000", "0123", " 12",
                                               "12 ",      "1a",        "1/",        "1:",   "/",    ":",  "-5",
                                               "1.5",      "[REDACTED]", "\xc3\xa9", "9\xb9", "NA"};
  std::uniform_int_distribution<int> kind(0, 9);
  if (kind(rng) < 2) return odd[std::uniform_int_distribution<std::size_t>(0, odd.size() - 1)(rng)];
  const int digits = std::uniform_int_distribution<int>(1, 8)(rng);
  std::string s;
  for (int i = 0; i < digits; ++i) s += static_cast<char>('0' + std::uniform_int_distribution<int>(i == 0, 9)(rng));
  return s;
}

}  // namespace

TEST_CASE("count run: reads the groups the column loop would, as it would", "[rules][count_run]") {
  const CountRun run = count_run();
  if (!run) {
    WARN("this CPU has no AVX2: the column loop reads every cell, and there is no run to test");
    return;
  }
  std::mt19937_64 rng(20261206);
  // Both presets' limits, and a threshold of 0 (no small counts) and a base of 10.
  for (const CountLimits limits : {CountLimits{7, false, 5}, CountLimits{9, true, 10}, CountLimits{0, false, 5}}) {
    const LastDigitFlags last_digit(limits);
    for (std::size_t width : {1, 2, 3, 5, 7}) {
      for (int trial = 0; trial < 40; ++trial) {
        // Mostly plain cells, so that runs are long; some batches all plain.
        const bool all_plain = trial % 4 == 0;
        std::vector<std::vector<std::string>> rows(std::uniform_int_distribution<std::size_t>(0, 90)(rng));
        for (auto& row : rows) {
          for (std::size_t c = 0; c < width; ++c) {
            std::string cell = random_cell(rng);
            if (all_plain && !loop_reading(cell, last_digit).plain) cell = "1234";
            row.push_back(cell);
          }
        }
        const PackedRows batch(rows, trial % 3 == 0 ? std::string("x,12,7\n") : std::string());
        for (std::size_t c = 0; c < width; ++c) {
          for (std::uint64_t full : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1} << 32,
                                     std::uint64_t{1} | std::uint64_t{1} << 32}) {
            for (std::size_t r : {std::size_t{0}, std::size_t{3}}) {
              if (r > batch.size()) continue;
              check_run(run, batch, batch.bytes.data(), c, r, full, last_digit, trial % 2 == 0, trial % 5 != 0);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("count run: each length and last digit, every place in a group", "[rules][count_run]") {
  const CountRun run = count_run();
  if (!run) {
    WARN("this CPU has no AVX2: the column loop reads every cell, and there is no run to test");
    return;
  }
  const LastDigitFlags last_digit(CountLimits{7, false, 5});
  const std::uint64_t both_full = std::uint64_t{1} | std::uint64_t{1} << 32;
  // A plain column but for one cell, put at each row of a group in turn: the run reads the groups
  // before it, and leaves its group to the loop.
  for (const std::string odd : {"", "0", "01", "123456789", "1x", "x1", "1 ", " 1", "-1", "/", ":", "9\xff"}) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::vector<std::vector<std::string>> rows;
      for (std::size_t i = 0; i < 24; ++i) rows.push_back({"g" + std::to_string(i), i == at ? odd : "12345"});
      const PackedRows batch(rows);
      check_run(run, batch, batch.bytes.data(), 1, 0, both_full, last_digit, true, true);
      if (!loop_reading(odd, last_digit).plain) {
        CountRunTotals totals;
        CHECK(run(batch.records().column(1), {last_digit.small_cases(), last_digit.unrounded_cases()},
                  both_full, 0, 24, nullptr, nullptr, totals) == at / 8 * 8);
      }
    }
  }
  // Every length from 1 to 8 with every last digit, and every value's digits in every place.
  for (std::size_t length = 1; length <= 8; ++length) {
    for (char last = '0'; last <= '9'; ++last) {
      std::vector<std::vector<std::string>> rows;
      for (std::size_t i = 0; i < 16; ++i) {
        std::string cell(length, '0' + static_cast<char>((i + length) % 9 + 1));
        cell.back() = last;
        if (length > 2) cell[1] = static_cast<char>('0' + i % 10);
        rows.push_back({cell});
      }
      const PackedRows batch(rows);
      check_run(run, batch, batch.bytes.data(), 0, 0, both_full, last_digit, true, true);
      check_run(run, batch, batch.bytes.data(), 0, 0, 0, last_digit, true, true);
    }
  }
}

TEST_CASE("count run: reads no byte before its batch", "[rules][count_run]") {
  const CountRun run = count_run();
  if (!run) {
    WARN("this CPU has no AVX2: the column loop reads every cell, and there is no run to test");
    return;
  }
  // The batch's first byte is a page's first, and the page before it cannot be read: a window that
  // started before the batch would end the process.
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* mapping = mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mapping != MAP_FAILED);
  REQUIRE(mprotect(mapping, page, PROT_NONE) == 0);
  char* base = static_cast<char*>(mapping) + page;
  const LastDigitFlags last_digit(CountLimits{7, false, 5});
  const std::uint64_t both_full = std::uint64_t{1} | std::uint64_t{1} << 32;
  for (std::size_t skipped : {0, 1, 2, 4}) {
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < 40; ++i) rows.push_back({std::to_string(i % 9 + 1), "20", "315"});
    // Starts (and windows) measured from the mapping's page, the batch a few lines in.
    const PackedRows lines(rows);
    PackedRows batch = lines;
    batch.starts.erase(batch.starts.begin(), batch.starts.begin() + static_cast<std::ptrdiff_t>(skipped));
    batch.ends.erase(batch.ends.begin(), batch.ends.begin() + static_cast<std::ptrdiff_t>(skipped * 3));
    const std::size_t offset = skipped ? lines.starts[skipped] : 0;
    std::memcpy(base, lines.bytes.data() + offset, lines.bytes.size() - offset);
    for (auto& s : batch.starts) s -= static_cast<std::uint32_t>(offset);
    for (auto& e : batch.ends) e -= static_cast<std::uint32_t>(offset);
    batch.bytes = lines.bytes.substr(offset);
    for (std::size_t c = 0; c < 3; ++c) check_run(run, batch, base, c, 0, both_full, last_digit, true, true);
  }
  munmap(mapping, 3 * page);
}
