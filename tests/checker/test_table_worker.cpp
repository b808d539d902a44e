// TableWorker's thread failing: an exception thrown there (by the parser or the rules) reaches the
// caller at its next call into the worker, and nothing waits forever or ends the process.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "checker/csv_parser.h"
#include "checker/table_worker.h"
#include "rules/compiled_policy.h"
#include "rules/policy.h"
#include "rules/table_check.h"

using namespace outcheck;
using namespace outcheck::checker;

namespace {

// The reader's records to the worker, as CsvScan sends them.
struct ToWorker : CsvVisitor {
  rules::TableCheck& table;
  TableWorker* worker = nullptr;
  explicit ToWorker(rules::TableCheck& t) : table(t) {}
  void on_header(std::span<const std::string_view> fields) override { table.header(fields); }
  void on_record(std::int64_t index, std::int64_t, std::span<const std::string_view> fields) override {
    worker->record(index, fields);
  }
  void on_records(const CsvRecords& records) override { worker->records(records); }
  void on_issue(const CsvIssue&) override {}
};

}  // namespace

TEST_CASE("table worker: an exception on its thread is thrown to the caller", "[csv]") {
  auto p = rules::preset_policy("opensafely");
  REQUIRE(p);
  auto policy = rules::CompiledPolicy::compile(*p);
  REQUIRE(policy.ok());
  std::string text = "practice,num\n";
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + "," + std::to_string(i % 50) + "\n";

  rules::TableCheck table(*policy, 100);
  ToWorker visitor(table);
  CsvParser parser(visitor);
  int parses = 0;  // on the worker's thread only
  {
    TableWorker worker(table, [&](std::string_view bytes) {
      if (++parses == 3) throw std::runtime_error("the third chunk failed");
      parser.feed(bytes);
    });
    visitor.worker = &worker;
    // Every chunk handed over, as a scan does while the rules keep up. The failure surfaces at a
    // later call, whichever: this thread does not wait for it.
    auto feed_all = [&] {
      for (std::size_t at = 0; at < text.size(); at += 1000) {
        worker.parse(std::string_view(text).substr(at, 1000));
        worker.wait(worker.mark());
      }
    };
    CHECK_THROWS_WITH(feed_all(), "the third chunk failed");
    // It stays failed, and finishing says so again.
    CHECK_THROWS_WITH(worker.wait_parsed(), "the third chunk failed");
    CHECK_THROWS_WITH(worker.finish(), "the third chunk failed");
  }
  CHECK(parses == 3);  // nothing parsed after the failure
}

TEST_CASE("table worker: dropped after a failure, without finish(), it stops quietly", "[csv]") {
  auto p = rules::preset_policy("opensafely");
  REQUIRE(p);
  auto policy = rules::CompiledPolicy::compile(*p);
  REQUIRE(policy.ok());
  rules::TableCheck table(*policy, 100);
  {
    TableWorker worker(table, [](std::string_view) { throw std::runtime_error("no"); });
    worker.parse("a,b\n1,2\n");
    worker.mark();
  }  // the destructor neither throws nor waits forever
  SUCCEED();
}
