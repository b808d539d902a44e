#include "rules/count_run.h"

#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's AVX-512 header starts some intrinsics from a register initialised with itself, which
// -Wuninitialized reports wherever they are inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wuninitialized"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#define OUTCHECK_COUNT_RUN_AVX512 1
#endif

namespace outcheck::rules {

#ifdef OUTCHECK_COUNT_RUN_AVX512

namespace {

static_assert(sizeof(Cell) == 16 && offsetof(Cell, integer) == 8 && sizeof(CellKind) == 4,
              "a run writes each reading as two words: the kind (padded with zeros), the integer");

__attribute__((target("avx512f"), always_inline)) inline __m512i broadcast(std::uint64_t word) {
  return _mm512_set1_epi64(static_cast<long long>(word));
}

// Each lane does for its cell what leading_digits8 and LastDigitFlags::halves do for one
// (rules/cell_value.h, rules/count_rules.h), with the same constants (digits8); the test
// tests/rules/test_count_run.cpp holds them to it.
//
// `Paired`: the column's cells start past the previous column's ends, in the same array, so each
// cell's two offsets are one 8-byte word, fetched by one gather rather than two.
template <bool Paired>
__attribute__((target("avx2,avx512f,avx512dq,avx512vl"), always_inline)) inline std::size_t count_run_avx512(
    const PackedColumn& column, LastDigitCases cases, std::uint64_t full, std::size_t r, std::size_t rows, Cell* read,
    std::uint8_t* noted, CountRunTotals& totals) {
  // Locals, not the struct's fields: the stores below might otherwise change them, for all the
  // compiler knows, and they would be loaded again for every group.
  const char* const base = column.base;
  const std::uint32_t* const from = column.from;
  const std::uint32_t* const to = column.to;
  const std::size_t from_stride = column.from_stride;
  const std::size_t to_stride = column.to_stride;
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i from_index = _mm256_mullo_epi32(lanes, _mm256_set1_epi32(static_cast<int>(from_stride)));
  const __m256i to_index = _mm256_mullo_epi32(lanes, _mm256_set1_epi32(static_cast<int>(to_stride)));
  const __m512i skip = _mm512_set1_epi64(column.skip);
  // A cell's eight-byte window starts at its end - 8: at 0 or later, and at first_byte or later.
  const __m512i window_floor = _mm512_set1_epi64(std::int64_t{column.first_byte} + 8);
  const __m512i index_limit = _mm512_set1_epi64(std::int64_t{1} << 31);

  const __m512i one = _mm512_set1_epi64(1);
  const __m512i eight = _mm512_set1_epi64(8);
  const __m512i threes = broadcast(digits8::kZeros);
  const __m512i nibbles = broadcast(digits8::kNibbles);
  const __m512i sixes = broadcast(digits8::kSixes);
  const __m512i low_bytes = _mm512_set1_epi64(0xFF);
  const __m512i zero_char = _mm512_set1_epi64('0');
  const __m512i ten = _mm512_set1_epi64(10);
  const __m512i pair_mask = broadcast(digits8::kPairMask);
  const __m512i outer_pairs = broadcast(digits8::kOuterPairs);
  const __m512i inner_pairs = broadcast(digits8::kInnerPairs);
  const __m512i low_half = broadcast(digits8::kLowHalf);
  const __m512i small_cases = _mm512_set1_epi64(cases.small);
  const __m512i unrounded_cases = _mm512_set1_epi64(cases.unrounded);
  const __m512i full_flags = _mm512_set1_epi64(static_cast<long long>(full));
  const __m512i kept_flags = _mm512_set1_epi64(static_cast<long long>(~full));
  const __m512i integer_kind = _mm512_set1_epi64(static_cast<long long>(CellKind::integer));
  // Readings interleaved with the kind: cells 0-3 in the first 64 bytes, 4-7 in the next.
  const __m512i first_four = _mm512_setr_epi64(0, 8, 0, 9, 0, 10, 0, 11);
  const __m512i last_four = _mm512_setr_epi64(0, 12, 0, 13, 0, 14, 0, 15);

  __m512i past_cap = _mm512_setzero_si512();
  for (; rows - r >= 8; r += 8) {
    __m512i begin, end;
    if constexpr (Paired) {
      const __m512i offsets = _mm512_i32gather_epi64(to_index, from + r * from_stride, 4);
      begin = _mm512_add_epi64(_mm512_and_si512(offsets, low_half), skip);
      end = _mm512_srli_epi64(offsets, 32);
    } else {
      begin = _mm512_add_epi64(
          _mm512_cvtepu32_epi64(_mm256_i32gather_epi32(reinterpret_cast<const int*>(from + r * from_stride), from_index, 4)),
          skip);
      end = _mm512_cvtepu32_epi64(_mm256_i32gather_epi32(reinterpret_cast<const int*>(to + r * to_stride), to_index, 4));
    }
    const __m512i size = _mm512_sub_epi64(end, begin);
    // 1 to 8 bytes (begin past end wraps to a huge size), and a window inside the batch whose
    // offset the gather takes as a signed 32-bit index.
    const __mmask8 fits = _mm512_cmplt_epu64_mask(_mm512_sub_epi64(size, one), eight) &
                          _mm512_cmpge_epu64_mask(end, window_floor) & _mm512_cmplt_epu64_mask(end, index_limit);
    if (fits != 0xFF) break;
    // The eight bytes ending the cell, its last in the top byte: the cell is the top `size` bytes.
    const __m512i word = _mm512_i32gather_epi64(_mm512_cvtepi64_epi32(_mm512_sub_epi64(end, eight)), base, 1);
    const __m512i pad = _mm512_slli_epi64(_mm512_sub_epi64(eight, size), 3);  // 0..56
    const __m512i below = _mm512_sub_epi64(_mm512_sllv_epi64(one, pad), one);
    const __m512i x = _mm512_or_si512(_mm512_andnot_si512(below, word), _mm512_and_si512(below, threes));
    const __m512i bad = _mm512_or_si512(
        _mm512_xor_si512(_mm512_and_si512(x, nibbles), threes),
        _mm512_xor_si512(_mm512_and_si512(_mm512_add_epi64(x, sixes), nibbles), threes));
    const __m512i first_char = _mm512_and_si512(_mm512_srlv_epi64(x, pad), low_bytes);
    const __mmask8 longer = _mm512_cmpgt_epu64_mask(size, one);
    const __mmask8 leading_zero = _mm512_cmpeq_epi64_mask(first_char, zero_char) & longer;
    if ((_mm512_testn_epi64_mask(bad, bad) & static_cast<__mmask8>(~leading_zero)) != 0xFF) break;

    const __m512i last = _mm512_sub_epi64(_mm512_srli_epi64(word, 56), zero_char);
    const __m512i which = _mm512_mask_add_epi64(last, longer, last, ten);  // (digits > 1) * 10 + last
    const __m512i small = _mm512_and_si512(_mm512_srlv_epi64(small_cases, which), one);
    const __m512i flags =
        _mm512_or_si512(small, _mm512_slli_epi64(_mm512_and_si512(_mm512_srlv_epi64(unrounded_cases, which), one), 32));
    if (_mm512_test_epi64_mask(flags, kept_flags) != 0) break;  // a finding to keep: the loop's
    past_cap = _mm512_add_epi64(past_cap, _mm512_and_si512(flags, full_flags));

    if (noted) {
      std::uint64_t marks;
      std::memcpy(&marks, noted + r, 8);
      marks |= static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm512_cvtepi64_epi8(small)));
      std::memcpy(noted + r, &marks, 8);
    }
    if (read) {
      __m512i v = _mm512_sub_epi64(x, threes);
      v = _mm512_add_epi64(_mm512_mullo_epi64(v, ten), _mm512_srli_epi64(v, 8));
      v = _mm512_srli_epi64(
          _mm512_add_epi64(_mm512_mullo_epi64(_mm512_and_si512(v, pair_mask), outer_pairs),
                           _mm512_mullo_epi64(_mm512_and_si512(_mm512_srli_epi64(v, 16), pair_mask), inner_pairs)),
          32);
      v = _mm512_and_si512(v, low_half);
      _mm512_storeu_si512(read + r, _mm512_permutex2var_epi64(integer_kind, first_four, v));
      _mm512_storeu_si512(read + r + 4, _mm512_permutex2var_epi64(integer_kind, last_four, v));
    }
    totals.integer_cells += 8;
  }
  totals.past_cap += static_cast<std::uint64_t>(_mm512_reduce_add_epi64(past_cap));
  return r;
}

__attribute__((target("avx2,avx512f,avx512dq,avx512vl"))) std::size_t count_run_avx512_any(
    const PackedColumn& column, LastDigitCases cases, std::uint64_t full, std::size_t r, std::size_t rows, Cell* read,
    std::uint8_t* noted, CountRunTotals& totals) {
  if (column.from + 1 == column.to && column.from_stride == column.to_stride) {
    return count_run_avx512<true>(column, cases, full, r, rows, read, noted, totals);
  }
  return count_run_avx512<false>(column, cases, full, r, rows, read, noted, totals);
}

}  // namespace

CountRun count_run() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2")) {
    return count_run_avx512_any;
  }
  return nullptr;
}

#else

CountRun count_run() { return nullptr; }

#endif

}  // namespace outcheck::rules
