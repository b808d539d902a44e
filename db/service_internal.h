#pragma once
// Shared by the service's .cpp files only.
#include <vector>

#include "checker/policy_set.h"
#include "db/permissions.h"
#include "db/request_store.h"
#include "db/service.h"

namespace outcheck::db {

struct SitePolicy {
  StoredPolicy stored;
  checker::PolicySet policies;
};
// The policy every request uses: the one `policy set` stored, else the opensafely preset.
Result<SitePolicy> load_site_policy(Database& db);

inline AuditEvent make_event(const User& actor, const std::string& action, const Request& r,
                             nlohmann::json details = nlohmann::json::object(),
                             std::optional<std::string> path = std::nullopt, std::string visibility = "public") {
  AuditEvent e;
  e.user = actor.name;
  e.action = action;
  e.request_id = r.id;
  e.path = std::move(path);
  e.details = std::move(details);
  e.review_turn = r.review_turn;
  e.visibility = std::move(visibility);
  return e;
}

// `change(request, events)` runs inside one immediate transaction, with the request as it is now.
// It returns OK to commit (with its audit events) or an error to roll back; a refusal is recorded.
template <class F>
Status Service::in_request_transaction(const User& actor, const std::string& action, const std::string& id, F change,
                                       const std::optional<std::string>* subject) {
  Error failure;
  bool failed = false;
  {
    Transaction tx(home_.db);
    OUTCHECK_TRY(tx.begin());
    auto loaded = load_request(home_.db, id);
    if (!loaded) return loaded.error();
    if (!*loaded) return not_found("no request " + id + " (outcheck request list shows yours)");
    std::vector<AuditEvent> events;
    Status s = change(**loaded, events);
    if (s.ok()) {
      AuditHead head;
      for (const auto& e : events) {
        auto h = home_.audit.append(home_.db, e, now());
        if (!h) return h.error();
        head = *h;
      }
      OUTCHECK_TRY(tx.commit());
      if (!events.empty()) home_.audit.record_head(head);
      return Status::OK();
    }
    failure = s.error();
    failed = true;
  }  // rolled back here, before the refusal is written in a transaction of its own
  if (failed && failure.kind == ErrorKind::refused) {
    return refuse(&actor, action, id, failure, subject ? *subject : std::nullopt);
  }
  return failure;
}

}  // namespace outcheck::db
