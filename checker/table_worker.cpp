#include "checker/table_worker.h"

namespace outcheck::checker {

namespace {

// Marks handed over but not reached before mark() waits: enough to keep both threads busy, few
// enough that the queued offsets stay a few megabytes.
constexpr std::uint64_t kMarksAhead = 2;

}  // namespace

TableWorker::TableWorker(rules::TableCheck& table) : table_(table), thread_([this] { run(); }) {}

TableWorker::~TableWorker() { finish(); }

TableWorker::Job& TableWorker::next_job() {
  if (!spare_.empty()) {
    filling_.push_back(std::move(spare_.back()));
    spare_.pop_back();
  } else {
    filling_.emplace_back();
  }
  Job& job = filling_.back();
  job.batch = CsvRecords{};
  job.owned.clear();
  job.mark = 0;
  return job;
}

void TableWorker::records(const CsvRecords& records) {
  Job& job = next_job();
  job.starts.assign(records.starts.begin(), records.starts.end());
  job.ends.assign(records.ends.begin(), records.ends.end());
  job.batch = records;
  job.batch.starts = job.starts;
  job.batch.ends = job.ends;
}

void TableWorker::record(std::int64_t index, std::span<const std::string_view> fields) {
  Job& job = next_job();
  job.index = index;
  job.owned.assign(fields.begin(), fields.end());
}

std::uint64_t TableWorker::mark() {
  std::unique_lock<std::mutex> lock(mu_);
  const std::uint64_t m = ++marks_;
  Job& job = next_job();
  job.mark = m;
  changed_.wait(lock, [&] { return m - reached_ <= kMarksAhead; });
  for (auto& j : filling_) queue_.push_back(std::move(j));
  filling_.clear();
  for (auto& j : returned_) spare_.push_back(std::move(j));
  returned_.clear();
  changed_.notify_all();
  return m;
}

void TableWorker::wait(std::uint64_t mark) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return reached_ >= mark; });
}

void TableWorker::finish() {
  if (!thread_.joinable()) return;
  mark();  // hands over what is filling
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void TableWorker::run() {
  std::vector<Job> taken;
  std::vector<std::string_view> fields;  // a lone record's fields
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [this] { return !queue_.empty() || stop_; });
    if (queue_.empty()) return;  // stopped, and everything handed over is checked
    taken.swap(queue_);
    lock.unlock();
    for (Job& job : taken) {
      if (job.mark) {
        std::lock_guard<std::mutex> reached(mu_);
        reached_ = job.mark;
        changed_.notify_all();
      } else if (job.batch.width != 0) {
        table_.records(job.batch);
      } else {
        fields.assign(job.owned.begin(), job.owned.end());
        table_.record(job.index, fields);
      }
    }
    lock.lock();
    for (auto& j : taken) returned_.push_back(std::move(j));
    taken.clear();
  }
}

}  // namespace outcheck::checker
