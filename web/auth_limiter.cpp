#include "web/auth_limiter.h"

#include <algorithm>
#include <cmath>

namespace outcheck::web {

bool AuthFailureLimiter::record_failure(const std::string& address, int* retry_after) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  std::string key = address;
  if (!entries_.count(key) && entries_.size() >= settings_.max_addresses) key = "(other addresses)";
  auto [it, fresh] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (fresh) {
    e.tokens = settings_.burst;
    e.refilled = now;
    e.window.address = key;
  }
  const double per_ms = 1.0 / static_cast<double>(std::max<long long>(1, settings_.refill.count()));
  e.tokens = std::min<double>(settings_.burst, e.tokens + per_ms * std::chrono::duration<double, std::milli>(now - e.refilled).count());
  e.refilled = now;
  if (e.window.failures == 0) {
    e.window.first = std::chrono::system_clock::now();
    e.window_start = now;
  }
  ++e.window.failures;
  e.window.last = std::chrono::system_clock::now();
  if (e.tokens >= 1.0) {
    e.tokens -= 1.0;
    return true;
  }
  ++e.window.rate_limited;
  if (retry_after) *retry_after = static_cast<int>(std::ceil((1.0 - e.tokens) / per_ms / 1000.0));
  return false;
}

std::vector<AuthFailureLimiter::Summary> AuthFailureLimiter::take_due(bool everything) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<Summary> due;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.window.failures > 0 && (everything || now - e.window_start >= settings_.interval)) {
      due.push_back(e.window);
      e.window.failures = e.window.rate_limited = 0;
    }
    // An address with no open window and a full bucket is forgotten.
    const double refilled = e.tokens + std::chrono::duration<double, std::milli>(now - e.refilled).count() /
                                           static_cast<double>(std::max<long long>(1, settings_.refill.count()));
    if (e.window.failures == 0 && refilled >= settings_.burst) it = entries_.erase(it);
    else ++it;
  }
  return due;
}

}  // namespace outcheck::web
