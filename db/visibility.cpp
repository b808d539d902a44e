#include "db/visibility.h"

namespace outcheck::db {

bool can_review(const User& viewer, const Request& r) { return viewer.is_checker() && viewer.name != r.author; }

bool item_visible(const User& viewer, const Request& r, const Item& item) {
  if (item.author == viewer.name) return true;
  const bool reviewer = can_review(viewer, r);
  if (item.visibility == "private" && !reviewer) return false;
  const Phase phase = phase_of(r.status);
  if (item.review_turn < r.review_turn || phase == Phase::complete) return true;
  switch (phase) {
    case Phase::independent: return false;  // blinded: each reviewer works alone
    case Phase::consolidating: return reviewer;
    default: return true;  // with the author: what is there is public (or the viewer reviews)
  }
}

bool votes_visible(const User& viewer, const Request& r) {
  const Phase phase = phase_of(r.status);
  if (can_review(viewer, r)) return phase != Phase::independent;
  return phase == Phase::author || phase == Phase::complete;
}

}  // namespace outcheck::db
