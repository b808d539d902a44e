#include "db/model.h"

namespace outcheck::db {

namespace {

struct StatusName {
  RequestStatus status;
  const char* name;
};
constexpr StatusName kStatuses[] = {
    {RequestStatus::pending, "pending"},   {RequestStatus::submitted, "submitted"}, {RequestStatus::partially_reviewed, "partially_reviewed"},
    {RequestStatus::reviewed, "reviewed"}, {RequestStatus::returned, "returned"},   {RequestStatus::approved, "approved"},
    {RequestStatus::released, "released"}, {RequestStatus::rejected, "rejected"},   {RequestStatus::withdrawn, "withdrawn"},
};

}  // namespace

const char* status_name(RequestStatus s) {
  for (const auto& x : kStatuses) {
    if (x.status == s) return x.name;
  }
  return "pending";
}

std::optional<RequestStatus> status_from_name(const std::string& s) {
  for (const auto& x : kStatuses) {
    if (s == x.name) return x.status;
  }
  return std::nullopt;
}

const char* vote_name(Vote v) {
  switch (v) {
    case Vote::approved: return "approved";
    case Vote::changes_requested: return "changes_requested";
    case Vote::undecided: return "undecided";
  }
  return "undecided";
}

std::optional<Vote> vote_from_name(const std::string& s) {
  if (s == "approved") return Vote::approved;
  if (s == "changes_requested") return Vote::changes_requested;
  if (s == "undecided") return Vote::undecided;
  return std::nullopt;
}

const char* decision_name(Decision d) {
  switch (d) {
    case Decision::incomplete: return "incomplete";
    case Decision::approved: return "approved";
    case Decision::conflicted: return "conflicted";
    case Decision::changes_requested: return "changes_requested";
  }
  return "incomplete";
}

Phase phase_of(RequestStatus s) {
  switch (s) {
    case RequestStatus::pending:
    case RequestStatus::returned: return Phase::author;
    case RequestStatus::submitted:
    case RequestStatus::partially_reviewed: return Phase::independent;
    case RequestStatus::reviewed: return Phase::consolidating;
    default: return Phase::complete;
  }
}

bool transition_allowed(RequestStatus from, RequestStatus to) {
  switch (from) {
    case RequestStatus::pending: return to == RequestStatus::submitted || to == RequestStatus::withdrawn;
    case RequestStatus::submitted: return to == RequestStatus::partially_reviewed || to == RequestStatus::returned;
    case RequestStatus::partially_reviewed: return to == RequestStatus::reviewed || to == RequestStatus::returned;
    case RequestStatus::reviewed: return to == RequestStatus::approved || to == RequestStatus::rejected || to == RequestStatus::returned;
    case RequestStatus::returned: return to == RequestStatus::submitted || to == RequestStatus::withdrawn;
    case RequestStatus::approved: return to == RequestStatus::released;
    default: return false;
  }
}

bool is_final(RequestStatus s) { return s == RequestStatus::withdrawn || s == RequestStatus::rejected || s == RequestStatus::released; }

bool is_active(RequestStatus s) { return !is_final(s) && s != RequestStatus::approved; }

const RequestFile* Request::file(const std::string& relpath) const {
  for (const auto& f : files) {
    if (f.relpath == relpath) return &f;
  }
  return nullptr;
}

const FileGroup* Request::group(const std::string& name) const {
  for (const auto& g : groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

Decision Request::decision(const RequestFile& f) const {
  int counted = 0, approved = 0, changes = 0;
  for (const auto& v : f.votes) {
    if (!submitted_reviews.count(v.reviewer) || v.vote == Vote::undecided) continue;
    ++counted;
    if (v.vote == Vote::approved) ++approved;
    else ++changes;
  }
  if (counted < 2) return Decision::incomplete;
  if (approved >= 2) return Decision::approved;
  if (approved > 0 && changes > 0) return Decision::conflicted;
  return Decision::changes_requested;
}

}  // namespace outcheck::db
