// TableWorker on its own: an exception thrown on its thread (by the parser or the rules) reaches the
// caller at its next call into the worker, and nothing waits forever or ends the process; bytes
// handed over but not yet taken are parsed by the caller instead, in order.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "checker/csv_parser.h"
#include "checker/table_worker.h"
#include "rules/table_check.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"

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
  const auto policy = test::compiled_preset("opensafely");
  std::string text = "practice,num\n";
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + "," + std::to_string(i % 50) + "\n";

  rules::TableCheck table(policy, 100);
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
  const auto policy = test::compiled_preset("opensafely");
  rules::TableCheck table(policy, 100);
  {
    TableWorker worker(table, [](std::string_view) { throw std::runtime_error("no"); });
    worker.parse("a,b\n1,2\n");
    worker.mark();
  }  // the destructor neither throws nor waits forever
  SUCCEED();
}

TEST_CASE("table worker: bytes it has not taken yet are parsed by the caller, in order", "[csv]") {
  const auto policy = test::compiled_preset("opensafely");
  std::string text = "practice,num,value\n";
  for (int i = 0; i < 3000; ++i) text += std::to_string(i) + "," + std::to_string(i % 40) + ",1.5\n";
  const std::size_t third = text.size() / 3;
  const std::string_view chunks[] = {std::string_view(text).substr(0, third),
                                     std::string_view(text).substr(third, third),
                                     std::string_view(text).substr(2 * third)};

  // The same rules on one thread, for the findings to compare with.
  rules::FindingList want(100);
  {
    rules::TableCheck table(policy, 100);
    struct Direct : CsvVisitor {
      rules::TableCheck& t;
      explicit Direct(rules::TableCheck& table) : t(table) {}
      void on_header(std::span<const std::string_view> f) override { t.header(f); }
      void on_record(std::int64_t i, std::int64_t, std::span<const std::string_view> f) override { t.record(i, f); }
      void on_issue(const CsvIssue&) override {}
    } direct(table);
    CsvParser parser(direct);
    parser.feed(text);
    parser.finish();
    table.finish(want);
  }

  rules::TableCheck table(policy, 100);
  ToWorker visitor(table);
  CsvParser parser(visitor);
  std::mutex mu;
  std::condition_variable released_cv;
  bool released = false;
  std::vector<std::thread::id> parsed_on;  // the thread that parsed each chunk, in order
  const std::thread::id caller = std::this_thread::get_id();
  TableWorker worker(table, [&](std::string_view bytes) {
    {
      std::unique_lock<std::mutex> lock(mu);
      parsed_on.push_back(std::this_thread::get_id());
      released_cv.notify_all();
      // The first chunk holds the worker until released: the next two stay in its queue.
      if (parsed_on.size() == 1) released_cv.wait(lock, [&] { return released; });
    }
    parser.feed(bytes);
  });
  visitor.worker = &worker;
  std::vector<std::uint64_t> marks;
  for (std::string_view chunk : chunks) {
    worker.parse(chunk);
    marks.push_back(worker.mark());
    if (marks.size() == 1) {
      // The worker has taken the first chunk and is held in it before the others are handed over.
      std::unique_lock<std::mutex> lock(mu);
      released_cv.wait(lock, [&] { return !parsed_on.empty(); });
    }
  }
  // Released a while after this thread has (almost surely) taken the queued chunks back.
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    released_cv.notify_all();
  });
  worker.wait_parsed();  // takes chunks 2 and 3 back, waits for chunk 1, parses 2 and 3 here
  releaser.join();
  parser.finish();
  worker.wait(marks.back());
  worker.finish();
  rules::FindingList got(100);
  table.finish(got);

  REQUIRE(parsed_on.size() == 3);
  CHECK(parsed_on[0] != caller);
  CHECK(parsed_on[1] == caller);
  CHECK(parsed_on[2] == caller);
  CHECK(parser.data_records() == 3000);
  CHECK(test::describe_findings(got) == test::describe_findings(want));
  CHECK(want.counts().at("small_count") > 0);
}

TEST_CASE("table worker: a failure while the caller parses taken-back bytes leaves nobody waiting", "[csv]") {
  const auto policy = test::compiled_preset("opensafely");
  rules::TableCheck table(policy, 100);
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int parses = 0;
  TableWorker worker(table, [&](std::string_view) {
    std::unique_lock<std::mutex> lock(mu);
    ++parses;
    cv.notify_all();
    if (parses == 1) cv.wait(lock, [&] { return released; });  // holds the worker in the first
    if (parses == 2) throw std::runtime_error("the caller's parse failed");
  });
  worker.parse("a");
  worker.mark();
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return parses == 1; });
  }
  worker.parse("b");
  const std::uint64_t second = worker.mark();  // queued behind the held first chunk
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    cv.notify_all();
  });
  CHECK_THROWS_WITH(worker.wait_parsed(), "the caller's parse failed");  // "b" parsed here, and failed
  releaser.join();
  CHECK_THROWS_WITH(worker.wait(second), "the caller's parse failed");  // its mark was taken back: no wait
  CHECK_THROWS_WITH(worker.finish(), "the caller's parse failed");
}
