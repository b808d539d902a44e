#pragma once
// Who sees which item of a request (Airlock's visibility.py): votes, comments, submitted reviews and
// audit rows alike, for every role, admins included. During independent review a reviewer sees only
// their own; private items are for the request's reviewers only (never its author, whatever other
// roles the author has); from earlier turns, and once the request is complete, public items are seen
// by everyone who can see the request.
#include <cstdint>
#include <string>

#include "db/model.h"

namespace outcheck::db {

// An output checker who is not the author.
bool can_review(const User& viewer, const Request& r);

struct Item {
  const std::string& author;
  const std::string& visibility;  // public, private
  std::int64_t review_turn;
};

// The one rule: whether `viewer` may see `item` of request `r` now.
bool item_visible(const User& viewer, const Request& r, const Item& item);

// Whether the viewer may see other people's current votes and the decisions they make: a vote is
// live state of the current turn (an approval carried over from an earlier turn counts in this
// one), so it is judged as an item of the current turn.
bool votes_visible(const User& viewer, const Request& r);

// One audit row as a viewer would be shown it.
struct AuditRowFacts {
  const std::string& user;
  const std::string& action;
  const std::string& visibility;  // public, private
  std::int64_t review_turn;       // 0 when the row has none
};

// What a user may see of an audit row: every view of the audit log (API, page, CLI), the request
// view's release problem and anything else read from the log asks this and nothing else. `r` is the
// row's request, null when the row names none.
bool audit_row_visible(const User& viewer, const Request* r, const AuditRowFacts& row);

}  // namespace outcheck::db
