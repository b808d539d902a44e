// libFuzzer harness for the streaming CSV reader (checker/csv_parser.h). The input is parsed three
// ways: in one chunk, one byte at a time, and in chunks whose sizes come from a hash of the input.
// A visitor copies every field it is handed (so ASan sees each view read while valid), and the
// three event streams must be identical: how the bytes arrive must never change what is read.
// They must also equal what the byte-at-a-time reader the zero-copy one replaced reads
// (tests/checker/csv_reference.h), so a fast path can never change a result; and so must the same
// text written with tabs, or with semicolons after a `sep=;` line, read in that dialect (in random
// chunks) and read back as commas (reference::with_dialect, reference::AsCommas). sniff_dialect is
// run on every input too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "checker/csv_parser.h"
#include "tests/checker/csv_reference.h"

using namespace outcheck::checker;

namespace {

template <class Parser = CsvParser>
std::string parse(std::string_view data, std::uint64_t seed, int mode) {
  reference::Transcript t;
  Parser p(t);
  if (mode == 0) {
    p.feed(data);
  } else if (mode == 1) {
    for (char c : data) p.feed(std::string_view(&c, 1));
  } else {
    std::size_t pos = 0;
    while (pos < data.size()) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      std::size_t n = static_cast<std::size_t>(seed >> 59);  // 0..31: empty chunks too
      n = std::min(n, data.size() - pos);
      p.feed(data.substr(pos, n));
      pos += n;
    }
  }
  p.finish();
  t.add_totals(p);
  return t.log;
}

// `data` in `dialect`, fed in chunks whose sizes come from `seed`, its events as with commas.
std::string parse_dialect(std::string_view data, std::uint64_t seed, CsvDialect dialect) {
  reference::Transcript t;
  reference::AsCommas as_commas(t, dialect);
  CsvParser p(as_commas, dialect);
  std::size_t pos = 0;
  while (pos < data.size()) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::size_t n = std::min(static_cast<std::size_t>(seed >> 59), data.size() - pos);
    p.feed(data.substr(pos, n));
    pos += n;
  }
  p.finish();
  t.add_totals(p);
  return t.log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::uint64_t seed = 1469598103934665603ULL;  // FNV-1a of the input
  for (unsigned char c : in) seed = (seed ^ c) * 1099511628211ULL;

  const std::string whole = parse(in, seed, 0);
  const std::string bytewise = parse(in, seed, 1);
  const std::string chunked = parse(in, seed, 2);
  const std::string oracle = parse<reference::ReferenceCsvParser>(in, seed, 0);
  if (whole != oracle) {
    std::fprintf(stderr, "fuzz_csv: the reader disagrees with the reference\n--- reader:\n%s\n--- reference:\n%s\n",
                 whole.c_str(), oracle.c_str());
    std::abort();
  }
  for (CsvDialect dialect : {CsvDialect{'\t', false}, CsvDialect{';', true}}) {
    const std::string written = reference::with_dialect(std::string(in), dialect, seed % 2 ? "\r\n" : "\n");
    const std::string read = parse_dialect(written, seed, dialect);
    if (read != oracle) {
      std::fprintf(stderr, "fuzz_csv: delimiter %d%s reads otherwise\n--- reader:\n%s\n--- reference:\n%s\n",
                   dialect.delimiter, dialect.sep_line ? " after sep=" : "", read.c_str(), oracle.c_str());
      std::abort();
    }
  }
  if (!usable_delimiter(sniff_dialect(in).delimiter)) {
    std::fprintf(stderr, "fuzz_csv: sniff_dialect chose a delimiter the reader cannot use\n");
    std::abort();
  }
  if (whole != bytewise || whole != chunked) {
    std::fprintf(stderr, "fuzz_csv: the chunking changed the result\n--- one chunk:\n%s\n--- %s:\n%s\n",
                 whole.c_str(), whole != bytewise ? "byte at a time" : "random chunks",
                 (whole != bytewise ? bytewise : chunked).c_str());
    std::abort();
  }
  return 0;
}
