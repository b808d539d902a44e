// Views: a request, the list of requests, and the audit log, each with visibility applied.
#include "checker/workspace.h"
#include "db/service_internal.h"
#include "db/visibility.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

namespace fs = std::filesystem;

namespace outcheck::db {

namespace {

// Whether the workspace file still looks as it did when it was added (Airlock's workspace file
// status), from stat data alone: a view never opens a workspace file (a FIFO or a slow mount there
// must not hold up a reviewer's page). Same device, inode, size and modification time as recorded
// (size and time only for files added before schema 4 kept the first two) is "under_review"; anything else at that name is "updated"; nothing there, or a name that now leads
// outside the workspace, is "missing" (one answer, so nothing outside is probed through it). This is
// only what the page says about the workspace, never what is released (the stored copy is).
std::string workspace_status(const fs::path& root, const RequestFile& f) {
  const fs::path p = root / f.relpath;
  char real[PATH_MAX];
  if (!::realpath(p.c_str(), real)) return "missing";
  if (!checker::relative_inside(root, fs::path(real))) return "missing";
  struct stat st;
  if (::stat(real, &st) != 0) return "missing";
  if (!S_ISREG(st.st_mode)) return "updated";
  if (st.st_size != f.size || mtime_iso(st) != f.mtime) return "updated";
  if (f.device && f.inode &&
      (static_cast<std::int64_t>(st.st_dev) != *f.device || static_cast<std::int64_t>(st.st_ino) != *f.inode)) {
    return "updated";
  }
  return "under_review";
}

// `root`: the request's workspace folder as checked for this view, or empty when it no longer
// passes (each file's workspace status is then "unavailable", and nothing there is looked at).
nlohmann::json request_json(const User& viewer, const Request& r, bool details, const fs::path& root = {}) {
  nlohmann::json j{{"id", r.id},
                   {"workspace", r.workspace},
                   {"author", r.author},
                   {"status", status_name(r.status)},
                   {"review_turn", r.review_turn},
                   {"created_at", r.created_at},
                   {"updated_at", r.updated_at},
                   {"submitted_at", r.submitted_at ? nlohmann::json(*r.submitted_at) : nlohmann::json(nullptr)}};
  int outputs = 0;
  for (const auto& f : r.files) outputs += f.filetype == "output";
  j["output_files"] = outputs;
  if (!details) return j;
  j["workspace_path"] = r.workspace_path;
  const bool see_votes = votes_visible(viewer, r);
  const bool reviewer = can_review(viewer, r);
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : r.groups) {
    nlohmann::json comments = nlohmann::json::array();
    for (const auto& c : r.comments) {
      if (c.group != g.name || !item_visible(viewer, r, {c.author, c.visibility, c.review_turn})) continue;
      comments.push_back({{"author", c.author}, {"text", c.text}, {"visibility", c.visibility},
                          {"review_turn", c.review_turn}, {"created_at", c.created_at}});
    }
    groups.push_back({{"name", g.name}, {"context", g.context}, {"controls", g.controls}, {"comments", comments}});
  }
  j["groups"] = groups;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : r.files) {
    nlohmann::json report = nlohmann::json::parse(f.report, nullptr, false);
    nlohmann::json votes = nlohmann::json::array();
    for (const auto& v : f.votes) {
      // A vote is live state of the current turn (a carried-over approval counts in it).
      static const std::string pub = "public";
      if (!item_visible(viewer, r, {v.reviewer, pub, r.review_turn})) continue;
      nlohmann::json vj{{"reviewer", v.reviewer}, {"vote", vote_name(v.vote)}, {"review_turn", v.review_turn}};
      if (v.comment) vj["comment"] = *v.comment;
      if (v.override_reason) vj["override"] = *v.override_reason;
      votes.push_back(vj);
    }
    nlohmann::json decision = nullptr;
    if (see_votes && f.filetype == "output") {
      Decision d = r.decision(f);
      // Authors see a conflict as changes requested, as in Airlock.
      if (!reviewer && d == Decision::conflicted) d = Decision::changes_requested;
      decision = decision_name(d);
    }
    files.push_back({{"path", f.relpath},
                     {"group", f.group},
                     {"type", f.filetype},
                     {"sha256", f.sha256},
                     {"size", f.size},
                     {"privacy", f.privacy},
                     {"outcome", f.outcome},
                     {"findings", report.is_object() ? report.value("findings", nlohmann::json::array()) : nlohmann::json::array()},
                     {"finding_counts", report.is_object() ? report.value("finding_counts", nlohmann::json::object()) : nlohmann::json::object()},
                     {"decision", decision},
                     {"votes", votes},
                     {"workspace_status", f.filetype == "withdrawn" ? "withdrawn"
                                          : root.empty()             ? "unavailable"
                                                                     : workspace_status(root, f)}});
  }
  j["files"] = files;
  nlohmann::json reviews = nlohmann::json::array();
  for (const auto& [name, at] : r.submitted_reviews) {
    static const std::string pub = "public";
    if (item_visible(viewer, r, {name, pub, r.review_turn})) reviews.push_back({{"reviewer", name}, {"submitted_at", at}});
  }
  j["reviews_submitted"] = reviews;
  return j;
}

}  // namespace

