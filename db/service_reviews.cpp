// Reviewing a request: votes, comments, submitting a review, return and reject.
#include "checker/workspace.h"
#include "db/crash_point.h"
#include "db/service_internal.h"

namespace fs = std::filesystem;

namespace outcheck::db {

Status Service::vote(const User& actor, const std::string& id, const std::string& path, const fs::path& cwd, Vote vote,
                     const std::optional<std::string>& comment, const std::optional<std::string>& override_reason) {
  std::optional<std::string> subject;  // the file voted on, for a refusal's audit row
  Status s = in_request_transaction(actor, "vote", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    if (auto ws = request_workspace(req); !ws) return ws.error();  // checked at every operation
    fs::path abs = (fs::path(path).is_absolute() ? fs::path(path) : cwd / path).lexically_normal();
    std::string rel = fs::path(path).lexically_normal().generic_string();
    if (auto inside = checker::relative_inside(fs::path(req.workspace_path), abs); inside && req.file(*inside)) rel = *inside;
    const RequestFile* f = req.file(rel);
    if (!f) return invalid_input(path + ": not a file of request " + id);
    subject = rel;
    OUTCHECK_TRY(check_can_vote(actor, req, *f));
    if (vote == Vote::changes_requested && (!comment || comment->empty())) {
      return refused("request-changes needs --comment saying what must change");
    }
    if (vote == Vote::approved && f->outcome == "fail" && (!override_reason || override_reason->empty())) {
      return refused(rel + " has fail findings; approving it needs an override reason (review vote --override REASON), which everyone will see");
    }
    VoteRecord v{actor.name, vote, comment, vote == Vote::approved ? override_reason : std::nullopt, req.review_turn, now()};
    OUTCHECK_TRY(upsert_vote(home_.db, id, rel, v));
    nlohmann::json details{{"vote", vote_name(vote)}, {"sha256", f->sha256}};
    if (comment) details["comment"] = *comment;
    if (v.override_reason) details["override"] = *v.override_reason;
    events.push_back(make_event(actor, "vote", req, details, rel));
    crash_point("vote.before_commit");
    return Status::OK();
  }, &subject);
  if (s.ok()) crash_point("vote.after_commit");
  return s;
}

Status Service::comment(const User& actor, const std::string& id, const std::string& group, const std::string& text,
                        bool is_private) {
  return in_request_transaction(actor, "comment", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_comment(actor, req, is_private));
    if (!req.group(group)) return invalid_input("request " + id + " has no file group \"" + group + "\"");
    if (text.empty()) return invalid_input("a comment needs --text");
    Comment c{0, group, actor.name, text, is_private ? "private" : "public", req.review_turn, now()};
    OUTCHECK_TRY(insert_comment(home_.db, id, c));
    events.push_back(make_event(actor, "comment", req, {{"group", group}, {"text", text}}, std::nullopt, c.visibility));
    return Status::OK();
  });
}

Result<RequestStatus> Service::submit_review(const User& actor, const std::string& id) {
  RequestStatus result = RequestStatus::submitted;
  Status s = in_request_transaction(actor, "review_submit", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_submit_review(actor, req));
    req.updated_at = now();
    OUTCHECK_TRY(insert_review(home_.db, id, actor.name, req.review_turn, req.updated_at));
    // The first review makes the request partially reviewed, the second reviewed; a third changes
    // nothing. Inside one immediate transaction, two reviewers submitting at once still count twice.
    std::size_t reviews = req.submitted_reviews.size() + 1;
    RequestStatus before = req.status;
    if (reviews == 1) req.status = RequestStatus::partially_reviewed;
    else if (reviews >= 2 && req.status == RequestStatus::partially_reviewed) req.status = RequestStatus::reviewed;
    OUTCHECK_TRY(update_request_status(home_.db, req));
    events.push_back(make_event(actor, "review_submit", req, {{"reviews_this_turn", reviews}}));
    if (req.status != before) {
      events.push_back(make_event(actor, "status_change", req, {{"from", status_name(before)}, {"to", status_name(req.status)}}));
    }
    result = req.status;
    crash_point("review_submit.before_commit");
    return Status::OK();
  });
  if (!s.ok()) return s.error();
  crash_point("review_submit.after_commit");
  return result;
}

Status Service::return_request(const User& actor, const std::string& id) {
  return in_request_transaction(actor, "request_return", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_return(actor, req));
    req.updated_at = now();
    bool early = req.submitted_reviews.size() < 2;
    // An early return undoes this turn's votes (Airlock's revert_turn_activity); comments stay, as
    // nothing in outcheck's record is ever deleted.
    if (early) OUTCHECK_TRY(reset_turn_votes(home_.db, id, req.review_turn, req.updated_at));
    ++req.review_turn;
    req.status = RequestStatus::returned;
    OUTCHECK_TRY(update_request_status(home_.db, req));
    events.push_back(make_event(actor, early ? "request_early_return" : "request_return", req));
    return Status::OK();
  });
}

Status Service::reject(const User& actor, const std::string& id) {
  return in_request_transaction(actor, "request_reject", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_transition(actor, req, RequestStatus::rejected));
    req.status = RequestStatus::rejected;
    req.updated_at = now();
    OUTCHECK_TRY(update_request_status(home_.db, req));
    events.push_back(make_event(actor, "request_reject", req));
    return Status::OK();
  });
}

}  // namespace outcheck::db
