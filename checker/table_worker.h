#pragma once
// The table rules on a thread of their own, so that one core reads a large CSV (and hashes it)
// while another runs the rules over the records already read. Records are queued in order and
// checked in order, so the findings are exactly those of a single thread.
//
// Parsing goes to whichever thread has time for it: the caller parses a slice itself while the
// rules are behind, and otherwise hands the bytes over (parse()) for this thread to parse and then
// check. The parser is used by one thread at a time, slices in order: before parsing here again
// the caller calls wait_parsed(), which takes back the bytes this thread has not yet taken (the
// caller parses them, in order) and waits for the parsing of those it has, which it does first,
// before their rules.
//
// Queued batches and handed-over bytes point into the caller's bytes, which must stay readable
// until wait() for a later mark() returns; a lone record (read through the reader's buffer) is
// copied.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "checker/csv_parser.h"
#include "checker/huge_page_resource.h"
#include "rules/table_check.h"

namespace outcheck::checker {

class TableWorker {
 public:
  // `parse` feeds bytes to the reader whose records come back through records() and record().
  TableWorker(rules::TableCheck& table, std::function<void(std::string_view)> parse);
  ~TableWorker();  // finishes the queue first
  TableWorker(const TableWorker&) = delete;
  TableWorker& operator=(const TableWorker&) = delete;

  // The reader's records, on the thread that is parsing.
  void records(const CsvRecords& records);
  void record(std::int64_t index, std::span<const std::string_view> fields);

  // Whether the rules are behind: the records of three marks are waiting to be checked, so the
  // caller had better parse the next bytes itself than hand them over.
  bool behind();
  // Hands `bytes` over to be parsed on this thread, then checked.
  void parse(std::string_view bytes);
  // Returns once every byte handed to parse() is parsed, parsing here those this thread had not
  // taken yet: the caller may then parse the next.
  void wait_parsed();

  // Times the caller, parsing, handed its batches over early because this thread waited (records()).
  std::uint64_t early_hand_overs();

  // A point in the queue; wait(mark) returns once everything queued before it is checked.
  std::uint64_t mark();
  void wait(std::uint64_t mark);
  // Checks what is queued and stops the thread; the table is then the caller's again.
  void finish();
  // finish() without throwing (a failure on the thread is dropped): for an owner's destructor, which
  // must stop the thread while the members it reads are still alive.
  void stop();

  // An exception thrown on this thread (by the parser or the rules: an allocation that failed, say)
  // stops the work and is thrown again to the caller by the next of parse(), wait_parsed(), mark(),
  // wait() or finish(), rather than ending the process; so is one thrown while wait_parsed()
  // parses on the caller's thread. No call waits for work that a failure has stopped.

 private:
  // A batch of records, as CsvRecords with its spans into the vectors here (moved, never copied).
  struct Batch {
    explicit Batch(std::pmr::memory_resource* memory) : starts(memory), ends(memory) {}
    CsvRecords records;
    std::pmr::vector<std::uint32_t> starts, ends;
  };
  // Lone records in a row (each read through the reader's buffer: a record with a byte outside
  // ASCII, or one the reader had to look at closely), their bytes copied: record i's fields are
  // fields[ends[i - 1], ends[i]). One job for the run of them, not one each, since every record of
  // a table with a non-ASCII label is a lone one.
  struct LoneRecords {
    std::vector<std::int64_t> indexes;
    std::vector<std::size_t> ends;
    std::vector<std::string> fields;
  };
  // Bytes to parse on this thread; once parsed, [parsed_from, parsed_to) of this thread's jobs are
  // the records they became.
  struct Bytes {
    std::string_view bytes;
    std::size_t parsed_from = 0, parsed_to = 0;
  };
  // A point in the queue (mark()).
  struct Mark {
    std::uint64_t mark = 0;
  };
  using Job = std::variant<Batch, LoneRecords, Bytes, Mark>;
  // The jobs the thread calling fills: the caller's since its last mark, or this thread's from
  // bytes it parses.
  std::vector<Job>& parsing_side();
  // A spare of `spares` (its vectors' capacity kept), or a new one made of `args`.
  template <class T, class... Args>
  T take_spare(std::vector<T>& spares, Args... args);
  template <class T, class... Args>
  T take_spare_locked(std::vector<T>& spares, Args... args);  // with mu_ held
  void hand_over();  // with mu_ held: the caller's filled jobs to the queue
  void recycle(std::span<Job> jobs);  // with mu_ held: checked jobs' vectors to the spares
  void throw_if_failed();  // with mu_ held
  template <class Work>
  void run_safely(Work work);  // on this thread
  void check(Job& job, std::vector<std::string_view>& fields);
  void run();

  rules::TableCheck& table_;
  std::function<void(std::string_view)> parse_;
  const std::thread::id caller_;  // the thread that made this worker
  // Where batches' offsets live (before the jobs that hold them). Batches are reused (spare_) and
  // grow with room to spare, so the memory grows to a little more than is ever in flight.
  HugePageResource batch_memory_;
  std::vector<Job> caller_jobs_;  // the caller's side
  std::vector<Job> own_jobs_;     // this thread's side

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Job> queue_;     // handed over, not yet taken by the thread
  // Checked batches, kept for their vectors' capacity, whichever thread parsed them: a batch made
  // new allocates its vectors and faults their pages in, and each thread alone would keep enough
  // for all the records in flight.
  std::vector<Batch> spare_;
  std::vector<LoneRecords> spare_lone_;  // the same for runs of lone records
  std::uint64_t marks_ = 0, reached_ = 0;
  std::uint64_t handed_ = 0, parsed_ = 0;  // parse() calls, and those done
  bool stop_ = false;
  bool waiting_ = false;  // this thread waits for work (in run())
  std::uint64_t early_hand_overs_ = 0;
  std::exception_ptr error_;  // the first exception this thread caught
  bool failed_ = false;       // this thread's own copy of `error_ != nullptr`
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace outcheck::checker
