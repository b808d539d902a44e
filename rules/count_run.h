#pragma once
// A count column's plainest cells, eight at a time, for TableCheck's column loop.
//
// Most cells of a count column are 1 to 8 digits without a leading zero, and under both presets such
// a count is judged by its length and last digit (LastDigitFlags). The column loop does that one cell
// at a time, some 90 instructions each; where the CPU has AVX2, a count run does eight cells in about
// twice as many. It takes only groups of eight whose every cell is plain and none of which is a
// finding still to be kept, and stops at the first group that is not: the loop reads that group cell
// by cell, so findings, their order and their messages are the loop's own.
#include <cstddef>
#include <cstdint>

#include "rules/cell_value.h"
#include "rules/packed_records.h"

namespace outcheck::rules {

// LastDigitFlags' twenty cases, as bit masks indexed by (digits > 1) * 10 + last digit.
struct LastDigitCases {
  std::uint32_t small = 0;
  std::uint32_t unrounded = 0;
};

// What a run adds to the loop's tallies.
struct CountRunTotals {
  std::uint64_t past_cap = 0;     // flags & full, summed: in halves, as the loop keeps it
  std::int64_t integer_cells = 0;  // cells read as integers
};

// Reads cells [r, rows) of `column` eight at a time, while every cell of the eight is 1 to 8 digits
// without a leading zero and none has a flag outside `full` (a finding its rule still keeps). For
// each cell read: read[r] = its integer (if read), noted[r] |= its small flag (if noted), and its
// flags & full and its count go into `totals`. Returns the first row it did not read: a group it
// left to the loop, or the last rows, fewer than eight.
using CountRun = std::size_t (*)(const PackedColumn& column, LastDigitCases cases, std::uint64_t full,
                                 std::size_t r, std::size_t rows, Cell* read, std::uint8_t* noted,
                                 CountRunTotals& totals);

// The count run, where the CPU has AVX2 (and the OS saves its registers); else nullptr, and the loop
// reads every cell itself.
CountRun count_run();

}  // namespace outcheck::rules
