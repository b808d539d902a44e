#include "db/permissions.h"

namespace outcheck::db {

Error refused(std::string message) { return Error{ErrorKind::refused, std::move(message)}; }

namespace {

bool is_author(const User& u, const Request& r) { return u.name == r.author; }

std::string in_state(const Request& r) { return std::string("request ") + r.id + " is " + status_name(r.status); }

Status reviewer_only(const User& actor, const Request& r, const char* what) {
  if (!actor.is_checker()) return refused(std::string("only output checkers can ") + what);
  if (is_author(actor, r)) return refused(std::string("you wrote request ") + r.id + "; its author cannot " + what);
  return Status::OK();
}

}  // namespace

Status check_can_manage_users(const User& actor) {
  if (!actor.is_admin()) return refused("only an admin can manage users");
  return Status::OK();
}

Status check_can_set_policy(const User& actor) {
  if (!actor.is_admin()) return refused("only an admin can set the site policy");
  return Status::OK();
}

Status check_can_author(const User& actor) {
  if (!actor.can_author()) return refused("only researchers and output checkers can author requests");
  return Status::OK();
}

Status check_can_view(const User& actor, const Request& r) {
  if (is_author(actor, r) || actor.is_checker()) return Status::OK();
  return refused("request " + r.id + " belongs to " + r.author + "; only its author and output checkers can see it");
}

Status check_can_edit(const User& actor, const Request& r) {
  if (!is_author(actor, r)) return refused("only the author of request " + r.id + " (" + r.author + ") can change it");
  if (r.status != RequestStatus::pending && r.status != RequestStatus::returned) {
    return refused(in_state(r) + "; files and groups can change only while it is pending or returned");
  }
  return Status::OK();
}

Status check_can_transition(const User& actor, const Request& r, RequestStatus to) {
  if (!transition_allowed(r.status, to)) {
    return refused(in_state(r) + "; it cannot become " + status_name(to));
  }
  switch (phase_of(r.status)) {
    case Phase::author:
      if (!is_author(actor, r)) return refused("only the author of request " + r.id + " can do that now");
      return Status::OK();
    case Phase::independent:
    case Phase::consolidating:
      return reviewer_only(actor, r, (std::string("make it ") + status_name(to)).c_str());
    case Phase::complete:
      return reviewer_only(actor, r, "release it");
  }
  return Status::OK();
}

Status check_can_submit(const User& actor, const Request& r) {
  OUTCHECK_TRY(check_can_transition(actor, r, RequestStatus::submitted));
  bool any_output = false;
  for (const auto& f : r.files) any_output |= f.filetype == "output";
  if (!any_output) return refused("request " + r.id + " has no output files to submit");
  for (const auto& g : r.groups) {
    bool has_files = false;
    for (const auto& f : r.files) has_files |= f.group == g.name && f.filetype != "withdrawn";
    if (!has_files) continue;
    if (g.context.empty() || g.controls.empty()) {
      return refused("file group \"" + g.name + "\" needs its context and its disclosure controls before submission: "
                     "outcheck request group " + r.id + " " + g.name + " --context TEXT --controls TEXT");
    }
  }
  return Status::OK();
}

Status check_can_return(const User& actor, const Request& r) {
  OUTCHECK_TRY(check_can_transition(actor, r, RequestStatus::returned));
  if (r.status != RequestStatus::reviewed) return Status::OK();  // an early return needs no comment
  for (const auto& g : r.groups) {
    bool needs_comment = false;
    for (const auto& f : r.files) {
      needs_comment |= f.group == g.name && f.filetype == "output" && r.decision(f) != Decision::approved;
    }
    if (!needs_comment) continue;
    bool commented = false;
    for (const auto& c : r.comments) {
      commented |= c.group == g.name && c.visibility == "public" && c.review_turn == r.review_turn;
    }
    if (!commented) {
      return refused("file group \"" + g.name + "\" has files that are not approved: add a public comment saying what "
                     "must change (outcheck review comment " + r.id + " --group " + g.name + " --text ...) before returning");
    }
  }
  return Status::OK();
}

Status check_can_vote(const User& actor, const Request& r, const RequestFile& f) {
  OUTCHECK_TRY(reviewer_only(actor, r, "vote"));
  auto phase = phase_of(r.status);
  if (phase != Phase::independent && phase != Phase::consolidating) {
    return refused(in_state(r) + "; votes are cast while it is under review");
  }
  if (f.filetype != "output") return refused(f.relpath + " is a " + f.filetype + " file; only output files are voted on");
  if (r.submitted_reviews.count(actor.name)) {
    return refused("you have already submitted your review of request " + r.id + " in this turn");
  }
  return Status::OK();
}

Status check_can_submit_review(const User& actor, const Request& r) {
  OUTCHECK_TRY(reviewer_only(actor, r, "submit a review"));
  // As in Airlock, a third reviewer may still submit once it is reviewed (their votes can settle a
  // conflict); the status then stays reviewed.
  auto phase = phase_of(r.status);
  if (phase != Phase::independent && phase != Phase::consolidating) {
    return refused(in_state(r) + "; reviews are submitted while it is under review");
  }
  if (r.submitted_reviews.count(actor.name)) {
    return refused("you have already submitted your review of request " + r.id + " in this turn");
  }
  for (const auto& f : r.files) {
    if (f.filetype != "output") continue;
    bool voted = false;
    for (const auto& v : f.votes) voted |= v.reviewer == actor.name && v.vote != Vote::undecided;
    if (!voted) return refused("vote on every output file before submitting your review: " + f.relpath + " has no vote");
  }
  return Status::OK();
}

Status check_can_comment(const User& actor, const Request& r, bool is_private) {
  if (!is_author(actor, r) && !actor.is_checker()) return refused("only the author and output checkers can comment");
  if (is_final(r.status)) return refused(in_state(r) + "; it takes no more comments");
  if (is_private) {
    if (!actor.is_checker()) return refused("only output checkers can write private comments");
    if (phase_of(r.status) == Phase::author) {
      return refused(in_state(r) + "; while it is with its author, comments are public");
    }
  }
  return Status::OK();
}

Status check_can_read_audit(const User& actor) {
  if (actor.is_checker() || actor.is_admin()) return Status::OK();
  return refused("only output checkers and admins can verify the audit log");
}

Status check_can_release(const User& actor, const Request& r) {
  OUTCHECK_TRY(reviewer_only(actor, r, "release it"));
  // approved: resuming an interrupted release; released: running it again, which sends nothing.
  if (r.status != RequestStatus::reviewed && r.status != RequestStatus::approved && r.status != RequestStatus::released) {
    return refused(in_state(r) + "; only a reviewed request can be released");
  }
  for (const auto& f : r.files) {
    if (f.filetype == "output" && r.status == RequestStatus::reviewed && r.decision(f) != Decision::approved) {
      return refused(f.relpath + " is not approved (" + decision_name(r.decision(f)) + "); every output file must be");
    }
  }
  return Status::OK();
}

}  // namespace outcheck::db
