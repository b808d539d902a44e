// scan_file, the one read of a file that check and redact share: on real files of every size
// class (empty, read whole, a ring of slices with a rules thread), the table rules and a records
// visitor see the same table, the hash is the file's, and a read that fails is an error, not a
// short file.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "checker/file_scan.h"
#include "checker/huge_page_memory.h"
#include "checker/huge_page_resource.h"
#include "checker/sha256.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"
#include "tests/support/workspace_fixture.h"

using namespace outcheck;
using namespace outcheck::checker;

namespace {

// A semicolon-separated table with small counts, `records` rows of ~30 bytes.
std::string semicolon_table(std::size_t records) {
  std::string text = "practice;num;list_size\n";
  for (std::size_t r = 0; r < records; ++r) {
    text += std::to_string(r % 9000) + ";" + (r % 97 == 0 ? "3" : std::to_string(100 + (r % 7) * 10)) + ";" +
            std::to_string(1000 + (r % 13) * 10) + "\n";
  }
  return text;
}

struct Rows : CsvVisitor {
  std::vector<std::string> header;
  std::int64_t records = 0, issues = 0;
  std::string last;
  void on_header(std::span<const std::string_view> fields) override { header.assign(fields.begin(), fields.end()); }
  void on_record(std::int64_t, std::int64_t, std::span<const std::string_view> fields) override {
    ++records;
    last = std::string(fields.front());
  }
  void on_issue(const CsvIssue&) override { ++issues; }
};

struct Scanned {
  ScannedFile file;
  std::string findings;
};

Scanned with_rules(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  rules::FindingList findings(25);
  ScanSinks sinks;
  sinks.rules = test::compiled_preset("opensafely");
  sinks.findings = &findings;
  auto scanned = scan_file(fd, sinks);
  ::close(fd);
  REQUIRE(scanned.ok());
  return {*scanned, test::describe_findings(findings)};
}

ScannedFile with_visitor(const std::filesystem::path& path, Rows& rows) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  ScanSinks sinks;
  sinks.records = &rows;
  auto scanned = scan_file(fd, sinks);
  ::close(fd);
  REQUIRE(scanned.ok());
  return *scanned;
}

}  // namespace

