#pragma once
// Classifies 64 bytes of CSV at once for the reader's zero-copy path: a mask of the delimiters
// (commas, or the file's own delimiter), a mask of the bytes that stop a plain field's run (`\r`
// `\n` `"` NUL), and whether any byte is >= 0x80 (UTF-8 to be validated). Bit i stands for byte i.
// SSE2 where the compiler targets it (every x86-64), else eight bytes per word (SWAR); both are
// compiled where possible so the tests can compare them. The delimiter is broadcast once, when a
// Delimiter is made, so a window costs the same whichever it is.
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace outcheck::checker::csv_bytes {

struct Bits {
  std::uint64_t delimiter = 0;
  std::uint64_t stop = 0;  // \r \n " NUL: a line end, or a byte the state machine must read
  bool high = false;
};

namespace detail {

constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;

// 0x80 in each byte of `x` that is zero and nothing elsewhere (no borrow between bytes, unlike
// the shorter `(x - 0x01..) & ~x` test, whose false positives would misplace field ends).
constexpr std::uint64_t zero_bytes(std::uint64_t x) { return ~(((x & kLow7) + kLow7) | x | kLow7); }

constexpr std::uint64_t broadcast(unsigned char c) { return 0x0101010101010101ULL * c; }

// Gathers the 0x80 bit of each byte into bit i for byte i (the product has no carries).
constexpr unsigned gather(std::uint64_t t) { return static_cast<unsigned>(((t >> 7) * 0x0102040810204080ULL) >> 56); }

}  // namespace detail

// The delimiter byte, and the same byte in every lane of a word and of a vector. One is made per
// run of windows (a local, kept in registers), never per window.
struct Delimiter {
  explicit Delimiter(char c = ',')
      : byte(c),
        word(detail::broadcast(static_cast<unsigned char>(c)))
#if defined(__SSE2__)
        ,
        vector(_mm_set1_epi8(c))
#endif
  {
  }
  char byte;
  std::uint64_t word;
#if defined(__SSE2__)
  __m128i vector;
#endif
};

// Any target, any byte order; one byte at a time. Also the tail of a chunk shorter than 64 bytes.
inline Bits classify_bytes(const char* p, std::size_t n, const Delimiter& d) {
  Bits b;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (p[i] == d.byte) b.delimiter |= bit;
    if (c == '\r' || c == '\n' || c == '"' || c == 0) b.stop |= bit;
    if (c >= 0x80) b.high = true;
  }
  return b;
}

// 64 readable bytes, a word at a time. Little-endian only: byte i must be the word's low byte i.
inline Bits classify64_swar(const char* p, const Delimiter& d) {
  using namespace detail;
  Bits b;
  std::uint64_t high = 0;
  for (int k = 0; k < 8; ++k) {
    std::uint64_t x;
    std::memcpy(&x, p + 8 * k, 8);
    const int at = 8 * k;
    b.delimiter |= std::uint64_t{gather(zero_bytes(x ^ d.word))} << at;
    b.stop |= std::uint64_t{gather(zero_bytes(x ^ broadcast('\r')) | zero_bytes(x ^ broadcast('\n')) |
                                   zero_bytes(x ^ broadcast('"')) | zero_bytes(x))}
              << at;
    high |= x;
  }
  b.high = (high & ~kLow7) != 0;
  return b;
}

#if defined(__SSE2__)
inline Bits classify64_sse2(const char* p, const Delimiter& d) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
  Bits b;
  __m128i any = zero;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)),
                                      _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, zero)));
    const int at = 16 * k;
    b.delimiter |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, d.vector)))} << at;
    b.stop |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(stop))} << at;
    any = _mm_or_si128(any, v);
  }
  b.high = _mm_movemask_epi8(any) != 0;
  return b;
}
#endif

// The bytes [p, p + min(n, 64)): vectors for a whole window, bytes for a chunk's tail.
inline Bits classify(const char* p, std::size_t n, const Delimiter& d) {
  if (n < 64) return classify_bytes(p, n, d);
#if defined(__SSE2__)
  return classify64_sse2(p, d);
#else
  if constexpr (std::endian::native == std::endian::little) return classify64_swar(p, d);
  return classify_bytes(p, 64, d);
#endif
}

}  // namespace outcheck::checker::csv_bytes
