// Views: a request, the list of requests, and the audit log, each with visibility applied.
#include "checker/workspace.h"
#include "db/service_internal.h"
#include "db/release_state.h"
#include "db/service_json.h"
#include "db/visibility.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <cstring>

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
RequestView request_view(const User& viewer, Request r, const fs::path& root) {
  RequestView view;
  for (const auto& f : r.files) view.output_files += f.filetype == "output";
  const bool see_votes = votes_visible(viewer, r);
  const bool reviewer = can_review(viewer, r);
  for (const auto& g : r.groups) {
    GroupView gv{g.name, g.context, g.controls, {}};
    for (const auto& c : r.comments) {
      if (c.group != g.name || !item_visible(viewer, r, {c.author, c.visibility, c.review_turn})) continue;
      gv.comments.push_back({c.author, c.text, c.visibility, c.created_at, c.review_turn});
    }
    view.groups.push_back(std::move(gv));
  }
  for (std::size_t i = 0; i < r.files.size(); ++i) {
    const RequestFile& f = r.files[i];
    FileView fv;
    fv.file = i;
    for (const auto& v : f.votes) {
      // A vote is live state of the current turn (a carried-over approval counts in it).
      static const std::string pub = "public";
      if (!item_visible(viewer, r, {v.reviewer, pub, r.review_turn})) continue;
      fv.votes.push_back({v.reviewer, vote_name(v.vote), v.review_turn, v.comment, v.override_reason});
    }
    if (see_votes && f.filetype == "output") {
      Decision d = r.decision(f);
      // Authors see a conflict as changes requested, as in Airlock.
      if (!reviewer && d == Decision::conflicted) d = Decision::changes_requested;
      fv.decision = decision_name(d);
    }
    fv.workspace_status = f.filetype == "withdrawn" ? "withdrawn"
                          : root.empty()             ? "unavailable"
                                                     : workspace_status(root, f);
    view.files.push_back(std::move(fv));
  }
  for (const auto& [name, at] : r.submitted_reviews) {
    static const std::string pub = "public";
    if (item_visible(viewer, r, {name, pub, r.review_turn})) view.reviews_submitted.emplace_back(name, at);
  }
  view.request = std::move(r);
  return view;
}

}  // namespace

Result<RequestView> Service::show(const User& actor, const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, require_request(id));
  if (auto s = check_can_view(actor, r); !s.ok()) return refuse(&actor, "request_show", id, s.error());
  // The workspace is checked again for this view, as at every operation; if it no longer passes,
  // the view says so and looks at nothing in it.
  auto root = request_workspace(r);
  const bool release_state = r.status == RequestStatus::reviewed || r.status == RequestStatus::approved;
  const bool approved = r.status == RequestStatus::approved;
  RequestView view = request_view(actor, std::move(r), root ? *root : fs::path());
  if (!root) view.workspace_problem = root.error().message;
  if (release_state) {
    // Why the last release attempt stopped, so the checkers see it where they look.
    OUTCHECK_ASSIGN_OR_RETURN(auto st, home_.db.prepare(
        "SELECT details, at, user, visibility, review_turn FROM audit_log WHERE request_id = ? AND action = 'release_stopped' "
        "ORDER BY seq DESC LIMIT 1"));
    st.bind(1, id);
    if (st.step() && audit_row_visible(actor, &view.request, {st.text(2), "release_stopped", st.text(3),
                                                              st.is_null(4) ? 0 : st.integer(4)})) {
      auto details = nlohmann::json::parse(st.text(0), nullptr, false);
      view.release_problem = ReleaseProblem{st.text(1), details.is_object() ? details.value("problem", "") : ""};
    }
  }
  // Approved with files still to upload and nobody releasing it: a release was cut short (issue 21).
  if (approved) {
    OUTCHECK_ASSIGN_OR_RETURN(auto cut, release_interruption(home_.db, view.request, now()));
    view.release_interrupted = std::move(cut);
  }
  return view;
}

