#include "checker/table_worker.h"

#include <algorithm>
#include <type_traits>

namespace outcheck::checker {

namespace {

// Marks handed over but not reached before mark() waits: enough to keep both threads busy, few
// enough that the queued offsets stay a few megabytes.
constexpr std::uint64_t kMarksAhead = 3;
// Marks handed over but not reached at which the rules count as behind.
constexpr std::uint64_t kBehind = 3;
// Batches the caller parses before handing them over to this thread when it waits for work: a few
// hundred microseconds of rules, so that each wake-up is worth its system calls.
constexpr std::size_t kEarlyHandOver = 16;

}  // namespace

TableWorker::TableWorker(rules::TableCheck& table, std::function<void(std::string_view)> parse)
    : table_(table), parse_(std::move(parse)), caller_(std::this_thread::get_id()), thread_([this] { run(); }) {}

TableWorker::~TableWorker() { stop(); }

template <class T, class... Args>
T TableWorker::take_spare(std::vector<T>& spares, Args... args) {
  std::lock_guard<std::mutex> lock(mu_);
  return take_spare_locked(spares, args...);
}

template <class T, class... Args>
T TableWorker::take_spare_locked(std::vector<T>& spares, Args... args) {
  if (spares.empty()) return T(args...);
  T spare = std::move(spares.back());
  spares.pop_back();
  return spare;
}

// Records come from the thread parsing: the caller's, or this one's from bytes handed over.
std::vector<TableWorker::Job>& TableWorker::parsing_side() {
  return std::this_thread::get_id() == caller_ ? caller_jobs_ : own_jobs_;
}

void TableWorker::records(const CsvRecords& records) {
  std::vector<Job>& filling = parsing_side();
  Batch batch = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    // The caller parsing a slice itself hands its batches over as they come while this thread
    // waits with nothing to check, rather than all at the slice's mark: a slice is some 0.4 ms of
    // parsing, which this thread would otherwise spend idle (every few slices, on a table whose
    // rules keep it as busy as reading and hashing keep the caller).
    if (&filling == &caller_jobs_ && waiting_ && caller_jobs_.size() >= kEarlyHandOver) {
      hand_over();
      ++early_hand_overs_;
    }
    return take_spare_locked(spare_, static_cast<std::pmr::memory_resource*>(&batch_memory_));
  }();
  // Room to spare when a batch grows: what its old offsets held is not given back until the end.
  auto fill = [](std::pmr::vector<std::uint32_t>& to, std::span<const std::uint32_t> from) {
    if (to.capacity() < from.size()) {
      to.clear();
      to.reserve(from.size() + from.size() / 4 + 64);
    }
    to.assign(from.begin(), from.end());
  };
  fill(batch.starts, records.starts);
  fill(batch.ends, records.ends);
  batch.records = records;
  batch.records.starts = batch.starts;
  batch.records.ends = batch.ends;
  filling.emplace_back(std::move(batch));
}

void TableWorker::record(std::int64_t index, std::span<const std::string_view> fields) {
  std::vector<Job>& filling = parsing_side();
  LoneRecords* lone = filling.empty() ? nullptr : std::get_if<LoneRecords>(&filling.back());
  if (!lone) lone = &std::get<LoneRecords>(filling.emplace_back(take_spare(spare_lone_)));
  lone->indexes.push_back(index);
  lone->fields.insert(lone->fields.end(), fields.begin(), fields.end());
  lone->ends.push_back(lone->fields.size());
}

std::uint64_t TableWorker::early_hand_overs() {
  std::lock_guard<std::mutex> lock(mu_);
  return early_hand_overs_;
}

bool TableWorker::behind() {
  std::lock_guard<std::mutex> lock(mu_);
  return marks_ - reached_ >= kBehind;
}

void TableWorker::parse(std::string_view bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  throw_if_failed();
  caller_jobs_.emplace_back(Bytes{bytes});
  ++handed_;
}

void TableWorker::throw_if_failed() {
  if (error_) std::rethrow_exception(error_);
}

void TableWorker::hand_over() {
  // Room first: should it throw, no job has been moved, and a later hand-over moves them all once.
  // (A push that threw halfway would leave moved-from batches behind, handed over again later.)
  // (Doubling, as push_back would: reserving exactly what is needed would copy the queue each time.)
  const std::size_t needed = queue_.size() + caller_jobs_.size();
  if (queue_.capacity() < needed) queue_.reserve(std::max(needed, 2 * queue_.capacity()));
  static_assert(std::is_nothrow_move_constructible_v<Job>, "the pushes below must not throw");
  for (auto& j : caller_jobs_) queue_.push_back(std::move(j));
  caller_jobs_.clear();
  changed_.notify_all();
}

void TableWorker::recycle(std::span<Job> jobs) {
  for (Job& j : jobs) {
    if (Batch* batch = std::get_if<Batch>(&j)) {
      spare_.push_back(std::move(*batch));
    } else if (LoneRecords* lone = std::get_if<LoneRecords>(&j)) {
      lone->indexes.clear();
      lone->ends.clear();
      lone->fields.clear();
      spare_lone_.push_back(std::move(*lone));
    } else {
      continue;
    }
    j.emplace<Mark>();  // given back: nothing left in it to give back again
  }
}

