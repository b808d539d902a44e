#pragma once
// Who sees which item of a request (Airlock's visibility.py): comments, votes and audit events
// alike. During independent review a reviewer sees only their own; private items are for the
// request's reviewers only; from earlier turns, and once the request is complete, public items are
// seen by everyone who can see the request.
#include "db/model.h"

namespace outcheck::db {

// An output checker who is not the author.
bool can_review(const User& viewer, const Request& r);

struct Item {
  const std::string& author;
  const std::string& visibility;  // public, private
  std::int64_t review_turn;
};

bool item_visible(const User& viewer, const Request& r, const Item& item);

// Whether the viewer may see other people's votes and the decisions they make.
bool votes_visible(const User& viewer, const Request& r);

}  // namespace outcheck::db