Result<nlohmann::json> Service::show(const User& actor, const std::string& id) {
  auto r = require_request(id);
  if (!r) return r.error();
  if (auto s = check_can_view(actor, *r); !s.ok()) return refuse(&actor, "request_show", id, s.error());
  // The workspace is checked again for this view, as at every operation; if it no longer passes,
  // the view says so and looks at nothing in it.
  auto root = request_workspace(*r);
  nlohmann::json j = request_json(actor, *r, true, root ? *root : fs::path());
  j["workspace_problem"] = root ? nlohmann::json(nullptr) : nlohmann::json(root.error().message);
  j["release_target"] = r->release_target ? nlohmann::json(*r->release_target) : nlohmann::json(nullptr);
  j["release_problem"] = nullptr;
  if (r->status == RequestStatus::reviewed || r->status == RequestStatus::approved) {
    // Why the last release attempt stopped, so the checkers see it where they look.
    auto st = home_.db.prepare(
        "SELECT details, at, user, visibility, review_turn FROM audit_log WHERE request_id = ? AND action = 'release_stopped' "
        "ORDER BY seq DESC LIMIT 1");
    if (!st) return st.error();
    st->bind(1, id);
    if (st->step() && audit_row_visible(actor, &*r, {st->text(2), "release_stopped", st->text(3),
                                                     st->is_null(4) ? 0 : st->integer(4)})) {
      auto details = nlohmann::json::parse(st->text(0), nullptr, false);
      j["release_problem"] = {{"at", st->text(1)}, {"problem", details.is_object() ? details.value("problem", "") : ""}};
    }
  }
  return j;
}

Result<nlohmann::json> Service::list(const User& actor, const std::optional<std::string>& status, bool mine) {
  if (status && !status_from_name(*status)) {
    return invalid_input("--status " + *status + ": use pending, submitted, partially_reviewed, reviewed, returned, "
                         "approved, released, rejected or withdrawn");
  }
  auto ids = request_ids(home_.db);
  if (!ids) return ids.error();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& id : *ids) {
    auto r = require_request(id);
    if (!r) return r.error();
    if (!check_can_view(actor, *r).ok()) continue;
    if (mine && r->author != actor.name) continue;
    if (status && status_name(r->status) != *status) continue;
    out.push_back(request_json(actor, *r, false));
  }
  return out;
}

Result<nlohmann::json> Service::audit_log(const User& actor, const AuditFilter& filter) {
  std::string sql =
      "SELECT seq, at, user, action, request_id, path, details, review_turn, visibility FROM audit_log WHERE 1=1";
  if (filter.request_id) sql += " AND request_id = ?1";
  if (filter.user) sql += " AND user = ?2";
  if (filter.since) sql += " AND at >= ?3";
  if (filter.until) sql += " AND at < ?4";
  sql += " ORDER BY seq";
  auto st = home_.db.prepare(sql);
  if (!st) return st.error();
  if (filter.request_id) st->bind(1, *filter.request_id);
  if (filter.user) st->bind(2, *filter.user);
  if (filter.since) st->bind(3, *filter.since);
  if (filter.until) st->bind(4, *filter.until);
  std::map<std::string, std::optional<Request>> requests;
  nlohmann::json out = nlohmann::json::array();
  while (st->step()) {
    std::string user = st->text(2), action = st->text(3), visibility = st->text(8);
    std::optional<std::string> rid = st->opt_text(4);
    std::int64_t turn = st->is_null(7) ? 0 : st->integer(7);
    if (rid) {
      auto it = requests.find(*rid);
      if (it == requests.end()) {
        auto loaded = load_request(home_.db, *rid);
        if (!loaded) return loaded.error();
        it = requests.emplace(*rid, std::move(*loaded)).first;
      }
      if (!it->second) continue;
      // Blinding and privacy apply to the log as to the request itself, for every role.
      if (!audit_row_visible(actor, &*it->second, {user, action, visibility, turn})) continue;
    } else if (!audit_row_visible(actor, nullptr, {user, action, visibility, turn})) {
      continue;
    }
    out.push_back({{"seq", st->integer(0)},
                   {"at", st->text(1)},
                   {"user", user},
                   {"action", action},
                   {"request", rid ? nlohmann::json(*rid) : nlohmann::json(nullptr)},
                   {"path", st->is_null(5) ? nlohmann::json(nullptr) : nlohmann::json(st->text(5))},
                   {"details", nlohmann::json::parse(st->text(6), nullptr, false)}});
  }
  if (st->failed()) return st->error();
  return out;
}

Result<std::vector<std::string>> Service::audit_verify(const User& actor) {
  if (auto s = check_can_read_audit(actor); !s.ok()) return refuse(&actor, "audit_verify", std::nullopt, s.error());
  return home_.audit.verify(home_.db);
}

Result<AuditHead> Service::audit_head(const User& actor) {
  if (auto s = check_can_read_audit(actor); !s.ok()) return refuse(&actor, "audit_head", std::nullopt, s.error());
  return home_.audit.head(home_.db);
}

}  // namespace outcheck::db