namespace {

const char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

Result<std::int64_t> limit_ok(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageLimit) {
    return invalid_input("limit " + std::to_string(page.limit) + ": give 1 to " + std::to_string(kMaxPageLimit));
  }
  return static_cast<std::int64_t>(page.limit);
}

// The views: actions that only read (a stored file looked at). `event=changes` leaves them out.
constexpr const char* kViewActions = "('file_view')";

}  // namespace

std::string encode_cursor(const std::string& key) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : key) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kBase64Url[(acc << (6 - bits)) & 63];
  return out;
}

Result<std::string> decode_cursor(const std::string& cursor) {
  auto bad = [&] { return invalid_input("cursor \"" + cursor.substr(0, 64) + "\": not a cursor this server gave"); };
  if (cursor.empty() || cursor.size() > 256) return bad();
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : cursor) {
    const char* at = std::strchr(kBase64Url, c);
    if (c == '\0' || !at) return bad();
    acc = (acc << 6) | static_cast<std::uint32_t>(at - kBase64Url);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// Keyset pagination on the requests' primary key (id > ?1); each filter is an equality on an
// indexed column (schema version 5); `needs` reads submitted_reviews by its primary key. A viewer
// who is not an output checker sees only their own requests (check_can_view), said here as
// `author = ?6`; each row is still checked against check_can_view itself before it counts.
std::string request_list_sql(const RequestFilter& f, bool sees_all) {
  // A list row needs the request's own columns and its count of output files, nothing more: one
  // query, not a whole request read per row.
  std::string sql = std::string("SELECT ") + kRequestHeadColumns +
                    ", (SELECT count(*) FROM request_files f WHERE f.request_id = requests.id AND f.filetype = 'output') "
                    "FROM requests WHERE id > ?1";
  if (f.state) sql += " AND status = ?2";
  if (f.workspace) sql += " AND workspace = ?3";
  if (f.author) sql += " AND author = ?4";
  if (f.needs_my_vote) {
    sql += " AND status IN ('submitted', 'partially_reviewed') AND author <> ?5 AND NOT EXISTS (SELECT 1 FROM "
           "submitted_reviews s WHERE s.request_id = requests.id AND s.reviewer = ?5 AND s.review_turn = "
           "requests.review_turn)";
  }
  if (!sees_all) sql += " AND author = ?6";
  return sql + " ORDER BY id";
}

// Keyset pagination on seq (the rowid: seq > ?1). A viewer who is neither an output checker nor
// an admin can see only rows of requests they wrote and their own rows that name no request
// (audit_row_visible's first tests); only those rows are read for them. Every row read is then
// judged by audit_row_visible, which alone decides.
std::string audit_list_sql(const AuditFilter& f, bool sees_all) {
  std::string sql =
      "SELECT seq, at, user, action, request_id, path, details, review_turn, visibility FROM audit_log WHERE seq > ?1";
  if (f.request_id) sql += " AND request_id = ?2";
  if (f.user) sql += " AND user = ?3";
  if (f.event) sql += *f.event == "changes" ? std::string(" AND action NOT IN ") + kViewActions : " AND action = ?4";
  if (f.since) sql += " AND at >= ?5";
  if (f.until) sql += " AND at < ?6";
  if (!sees_all) {
    sql += " AND ((request_id IS NULL AND user = ?7) OR request_id IN (SELECT id FROM requests WHERE author = ?7))";
  }
  return sql + " ORDER BY seq";
}

Result<Page<RequestSummary>> Service::list(const User& actor, const RequestFilter& filter, const PageRequest& page) {
  OUTCHECK_ASSIGN_OR_RETURN(auto limit, limit_ok(page));
  if (filter.state && !status_from_name(*filter.state)) {
    return invalid_input("--status " + *filter.state + " (state): use pending, submitted, partially_reviewed, reviewed, returned, "
                         "approved, released, rejected or withdrawn");
  }
  std::string after;
  if (page.cursor) {
    OUTCHECK_ASSIGN_OR_RETURN(auto key, decode_cursor(*page.cursor));
    if (key.rfind("r:", 0) != 0) return invalid_input("cursor: not a cursor of the request list");
    after = key.substr(2);
  }
  Page<RequestSummary> out;
  // Needs my vote: only an output checker ever needs to vote.
  if (filter.needs_my_vote && !actor.is_checker()) return out;
  const bool sees_all = actor.is_checker();
  OUTCHECK_ASSIGN_OR_RETURN(auto st, home_.db.prepare(request_list_sql(filter, sees_all)));
  st.bind(1, after);
  if (filter.state) st.bind(2, *filter.state);
  if (filter.workspace) st.bind(3, *filter.workspace);
  if (filter.author) st.bind(4, *filter.author);
  if (filter.needs_my_vote) st.bind(5, actor.name);
  if (!sees_all) st.bind(6, actor.name);
  // One more visible row than the limit says whether a next page exists.
  std::string last;
  while (st.step()) {
    const Request r = request_head(st, 0);
    // The query already keeps to what the caller may see; the permission still decides.
    if (!check_can_view(actor, r).ok()) continue;
    if (static_cast<std::int64_t>(out.rows.size()) == limit) {
      out.next = encode_cursor("r:" + last);
      break;
    }
    last = r.id;
    out.rows.push_back(RequestSummary{r, st.integer(10)});
  }
  if (st.failed()) return st.error();
  return out;
}

Result<Page<AuditRowView>> Service::audit_log(const User& actor, const AuditFilter& filter, const PageRequest& page) {
  OUTCHECK_ASSIGN_OR_RETURN(auto limit, limit_ok(page));
  std::int64_t after = 0;
  if (page.cursor) {
    OUTCHECK_ASSIGN_OR_RETURN(auto key, decode_cursor(*page.cursor));
    char* end = nullptr;
    const long long v = key.rfind("a:", 0) == 0 ? std::strtoll(key.c_str() + 2, &end, 10) : -1;
    if (v < 0 || !end || *end != '\0' || key.size() < 3) return invalid_input("cursor: not a cursor of the audit log");
    after = v;
  }
  if (filter.event && (filter.event->empty() || filter.event->size() > 64)) {
    return invalid_input("event: give an action name (vote, file_view, ...) or \"changes\"");
  }
  const bool sees_all = actor.is_checker() || actor.is_admin();
  OUTCHECK_ASSIGN_OR_RETURN(auto st, home_.db.prepare(audit_list_sql(filter, sees_all)));
  st.bind(1, after);
  if (filter.request_id) st.bind(2, *filter.request_id);
  if (filter.user) st.bind(3, *filter.user);
  if (filter.event && *filter.event != "changes") st.bind(4, *filter.event);
  if (filter.since) st.bind(5, *filter.since);
  if (filter.until) st.bind(6, *filter.until);
  if (!sees_all) st.bind(7, actor.name);
  // Requests as the blinding needs them (the row alone), each read once per page.
  std::map<std::string, std::optional<Request>> requests;
  Page<AuditRowView> out;
  std::int64_t last = 0;
  while (st.step()) {
    std::string user = st.text(2), action = st.text(3), visibility = st.text(8);
    std::optional<std::string> rid = st.opt_text(4);
    std::int64_t turn = st.is_null(7) ? 0 : st.integer(7);
    if (rid) {
      auto it = requests.find(*rid);
      if (it == requests.end()) {
        OUTCHECK_ASSIGN_OR_RETURN(auto loaded, load_request_head(home_.db, *rid));
        it = requests.emplace(*rid, std::move(loaded)).first;
      }
      if (!it->second) continue;
      // Blinding and privacy apply to the log as to the request itself, for every role.
      if (!audit_row_visible(actor, &*it->second, {user, action, visibility, turn})) continue;
    } else if (!audit_row_visible(actor, nullptr, {user, action, visibility, turn})) {
      continue;
    }
    if (static_cast<std::int64_t>(out.rows.size()) == limit) {
      out.next = encode_cursor("a:" + std::to_string(last));
      break;
    }
    last = st.integer(0);
    out.rows.push_back(AuditRowView{last, st.text(1), user, action, rid, st.opt_text(5), st.text(6)});
  }
  if (st.failed()) return st.error();
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
