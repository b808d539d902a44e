#include "db/visibility.h"

namespace outcheck::db {

namespace {

// Rows that would reveal a reviewer's judgement while reviews are independent. A refusal counts
// too: a refused approval says how its author meant to vote.
bool judgement(const std::string& action) {
  return action == "vote" || action == "comment" || action == "review_submit" || action == "refused";
}

}  // namespace

bool can_review(const User& viewer, const Request& r) { return viewer.is_checker() && viewer.name != r.author; }

bool item_visible(const User& viewer, const Request& r, const Item& item) {
  if (item.author == viewer.name) return true;
  const bool reviewer = can_review(viewer, r);
  if (item.visibility != "public" && !reviewer) return false;  // private (or unknown): reviewers only
  const Phase phase = phase_of(r.status);
  if (item.review_turn < r.review_turn || phase == Phase::complete) return true;
  switch (phase) {
    case Phase::independent: return false;  // blinded: each reviewer works alone
    case Phase::consolidating: return reviewer;
    default: return true;  // with the author: what is there is public (or the viewer reviews)
  }
}

bool votes_visible(const User& viewer, const Request& r) {
  static const std::string nobody, pub = "public";
  return item_visible(viewer, r, {nobody, pub, r.review_turn});
}

bool audit_row_visible(const User& viewer, const Request* r, const AuditRowFacts& row) {
  if (!r) return viewer.is_admin() || viewer.is_checker() || row.user == viewer.name;
  // Who may read a request's rows at all: its author, output checkers, and admins (who keep the
  // site's record); the blinding below holds for all of them, admins included.
  if (viewer.name != r->author && !viewer.is_checker() && !viewer.is_admin()) return false;
  if (row.visibility != "public" || judgement(row.action)) {
    return item_visible(viewer, *r, {row.user, row.visibility, row.review_turn});
  }
  return true;
}

}  // namespace outcheck::db
