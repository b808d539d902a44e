#include "web/sessions.h"

namespace outcheck::web {

std::string random_secret() { return db::random_hex(32); }

BrowserSession SessionTable::create(const std::string& token) {
  auto now = clock_();
  std::lock_guard lock(mu_);
  sweep(now);
  BrowserSession s{random_secret(), token, random_secret(), "", false};
  entries_[s.id] = Entry{s, now, now};
  return s;
}

std::optional<BrowserSession> SessionTable::find(const std::string& id) {
  auto now = clock_();
  std::lock_guard lock(mu_);
  sweep(now);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  it->second.last_seen = now;
  return it->second.session;
}

void SessionTable::set_flash(const std::string& id, const std::string& message, bool is_error) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.session.flash = message;
  it->second.session.flash_is_error = is_error;
}

std::pair<std::string, bool> SessionTable::take_flash(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return {"", false};
  std::pair<std::string, bool> out{std::move(it->second.session.flash), it->second.session.flash_is_error};
  it->second.session.flash.clear();
  return out;
}

void SessionTable::end(const std::string& id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
}

void SessionTable::sweep(std::chrono::system_clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool expired = now - it->second.last_seen >= limits_.idle || now - it->second.created >= limits_.absolute;
    it = expired ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace outcheck::web
