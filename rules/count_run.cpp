#include "rules/count_run.h"

#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define OUTCHECK_COUNT_RUN_AVX2 1
#endif

namespace outcheck::rules {

#ifdef OUTCHECK_COUNT_RUN_AVX2

namespace {

static_assert(sizeof(Cell) == 16 && offsetof(Cell, integer) == 8 && sizeof(CellKind) == 4,
              "a run writes each reading as two words: the kind (padded with zeros), the integer");

// Each lane does for its cell what leading_digits8 and LastDigitFlags::halves do for one
// (rules/cell_value.h, rules/count_rules.h), with the same constants (digits8); the test
// tests/rules/test_count_run.cpp holds them to it. A group of eight is two halves of four lanes, both
// read before either is written. AVX2 has no unsigned 64-bit compares (every value compared here is
// below 2^33, so signed ones do), no 64-bit multiplies (the pairs of digits are weighed with 32-bit
// ones, _mm256_mul_epu32) and no mask registers (movemask instead).
//
// (An AVX-512 run, eight lanes at once, was no faster on a Zen 4: the 1 GB measure file at raised
// limits took 1.008 s against 1.021 s at best of five, the totals table 0.107 s against 0.109 s.
// The time goes in fetching the cells, not in the lanes.)
struct Avx2Half {
  __m256i x;      // the cell's bytes, left-padded with '0' (leading_digits8's x)
  __m256i small;  // 0 or 1
  __m256i flags;  // LastDigitFlags::halves
};

template <bool Paired>
__attribute__((target("avx2"), always_inline)) inline bool avx2_half(const PackedColumn& column, std::size_t r,
                                                                     LastDigitCases cases, __m256i kept_flags,
                                                                     Avx2Half& out) {
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i eight = _mm256_set1_epi64x(8);
  const __m256i ten = _mm256_set1_epi64x(10);
  const __m256i zero_char = _mm256_set1_epi64x('0');
  const __m256i threes = _mm256_set1_epi64x(static_cast<long long>(digits8::kZeros));
  const __m256i nibbles = _mm256_set1_epi64x(static_cast<long long>(digits8::kNibbles));
  const __m256i sixes = _mm256_set1_epi64x(static_cast<long long>(digits8::kSixes));
  const __m128i lanes = _mm_setr_epi32(0, 1, 2, 3);
  __m256i begin, end;
  if constexpr (Paired) {
    const __m128i index = _mm_mullo_epi32(lanes, _mm_set1_epi32(static_cast<int>(column.from_stride)));
    const __m256i offsets = _mm256_i32gather_epi64(
        reinterpret_cast<const long long*>(column.from + r * column.from_stride), index, 4);
    begin = _mm256_add_epi64(_mm256_and_si256(offsets, _mm256_set1_epi64x(static_cast<long long>(digits8::kLowHalf))),
                             _mm256_set1_epi64x(column.skip));
    end = _mm256_srli_epi64(offsets, 32);
  } else {
    const __m128i from_index = _mm_mullo_epi32(lanes, _mm_set1_epi32(static_cast<int>(column.from_stride)));
    const __m128i to_index = _mm_mullo_epi32(lanes, _mm_set1_epi32(static_cast<int>(column.to_stride)));
    begin = _mm256_add_epi64(
        _mm256_cvtepu32_epi64(
            _mm_i32gather_epi32(reinterpret_cast<const int*>(column.from + r * column.from_stride), from_index, 4)),
        _mm256_set1_epi64x(column.skip));
    end = _mm256_cvtepu32_epi64(
        _mm_i32gather_epi32(reinterpret_cast<const int*>(column.to + r * column.to_stride), to_index, 4));
  }
  const __m256i size_less_one = _mm256_sub_epi64(_mm256_sub_epi64(end, begin), one);
  // 1 to 8 bytes, and a window inside the batch whose offset the gather takes as a signed 32-bit
  // index. All lanes hold values in (-2^33, 2^33).
  const __m256i fits = _mm256_andnot_si256(
      _mm256_or_si256(_mm256_or_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), size_less_one),
                                      _mm256_cmpgt_epi64(size_less_one, _mm256_set1_epi64x(7))),
                      _mm256_or_si256(_mm256_cmpgt_epi64(_mm256_set1_epi64x(std::int64_t{column.first_byte} + 8), end),
                                      _mm256_cmpgt_epi64(end, _mm256_set1_epi64x((std::int64_t{1} << 31) - 1)))),
      _mm256_set1_epi64x(-1));
  if (_mm256_movemask_pd(_mm256_castsi256_pd(fits)) != 0xF) return false;
  // The eight bytes ending each cell, its last in the top byte; the lanes' low halves, as indices.
  const __m128i window = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(
      _mm256_sub_epi64(end, eight), _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
  const __m256i word = _mm256_i32gather_epi64(reinterpret_cast<const long long*>(column.base), window, 1);
  const __m256i size = _mm256_add_epi64(size_less_one, one);
  const __m256i pad = _mm256_slli_epi64(_mm256_sub_epi64(eight, size), 3);  // 0..56
  const __m256i below = _mm256_sub_epi64(_mm256_sllv_epi64(one, pad), one);
  const __m256i x = _mm256_or_si256(_mm256_andnot_si256(below, word), _mm256_and_si256(below, threes));
  const __m256i bad = _mm256_or_si256(_mm256_xor_si256(_mm256_and_si256(x, nibbles), threes),
                                      _mm256_xor_si256(_mm256_and_si256(_mm256_add_epi64(x, sixes), nibbles), threes));
  const __m256i first_char = _mm256_and_si256(_mm256_srlv_epi64(x, pad), _mm256_set1_epi64x(0xFF));
  const __m256i longer = _mm256_cmpgt_epi64(size, one);
  const __m256i leading_zero = _mm256_and_si256(_mm256_cmpeq_epi64(first_char, zero_char), longer);
  const __m256i plain = _mm256_andnot_si256(leading_zero, _mm256_cmpeq_epi64(bad, _mm256_setzero_si256()));
  if (_mm256_movemask_pd(_mm256_castsi256_pd(plain)) != 0xF) return false;

  const __m256i last = _mm256_sub_epi64(_mm256_srli_epi64(word, 56), zero_char);
  const __m256i which = _mm256_add_epi64(last, _mm256_and_si256(longer, ten));  // (digits > 1) * 10 + last
  const __m256i small = _mm256_and_si256(_mm256_srlv_epi64(_mm256_set1_epi64x(cases.small), which), one);
  const __m256i unrounded = _mm256_and_si256(_mm256_srlv_epi64(_mm256_set1_epi64x(cases.unrounded), which), one);
  const __m256i flags = _mm256_or_si256(small, _mm256_slli_epi64(unrounded, 32));
  if (!_mm256_testz_si256(flags, kept_flags)) return false;  // a finding to keep: the loop's
  out = {x, small, flags};
  return true;
}

