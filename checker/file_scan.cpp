#include "checker/file_scan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "checker/csv_scan.h"
#include "checker/huge_page_memory.h"
#include "checker/sha256.h"

namespace outcheck::checker {

namespace {

// A slice of a large file, and the largest file read whole in one buffer.
constexpr std::size_t kSlice = std::size_t{1} << 20;
// Buffers of a large file's ring, when its rules have a thread: one being read, three the rules
// may still hold.
constexpr std::size_t kSlices = 4;

// The records to a visitor, the dialect sniffed from the first bytes as CsvScan sniffs it.
class VisitorFeed {
 public:
  explicit VisitorFeed(CsvVisitor& visitor) : parser_(visitor) {}
  void feed(std::string_view bytes) {
    if (!sniffed_ && !bytes.empty()) {
      parser_.set_dialect(sniff_dialect(bytes));
      sniffed_ = true;
    }
    parser_.feed(bytes);
  }
  const CsvParser& finish() {
    parser_.finish();
    return parser_;
  }

 private:
  CsvParser parser_;
  bool sniffed_ = false;
};

}  // namespace

Result<ScannedFile> scan_file(int fd, const ScanSinks& sinks) {
  struct stat st;
  const bool large = ::fstat(fd, &st) == 0 && st.st_size > static_cast<off_t>(kSlice);
  const bool rules_thread = sinks.rules && large;
  const std::size_t slots = rules_thread ? kSlices : 1;
  // A small file is read whole, and its end seen, in one read.
  const std::size_t buffer_size = st.st_size <= 0 || large ? kSlice : static_cast<std::size_t>(st.st_size) + 1;
  // A large file's ring in huge pages (checker/huge_page_memory.h); a small file's one buffer is
  // read once, and needs no more than the heap gives.
  std::optional<HugePageMemory> ring;
  std::unique_ptr<char[]> small;
  std::vector<char*> buffers;
  if (large) {
    ring.emplace(slots * buffer_size);
    for (std::size_t i = 0; i < slots; ++i) buffers.push_back(ring->data() + i * buffer_size);
  } else {
    small = std::make_unique_for_overwrite<char[]>(buffer_size);
    buffers.push_back(small.get());
  }
  // After the buffers: on every way out, the scan (and its rules thread) ends before they go.
  std::optional<CsvScan> scan;
  if (sinks.rules) scan.emplace(sinks.rules, *sinks.findings, rules_thread);
  std::optional<VisitorFeed> visitor;
  if (sinks.records) visitor.emplace(*sinks.records);

  std::vector<std::uint64_t> marks(slots, 0);  // a slot is read into again once the rules pass its mark
  Sha256 hash;
  ScannedFile out;
  for (std::size_t k = 0;; ++k) {
    const std::size_t slot = k % slots;
    if (scan) scan->settle(marks[slot]);
    ssize_t n;
    do {
      n = ::read(fd, buffers[slot], buffer_size);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return io_error(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    const std::string_view bytes(buffers[slot], static_cast<std::size_t>(n));
    if (sinks.hash) hash.update(bytes);
    if (scan) marks[slot] = scan->feed(bytes);
    if (visitor) visitor->feed(bytes);
    out.size += n;
  }
  if (sinks.hash) out.sha256 = hash.hex_digest();
  if (scan) {
    scan->finish();
    out.saw_header = scan->saw_header();
    out.data_records = scan->data_records();
    out.header_fields = scan->header_fields();
    out.dialect = scan->dialect();
    out.roles_read_on_rows = scan->table().roles_read_on_rows();
    out.column_roles = scan->table().take_column_roles();
  }
  if (visitor) {
    const CsvParser& parser = visitor->finish();
    out.saw_header = parser.saw_header();
    out.data_records = parser.data_records();
    out.header_fields = parser.header_fields();
    out.dialect = parser.dialect();
  }
  return out;
}

}  // namespace outcheck::checker