TEST_CASE("file scan: the rules and a visitor read the same table, whole or in slices", "[csv][file_scan]") {
  test::TempDir dir;
  // 40 rows fit one read; 200,000 rows (about 3.6 MB) are read in 1 MiB slices with a rules thread.
  for (std::size_t records : {std::size_t{40}, std::size_t{200'000}}) {
    INFO(records << " records");
    const std::string text = semicolon_table(records);
    const auto path = dir.write("t" + std::to_string(records) + ".csv", text);
    const Scanned checked = with_rules(path);
    Rows rows;
    const ScannedFile visited = with_visitor(path, rows);

    CHECK(checked.file.size == static_cast<std::int64_t>(text.size()));
    CHECK(checked.file.sha256 == sha256_hex(text));
    CHECK(visited.sha256 == checked.file.sha256);
    CHECK(checked.file.saw_header);
    CHECK(visited.saw_header);
    CHECK(checked.file.data_records == static_cast<std::int64_t>(records));
    CHECK(visited.data_records == checked.file.data_records);
    CHECK(rows.records == checked.file.data_records);
    CHECK(rows.issues == 0);
    CHECK(rows.header == std::vector<std::string>{"practice", "num", "list_size"});
    CHECK(rows.last == std::to_string((records - 1) % 9000));
    CHECK(checked.file.dialect.delimiter == ';');
    CHECK(visited.dialect.delimiter == ';');
    CHECK(checked.file.header_fields == 3);
    REQUIRE(checked.file.column_roles.size() == 3);
    CHECK(checked.file.column_roles[1].role == rules::Role::count);
    CHECK(visited.column_roles.empty());  // no rules ran
    // The rules' findings: the delimiter, and the small counts in row order (kept 25, all counted).
    CHECK(checked.findings.find("\ndelimiter=1\n") != std::string::npos);
    const std::int64_t small = static_cast<std::int64_t>((records + 96) / 97);
    CHECK(checked.findings.find("\nsmall_count=" + std::to_string(small) + "\n") != std::string::npos);
  }
}

TEST_CASE("file scan: an empty file, and a file only hashed", "[csv][file_scan]") {
  test::TempDir dir;
  const auto empty = dir.write("empty.csv", "");
  const Scanned checked = with_rules(empty);
  CHECK(checked.file.size == 0);
  CHECK(checked.file.sha256 == sha256_hex(""));
  CHECK_FALSE(checked.file.saw_header);
  CHECK(checked.findings.find("malformed_csv=1\n") != std::string::npos);

  const auto plain = dir.write("notes.txt", std::string(3 << 20, 'x'));
  const int fd = ::open(plain.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto hashed = scan_file(fd, ScanSinks{});
  ::close(fd);
  REQUIRE(hashed.ok());
  CHECK(hashed->size == 3 << 20);
  CHECK(hashed->sha256 == sha256_hex(std::string(3 << 20, 'x')));
  CHECK_FALSE(hashed->saw_header);
}

TEST_CASE("file scan: a read that fails is an error, whatever the sinks", "[csv][file_scan]") {
  test::TempDir dir;
  // read(2) on a folder fails with EISDIR: a real failed read, not a short file.
  const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  rules::FindingList findings;
  ScanSinks sinks;
  sinks.rules = test::compiled_preset("opensafely");
  sinks.findings = &findings;
  auto scanned = scan_file(fd, sinks);
  Rows rows;
  ScanSinks to_rows;
  to_rows.records = &rows;
  auto visited = scan_file(fd, to_rows);
  ::close(fd);
  REQUIRE_FALSE(scanned.ok());
  CHECK(scanned.error().kind == ErrorKind::io);
  CHECK(scanned.error().message == "read failed: Is a directory");
  REQUIRE_FALSE(visited.ok());
  CHECK(visited.error().message == "read failed: Is a directory");
}

TEST_CASE("file scan: organisation codes deep in a large table are found, whatever their column holds besides",
          "[csv][file_scan]") {
  test::TempDir dir;
  // 100,000 records, read in 1 MiB slices and checked in batches of 2,048 fields. The practice
  // column holds numbers and the region column short names, so what the column loop saw of them
  // (RecordBatch::column_shape) rules out all but one batch of each: the one holding a code, in
  // the practice column written after a space.
  std::string text = "practice,region,num\n";
  for (std::size_t r = 1; r <= 100'000; ++r) {
    const std::string practice = r == 70'000 ? " E82012" : std::to_string(r % 9000);
    const std::string region = r == 90'000 ? "E54000005" : (r % 2 ? "North" : "south");
    text += practice + "," + region + "," + std::to_string(100 + r % 7 * 10) + "\n";
  }
  const Scanned checked = with_rules(dir.write("codes.csv", text));
  INFO(checked.findings);
  CHECK(checked.findings.find("organisation_identifier|fail|-|practice|E82012|") != std::string::npos);
  CHECK(checked.findings.find("organisation_identifier|fail|-|region|E54000005|") != std::string::npos);
  CHECK(checked.findings.find("\norganisation_identifier=2\n") != std::string::npos);
}

TEST_CASE("file scan: huge-page memory is zeroed, aligned, and all of it usable", "[csv][file_scan]") {
  for (const std::size_t asked : {std::size_t{1}, std::size_t{4} << 20, (std::size_t{4} << 20) + 1}) {
    HugePageMemory memory(asked);
    REQUIRE(memory.size() >= asked);
    CHECK(memory.size() % (std::size_t{2} << 20) == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(memory.data()) % (std::size_t{2} << 20) == 0);
    // Zeroed at the start, the end and between; then written end to end and read back.
    CHECK(memory.data()[0] == 0);
    CHECK(memory.data()[memory.size() / 2] == 0);
    CHECK(memory.data()[memory.size() - 1] == 0);
    for (std::size_t i = 0; i < memory.size(); i += 4096) memory.data()[i] = static_cast<char>(i / 4096 % 127 + 1);
    memory.data()[memory.size() - 1] = 'z';
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < memory.size(); i += 4096) wrong += memory.data()[i] != static_cast<char>(i / 4096 % 127 + 1);
    CHECK(wrong == 0);
    CHECK(memory.data()[memory.size() - 1] == 'z');
  }
}

TEST_CASE("file scan: the huge-page resource gives aligned memory that does not overlap, to two threads", "[csv][file_scan]") {
  HugePageResource resource;
  // From two threads at once: small blocks of odd sizes and alignments, then one larger than half
  // a chunk (from the heap), each written with its own byte and checked after all are made.
  struct Block {
    char* p;
    std::size_t size;
    std::size_t alignment;
    char fill;
  };
  std::vector<Block> made[2];
  auto make = [&](int t) {
    for (int i = 0; i < 3000; ++i) {
      const std::size_t size = 1 + static_cast<std::size_t>(i * 37 % 9000);
      const std::size_t alignment = std::size_t{1} << (i % 7);
      auto* p = static_cast<char*>(resource.allocate(size, alignment));
      const char fill = static_cast<char>('a' + t * 13 + i % 13);
      std::memset(p, fill, size);
      made[t].push_back({p, size, alignment, fill});
    }
    const std::size_t big = (std::size_t{3} << 20) + 5;
    auto* p = static_cast<char*>(resource.allocate(big, 64));
    std::memset(p, 'Z' - t, big);
    made[t].push_back({p, big, 64, static_cast<char>('Z' - t)});
  };
  std::thread other(make, 1);
  make(0);
  other.join();
  std::size_t misaligned = 0, overwritten = 0;
  for (const auto& blocks : made) {
    for (const Block& b : blocks) {
      misaligned += reinterpret_cast<std::uintptr_t>(b.p) % b.alignment != 0;
      for (std::size_t i = 0; i < b.size; ++i) overwritten += b.p[i] != b.fill;
    }
  }
  CHECK(misaligned == 0);
  CHECK(overwritten == 0);  // no block shares a byte with another
  for (const auto& blocks : made) {
    for (const Block& b : blocks) resource.deallocate(b.p, b.size, b.alignment);
  }
}