// A half's small flags as four bytes, the first cell's lowest.
__attribute__((target("avx2"), always_inline)) inline std::uint64_t avx2_small_bytes(__m256i small) {
  const auto bits = static_cast<std::uint64_t>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_slli_epi64(small, 63))));
  // Bit i to byte i: the four shifted copies of the 4-bit mask do not overlap, so nothing carries.
  return (bits * 0x00204081u) & 0x01010101u;
}

// A half's values, as leading_digits8 works them out, written as four Cells from `read`.
__attribute__((target("avx2"), always_inline)) inline void avx2_write_readings(__m256i x, Cell* read) {
  __m256i v = _mm256_sub_epi64(x, _mm256_set1_epi64x(static_cast<long long>(digits8::kZeros)));
  v = _mm256_add_epi64(_mm256_add_epi64(_mm256_slli_epi64(v, 3), _mm256_slli_epi64(v, 1)), _mm256_srli_epi64(v, 8));
  // (outer * kOuterPairs + inner * kInnerPairs) >> 32, its high halves' products by 32-bit multiplies:
  // each pair is below 100, so no product reaches past 64 bits and no low half carries.
  const __m256i mask = _mm256_set1_epi64x(static_cast<long long>(digits8::kPairMask));
  const __m256i outer = _mm256_and_si256(v, mask);
  const __m256i inner = _mm256_and_si256(_mm256_srli_epi64(v, 16), mask);
  const __m256i value = _mm256_add_epi64(
      _mm256_add_epi64(_mm256_mul_epu32(outer, _mm256_set1_epi64x(static_cast<long long>(digits8::kOuterPairs >> 32))),
                       _mm256_mul_epu32(_mm256_srli_epi64(outer, 32),
                                        _mm256_set1_epi64x(static_cast<long long>(digits8::kOuterPairs & digits8::kLowHalf)))),
      _mm256_add_epi64(_mm256_mul_epu32(inner, _mm256_set1_epi64x(static_cast<long long>(digits8::kInnerPairs >> 32))),
                       _mm256_srli_epi64(inner, 32)));
  // Interleaved with the kind: [kind, v0, kind, v1] and [kind, v2, kind, v3].
  const __m256i kind = _mm256_set1_epi64x(static_cast<long long>(CellKind::integer));
  const __m256i low = _mm256_unpacklo_epi64(kind, value);   // kind v0 | kind v2
  const __m256i high = _mm256_unpackhi_epi64(kind, value);  // kind v1 | kind v3
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(read), _mm256_permute2x128_si256(low, high, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(read + 2), _mm256_permute2x128_si256(low, high, 0x31));
}

