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
// Where a path a client sent leads, judged by names alone (nothing in the workspace is opened;
// service_files.cpp). Folders are resolved (links followed); a last component that is a link is
// followed to where its chain ends. Inside: a workspace file or folder, there now. Missing: a name
// inside the workspace, reached through real folders only, with nothing there. Outside: anything
// else, whether or not something is there, so the answer says nothing about what lies outside.
struct ClientPath {
  enum Place { inside, missing, outside } place = outside;
  std::string rel;                 // workspace-relative ("" for the workspace itself); not for outside
  std::filesystem::path location;  // `ws_root`/rel (inside only)
  bool via_link = false;           // outside only: the name lies in the workspace but leads out of it
};
// `ws_root`: canonical (Service::request_workspace). `abs`: absolute and lexically normal.
ClientPath place_of(const std::filesystem::path& ws_root, const std::filesystem::path& abs);
// A client's path from its working directory: absolute, lexically normal, no trailing separator.
// What a message may name of a path outside the workspace: the client's own words, nothing resolved.
std::filesystem::path client_abs(const std::string& arg, const std::filesystem::path& cwd);
// "SHOWN (outside_workspace: ...)", the one answer for every path outside, there or not.
std::string outside_line(const std::string& shown, bool via_link);
// The lines of a message, at most `cap` of them and then how many more: errors and audit rows stay
// small whatever a client names.
std::string capped_lines(const std::vector<std::string>& lines, std::size_t cap = 20);

// Workspace names are one safe path segment (letters, digits, '.', '_', '-'; not "." or ".."; at
// most 100 characters): 400 otherwise.
Status check_workspace_name(const std::string& name);

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
