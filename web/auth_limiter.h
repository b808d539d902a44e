#pragma once
// Failed authentications, per client address: a token bucket (a burst of `burst` failures, then
// one more each `refill`), beyond which the server answers 429 instead of 401; and a tally, so the
// audit log gets one summary row per address per `interval` (with the count) instead of a row per
// failed call. A valid token is never refused for its address: the limit is on failures alone, so
// a flood from a shared address (every local user is 127.0.0.1) locks no one out.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace outcheck::web {

struct AuthLimitSettings {
  int burst = 100;
  std::chrono::milliseconds refill{1000};
  std::chrono::seconds interval{60};
  std::size_t max_addresses = 10000;  // beyond: new addresses share one bucket
};

class AuthFailureLimiter {
 public:
  using Settings = AuthLimitSettings;
  explicit AuthFailureLimiter(Settings settings = {}) : settings_(settings) {}

  // Records one failure from `address`. True: answer 401; false: over the limit, answer 429
  // (`retry_after` says in how many seconds the next failure is allowed again).
  bool record_failure(const std::string& address, int* retry_after = nullptr);

  struct Summary {
    std::string address;
    std::int64_t failures = 0;      // failed authentications in the window
    std::int64_t rate_limited = 0;  // of which answered 429
    std::chrono::system_clock::time_point first, last;
  };
  // The windows that are over (a window starts at its first failure and lasts `interval`), or
  // every window with failures when `everything` (the server is stopping).
  std::vector<Summary> take_due(bool everything);

 private:
  struct Entry {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
    Summary window;
    std::chrono::steady_clock::time_point window_start;
  };
  Settings settings_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace outcheck::web
