#include "checker/background_hasher.h"

namespace outcheck::checker {

BackgroundHasher::BackgroundHasher() : thread_([this] { run(); }) {}

BackgroundHasher::~BackgroundHasher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundHasher::wait_idle(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [this] { return !has_pending_; });
}

void BackgroundHasher::hash(std::string_view chunk) {
  std::unique_lock<std::mutex> lock(mu_);
  wait_idle(lock);
  pending_ = chunk;
  has_pending_ = true;
  cv_.notify_all();
}

std::string BackgroundHasher::digest() {
  std::unique_lock<std::mutex> lock(mu_);
  wait_idle(lock);
  return sha_.hex_digest();
}

void BackgroundHasher::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return has_pending_ || stop_; });
    if (has_pending_) {
      std::string_view chunk = pending_;
      lock.unlock();
      sha_.update(chunk);
      lock.lock();
      has_pending_ = false;
      cv_.notify_all();
    } else if (stop_) {
      return;
    }
  }
}

}  // namespace outcheck::checker
