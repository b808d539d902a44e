#pragma once
// What may happen (Airlock's permissions and policies), apart from what happens (service.h) and how
// it is stored (request_store.h). Each check returns OK or a `refused` error whose message tells the
// user why; none has side effects.
#include "base/result.h"
#include "db/model.h"

namespace outcheck::db {

Error refused(std::string message);

Status check_can_manage_users(const User& actor);
Status check_can_set_policy(const User& actor);
Status check_can_author(const User& actor);
Status check_can_view(const User& actor, const Request& r);
// Author-owned changes (files, groups): the author, in pending or returned.
Status check_can_edit(const User& actor, const Request& r);
Status check_can_transition(const User& actor, const Request& r, RequestStatus to);
Status check_can_submit(const User& actor, const Request& r);
// Returning a reviewed request also needs, on every group with a file not approved, a public
// comment from this turn, so the author learns what to change (Airlock).
Status check_can_return(const User& actor, const Request& r);
Status check_can_vote(const User& actor, const Request& r, const RequestFile& f);
Status check_can_submit_review(const User& actor, const Request& r);
Status check_can_comment(const User& actor, const Request& r, bool is_private);
Status check_can_read_audit(const User& actor);
Status check_can_release(const User& actor, const Request& r);

}  // namespace outcheck::db
