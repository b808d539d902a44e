#include "db/release_state.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace outcheck::db {

nlohmann::json ReleaseInterruption::to_json() const {
  return nlohmann::json{{"at", at}, {"of", total}, {"uploaded", uploaded}, {"target", target}, {"message", message}};
}

bool release_holder_gone(const std::string& holder) {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  auto first = holder.find(':'), second = holder.find(':', first == std::string::npos ? 0 : first + 1);
  if (first == std::string::npos || second == std::string::npos) return true;
  if (holder.substr(0, first) != host) return false;
  pid_t pid = static_cast<pid_t>(std::atoll(holder.substr(first + 1, second - first - 1).c_str()));
  if (pid <= 0) return true;
  if (pid == ::getpid()) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

Result<std::optional<ReleaseInterruption>> release_interruption(Database& db, const Request& r, const std::string& now) {
  if (r.status != RequestStatus::approved) return std::optional<ReleaseInterruption>();
  ReleaseInterruption out;
  for (const auto& f : r.files) {
    if (f.filetype != "output") continue;
    ++out.total;
    if (f.uploaded_at) ++out.uploaded;
  }
  if (out.total == 0 || out.uploaded >= out.total) return std::optional<ReleaseInterruption>();
  OUTCHECK_ASSIGN_OR_RETURN(auto st, db.prepare("SELECT holder, expires_at FROM release_locks WHERE request_id = ?"));
  st.bind(1, r.id);
  if (st.step()) {
    const std::string holder = st.text(0), expires = st.text(1);
    if (expires > now && !release_holder_gone(holder)) return std::optional<ReleaseInterruption>();  // in progress
  } else if (st.failed()) {
    return st.error();
  }
  out.at = out.uploaded + 1;
  out.target = r.release_target.value_or("");
  out.message = "release interrupted at file " + std::to_string(out.at) + " of " + std::to_string(out.total) + " (" +
                std::to_string(out.uploaded) + " uploaded" + (out.target.empty() ? "" : " to " + out.target) +
                "); run `outcheck request release " + r.id + "` again to finish it";
  return std::optional<ReleaseInterruption>(out);
}

}  // namespace outcheck::db
