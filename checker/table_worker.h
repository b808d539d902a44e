#pragma once
// The table rules on a thread of their own, so that one core reads a large CSV (and hashes it)
// while another runs the rules over the records already read. Records are queued in order and
// checked in order, so the findings are exactly those of a single thread.
//
// Queued batches point into the caller's bytes, which must stay readable until wait() for a later
// mark() returns; a lone record (read through the reader's buffer) is copied.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "checker/csv_parser.h"
#include "rules/table_check.h"

namespace outcheck::checker {

class TableWorker {
 public:
  explicit TableWorker(rules::TableCheck& table);
  ~TableWorker();  // finishes the queue first
  TableWorker(const TableWorker&) = delete;
  TableWorker& operator=(const TableWorker&) = delete;

  void records(const CsvRecords& records);
  void record(std::int64_t index, std::span<const std::string_view> fields);
  // A point in the queue; wait(mark) returns once every record queued before it is checked.
  std::uint64_t mark();
  void wait(std::uint64_t mark);
  // Checks what is queued and stops the thread; the table is then the caller's again.
  void finish();

 private:
  struct Job {
    // A batch, as CsvRecords (its spans into the vectors here)...
    CsvRecords batch;
    std::vector<std::uint32_t> starts, ends;
    // ...or a lone record, its bytes copied...
    std::int64_t index = 0;
    std::vector<std::string> owned;
    std::uint64_t mark = 0;  // ...or, when non-zero, a mark
  };
  Job& next_job();
  void run();

  rules::TableCheck& table_;
  // The caller's side: jobs since the last mark, handed over together at the next (one lock and
  // one wake-up per mark rather than per batch), and finished jobs kept for their capacity.
  std::vector<Job> filling_;
  std::vector<Job> spare_;

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Job> queue_;     // handed over, not yet taken by the thread
  std::vector<Job> returned_;  // checked, for the caller to reuse
  std::uint64_t marks_ = 0, reached_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace outcheck::checker