void TableWorker::wait_parsed() {
  std::unique_lock<std::mutex> lock(mu_);
  hand_over();
  // Jobs still queued have not been taken by this thread: rather than wait for it to get to them
  // (after the rules it is running), the caller takes them back and parses their bytes itself, in
  // order; they are handed over again, parsed, at the next mark.
  std::vector<Job> taken_back;
  std::uint64_t bytes_taken_back = 0;
  for (const Job& j : queue_) bytes_taken_back += std::holds_alternative<Bytes>(j);
  if (bytes_taken_back) {
    taken_back.swap(queue_);
    handed_ -= bytes_taken_back;
  }
  // What this thread has taken it parses first, before its rules: a short wait.
  changed_.wait(lock, [&] { return parsed_ >= handed_ || error_; });
  throw_if_failed();
  lock.unlock();
  try {
    for (Job& j : taken_back) {
      if (const Bytes* b = std::get_if<Bytes>(&j)) {
        parse_(b->bytes);  // its records join caller_jobs_ here, in order
      } else {
        caller_jobs_.push_back(std::move(j));
      }
    }
  } catch (...) {
    // Marks taken back may be lost with the jobs: nobody must wait for them.
    lock.lock();
    if (!error_) error_ = std::current_exception();
    changed_.notify_all();
    throw;
  }
}

std::uint64_t TableWorker::mark() {
  std::unique_lock<std::mutex> lock(mu_);
  const std::uint64_t m = ++marks_;
  caller_jobs_.emplace_back(Mark{m});
  hand_over();  // first: earlier marks may be among the jobs filling (wait_parsed took them back)
  changed_.wait(lock, [&] { return m - reached_ <= kMarksAhead || error_; });
  throw_if_failed();
  return m;
}

void TableWorker::wait(std::uint64_t mark) {
  std::unique_lock<std::mutex> lock(mu_);
  hand_over();  // the mark may be among the jobs filling
  changed_.wait(lock, [&] { return reached_ >= mark || error_; });
  throw_if_failed();
}

void TableWorker::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hand_over();
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void TableWorker::finish() {
  stop();
  std::lock_guard<std::mutex> lock(mu_);
  throw_if_failed();
}

void TableWorker::check(Job& job, std::vector<std::string_view>& fields) {
  if (const Batch* batch = std::get_if<Batch>(&job)) {
    table_.records(batch->records);
  } else if (const LoneRecords* lone = std::get_if<LoneRecords>(&job)) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < lone->indexes.size(); ++i) {
      fields.assign(lone->fields.begin() + static_cast<std::ptrdiff_t>(from),
                    lone->fields.begin() + static_cast<std::ptrdiff_t>(lone->ends[i]));
      table_.record(lone->indexes[i], fields);
      from = lone->ends[i];
    }
  }
}

// After a failure the work is skipped (the marks and parses are still counted, so nobody waits
// forever); the first exception is kept for the caller.
template <class Work>
void TableWorker::run_safely(Work work) {
  if (failed_) return;
  try {
    work();
  } catch (...) {
    failed_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::current_exception();
  }
}

void TableWorker::run() {
  std::vector<Job> taken;
  std::vector<std::string_view> fields;  // a lone record's fields
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    waiting_ = true;
    changed_.wait(lock, [this] { return !queue_.empty() || stop_; });
    waiting_ = false;
    if (queue_.empty()) return;  // stopped, and everything handed over is checked
    taken.swap(queue_);
    lock.unlock();
    // Every byte taken is parsed first, so that the caller, should it want to parse the next
    // bytes itself, waits only for that; then the rules, in order.
    for (Job& job : taken) {
      Bytes* b = std::get_if<Bytes>(&job);
      if (!b) continue;
      b->parsed_from = own_jobs_.size();
      run_safely([&] { parse_(b->bytes); });
      b->parsed_to = own_jobs_.size();
      std::lock_guard<std::mutex> parsed(mu_);
      ++parsed_;
      changed_.notify_all();
    }
    // The jobs before these are checked and given back (of those taken, and of this thread's own).
    std::size_t taken_back = 0, own_back = 0, own_checked = 0;
    for (std::size_t t = 0; t < taken.size(); ++t) {
      Job& job = taken[t];
      if (const Mark* m = std::get_if<Mark>(&job)) {
        std::lock_guard<std::mutex> reached(mu_);
        reached_ = m->mark;
        changed_.notify_all();
        // The batches checked go back at each mark, not once all that was taken is checked: the
        // caller fills new ones meanwhile, and would otherwise hold twice the marks ahead in
        // offsets (fresh memory, each first touch a fault).
        recycle(std::span(taken).subspan(taken_back, t - taken_back));
        taken_back = t;
        recycle(std::span(own_jobs_).subspan(own_back, own_checked - own_back));
        own_back = own_checked;
      } else if (const Bytes* b = std::get_if<Bytes>(&job)) {
        for (std::size_t i = b->parsed_from; i < b->parsed_to; ++i) {
          run_safely([&] { check(own_jobs_[i], fields); });
        }
        own_checked = b->parsed_to;
      } else {
        run_safely([&] { check(job, fields); });
      }
    }
    lock.lock();
    recycle(own_jobs_);
    own_jobs_.clear();
    recycle(taken);
    taken.clear();
  }
}

}  // namespace outcheck::checker