template <bool Paired>
__attribute__((target("avx2"))) std::size_t count_run_avx2(const PackedColumn& column, LastDigitCases cases,
                                                           std::uint64_t full, std::size_t r, std::size_t rows,
                                                           Cell* read, std::uint8_t* noted, CountRunTotals& totals) {
  const __m256i full_flags = _mm256_set1_epi64x(static_cast<long long>(full));
  const __m256i kept_flags = _mm256_set1_epi64x(static_cast<long long>(~full));
  __m256i past_cap = _mm256_setzero_si256();
  for (; rows - r >= 8; r += 8) {
    Avx2Half first, second;
    if (!avx2_half<Paired>(column, r, cases, kept_flags, first) ||
        !avx2_half<Paired>(column, r + 4, cases, kept_flags, second)) {
      break;
    }
    past_cap = _mm256_add_epi64(past_cap, _mm256_add_epi64(_mm256_and_si256(first.flags, full_flags),
                                                           _mm256_and_si256(second.flags, full_flags)));
    if (noted) {
      std::uint64_t marks;
      std::memcpy(&marks, noted + r, 8);
      marks |= avx2_small_bytes(first.small) | avx2_small_bytes(second.small) << 32;
      std::memcpy(noted + r, &marks, 8);
    }
    if (read) {
      avx2_write_readings(first.x, read + r);
      avx2_write_readings(second.x, read + r + 4);
    }
    totals.integer_cells += 8;
  }
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), past_cap);
  totals.past_cap += lanes[0] + lanes[1] + lanes[2] + lanes[3];
  return r;
}

__attribute__((target("avx2"))) std::size_t count_run_avx2_any(const PackedColumn& column, LastDigitCases cases,
                                                               std::uint64_t full, std::size_t r, std::size_t rows,
                                                               Cell* read, std::uint8_t* noted, CountRunTotals& totals) {
  if (column.from + 1 == column.to && column.from_stride == column.to_stride) {
    return count_run_avx2<true>(column, cases, full, r, rows, read, noted, totals);
  }
  return count_run_avx2<false>(column, cases, full, r, rows, read, noted, totals);
}

}  // namespace

CountRun count_run() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? count_run_avx2_any : nullptr;
}

#else

CountRun count_run() { return nullptr; }

#endif

}  // namespace outcheck::rules
