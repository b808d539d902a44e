#pragma once
// SHA-256 on another core while the caller parses the same bytes: hash(chunk) returns at once,
// and the chunk's memory must stay untouched until the next hash() or digest() returns.
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "checker/sha256.h"

namespace outcheck::checker {

class BackgroundHasher {
 public:
  BackgroundHasher();
  ~BackgroundHasher();
  BackgroundHasher(const BackgroundHasher&) = delete;
  BackgroundHasher& operator=(const BackgroundHasher&) = delete;

  // Waits for the previous chunk to be hashed, then hands this one over.
  void hash(std::string_view chunk);
  // Waits for the last chunk and returns the hex digest.
  std::string digest();

 private:
  void run();
  void wait_idle(std::unique_lock<std::mutex>& lock);

  Sha256 sha_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string_view pending_;
  bool has_pending_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace outcheck::checker
