#pragma once
// Signed-in browsers. A session id is random and lives in an HttpOnly, SameSite=Strict cookie; it
// maps, in this process's memory only, to the user's token (checked again on every request, so a
// disabled user is out at once), a CSRF token every form must carry, and two expiries: idle and
// absolute. Restarting the server signs everyone out.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "db/identity.h"

namespace outcheck::web {

struct SessionLimits {
  std::chrono::seconds idle{30 * 60};
  std::chrono::seconds absolute{8 * 60 * 60};
};

struct BrowserSession {
  std::string id;
  std::string token;  // the personal token the user signed in with
  std::string csrf;
  std::string flash;  // a message for the next page, shown once
  bool flash_is_error = false;
};

class SessionTable {
 public:
  explicit SessionTable(SessionLimits limits = {}, db::Clock clock = db::system_clock())
      : limits_(limits), clock_(std::move(clock)) {}

  BrowserSession create(const std::string& token);
  // The live session with this id (its idle expiry renewed), or none.
  std::optional<BrowserSession> find(const std::string& id);
  void set_flash(const std::string& id, const std::string& message, bool is_error);
  // Returns and clears the flash message.
  std::pair<std::string, bool> take_flash(const std::string& id);
  void end(const std::string& id);

 private:
  struct Entry {
    BrowserSession session;
    std::chrono::system_clock::time_point created, last_seen;
  };
  void sweep(std::chrono::system_clock::time_point now);

  SessionLimits limits_;
  db::Clock clock_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// A random secret for session ids and CSRF tokens (256 bits, hex).
std::string random_secret();

}  // namespace outcheck::web
