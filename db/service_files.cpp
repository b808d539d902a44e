// What a user may do to a request now, and reading a stored file for review.
#include "checker/sha256.h"
#include "db/service_internal.h"

#include <fstream>
#include <sstream>

namespace outcheck::db {

Result<nlohmann::json> Service::actions(const User& actor, const std::string& id) {
  auto r = require_request(id);
  if (!r) return r.error();
  if (auto s = check_can_view(actor, *r); !s.ok()) return refuse(&actor, "request_actions", id, s.error());
  nlohmann::json votable = nlohmann::json::array();
  for (const auto& f : r->files) {
    if (check_can_vote(actor, *r, f).ok()) votable.push_back(f.relpath);
  }
  return nlohmann::json{
      {"submit", check_can_transition(actor, *r, RequestStatus::submitted).ok()},
      {"withdraw", check_can_transition(actor, *r, RequestStatus::withdrawn).ok()},
      {"edit", check_can_edit(actor, *r).ok()},
      {"vote", votable},
      {"submit_review", check_can_submit_review(actor, *r).ok()},
      // Offered whenever the state allows it; returning a reviewed request also needs a public
      // comment per group, which the refusal explains.
      {"return", check_can_transition(actor, *r, RequestStatus::returned).ok()},
      {"reject", check_can_transition(actor, *r, RequestStatus::rejected).ok()},
      {"release", check_can_release(actor, *r).ok()},
      {"comment", check_can_comment(actor, *r, false).ok()},
      {"comment_private", check_can_comment(actor, *r, true).ok()},
  };
}

Result<Service::FileContents> Service::read_file(const User& actor, const std::string& id, const std::string& relpath) {
  auto r = require_request(id);
  if (!r) return r.error();
  if (auto s = check_can_view(actor, *r); !s.ok()) return refuse(&actor, "file_view", id, s.error());
  const RequestFile* f = r->file(relpath);
  if (!f) return not_found("request " + id + " has no file " + relpath);
  std::ifstream in(home_.store.path_of(f->sha256), std::ios::binary);
  if (!in) return io_error("the stored copy of " + relpath + " is missing from the store (" + home_.dir.string() + ")");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  FileContents out{*f, std::move(bytes).str()};
  if (checker::sha256_hex(out.bytes) != f->sha256) {
    return io_error("the stored copy of " + relpath + " no longer has the bytes that were checked (sha256 " +
                    f->sha256 + "); it is not shown");
  }
  // Recorded before the bytes are handed out: no view without its audit row.
  AuditHead head;
  OUTCHECK_TRY(append_audit(make_event(actor, "file_view", *r, {{"sha256", f->sha256}}, relpath), &head));
  home_.audit.record_head(head);
  return out;
}

}  // namespace outcheck::db
