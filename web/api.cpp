#include "web/api.h"

#include <cctype>
#include <functional>
#include <vector>

#include "db/home.h"
#include "db/permissions.h"
#include "db/service.h"
#include "db/service_json.h"
#include "release/release_record.h"
#include "web/html.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace outcheck::web {

namespace {

struct Call {
  const ApiRequest& request;
  db::Service& service;
  std::optional<db::User> user;     // set for every route that needs one
  std::vector<std::string> params;  // the path's variable segments, in order
  const ApiSettings& settings;
  std::optional<std::string> next_cursor;  // set by a list with more rows
};

std::optional<std::string> query_value(const std::map<std::string, std::string>& query, const char* key) {
  auto it = query.find(key);
  if (it == query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

bool query_flag(const std::map<std::string, std::string>& query, const char* key) {
  auto v = query_value(query, key);
  return v && (*v == "1" || *v == "true");
}

// Body fields, with the type checked: a client's mistake is a 400 naming the field.
Result<std::string> text_field(const json& body, const char* key, bool required, std::string fallback = "") {
  if (!body.is_object() || !body.contains(key) || body[key].is_null()) {
    if (required) return invalid_input(std::string("the request body needs \"") + key + "\"");
    return fallback;
  }
  if (!body[key].is_string()) return invalid_input(std::string("\"") + key + "\" must be a string");
  return body[key].get<std::string>();
}

Result<std::vector<std::string>> list_field(const json& body, const char* key) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_array() || body[key].empty()) {
    return invalid_input(std::string("the request body needs \"") + key + "\", a list of strings");
  }
  std::vector<std::string> out;
  for (const auto& v : body[key]) {
    if (!v.is_string()) return invalid_input(std::string("\"") + key + "\" must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<bool> flag_field(const json& body, const char* key) {
  if (!body.is_object() || !body.contains(key) || body[key].is_null()) return false;
  if (!body[key].is_boolean()) return invalid_input(std::string("\"") + key + "\" must be true or false");
  return body[key].get<bool>();
}

std::optional<std::string> non_empty(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

json ok_message(const std::string& message) { return json{{"ok", true}, {"message", message}}; }

Result<json> from_status(const Status& s, const std::string& message) {
  if (!s.ok()) return s.error();
  return ok_message(message);
}

// The directory the client's relative paths start from: its own working directory when it sent
// one, else the request's workspace (paths are then workspace-relative).
Result<fs::path> base_dir(Call& c, const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto cwd, text_field(c.request.body, "cwd", false));
  if (!cwd.empty()) {
    if (fs::path(cwd).is_relative()) return invalid_input("\"cwd\" must be an absolute path");
    return fs::path(cwd);
  }
  if (id.empty()) return invalid_input("the request body needs \"cwd\", an absolute path");
  OUTCHECK_ASSIGN_OR_RETURN(auto shown, c.service.show(*c.user, id));
  return fs::path(shown.request.workspace_path);
}

fs::path resolve(const fs::path& base, const std::string& p) { return fs::path(p).is_relative() ? base / p : fs::path(p); }

// ---- users and the site policy

Result<json> me(Call& c) {
  return json{{"name", c.user->name}, {"roles", std::vector<std::string>(c.user->roles.begin(), c.user->roles.end())}};
}

Result<json> add_user(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto name, text_field(c.request.body, "name", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto roles, list_field(c.request.body, "roles"));
  OUTCHECK_ASSIGN_OR_RETURN(auto any, c.service.has_users());
  if (any) {  // anyone may add the first user; after that, only an admin
    OUTCHECK_ASSIGN_OR_RETURN(auto u, c.service.authenticate(c.request.token));
    c.user = u;
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto token, c.service.add_user(c.user ? &*c.user : nullptr, name, roles));
  return json{{"name", name}, {"roles", roles}, {"token", token}};
}

Result<json> list_users(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto users, c.service.list_users(*c.user));
  json j = json::array();
  for (const auto& x : users) {
    j.push_back({{"name", x.name}, {"roles", std::vector<std::string>(x.roles.begin(), x.roles.end())},
                 {"disabled", x.disabled}, {"created_at", x.created_at}});
  }
  return j;
}

Result<json> disable_user(Call& c) {
  return from_status(c.service.disable_user(*c.user, c.params[0]), "user " + c.params[0] + " disabled");
}

Result<json> show_policy(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto shown, c.service.show_policy());
  return db::shown_policy_json(shown);
}

Result<json> set_policy(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto name, text_field(c.request.body, "policy", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto content, text_field(c.request.body, "content", false));
  OUTCHECK_ASSIGN_OR_RETURN(auto stored, c.service.set_policy_text(*c.user, name, content));
  return db::stored_policy_json(stored);
}

// ---- requests

Result<json> create_request(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto ws, text_field(c.request.body, "workspace", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto name, text_field(c.request.body, "workspace_name", false));
  OUTCHECK_ASSIGN_OR_RETURN(auto base, base_dir(c, ""));
  fs::path workspace = resolve(base, ws);
  // The service checks it lies inside --workspaces (set on it in Api::handle).
  OUTCHECK_ASSIGN_OR_RETURN(auto created, c.service.create_request(*c.user, workspace, non_empty(name)));
  return json{{"id", created.id}, {"existed", created.existed}};
}

Result<json> list_requests(Call& c) {
  const auto& q = c.request.query;
  OUTCHECK_ASSIGN_OR_RETURN(auto page, page_from_query(q));
  db::RequestFilter f;
  f.state = query_value(q, "state");
  if (!f.state) f.state = query_value(q, "status");  // the name before lists had filters
  f.workspace = query_value(q, "workspace");
  f.author = query_value(q, "author");
  if (query_flag(q, "mine")) {
    if (f.author && *f.author != c.user->name) return json::array();  // nobody is both
    f.author = c.user->name;
  }
  if (auto needs = query_value(q, "needs")) {
    if (*needs != "my-vote") return invalid_input("needs=" + *needs + ": the one value is my-vote");
    f.needs_my_vote = true;
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto listed, c.service.list(*c.user, f, page));
  c.next_cursor = listed.next;
  return db::rows_json(listed, db::request_summary_json);
}

Result<json> show_request(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto shown, c.service.show(*c.user, c.params[0]));
  return db::request_view_json(shown);
}
Result<json> request_actions(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto actions, c.service.actions(*c.user, c.params[0]));
  return db::request_actions_json(actions);
}

// The body's paths, from the client's working directory, given to `op`; its FileChanges as the
// reply, the changed files listed under `verb`.
template <class Op>
Result<json> with_paths(Call& c, const char* verb, Op op) {
  OUTCHECK_ASSIGN_OR_RETURN(auto paths, list_field(c.request.body, "paths"));
  OUTCHECK_ASSIGN_OR_RETURN(auto base, base_dir(c, c.params[0]));
  OUTCHECK_ASSIGN_OR_RETURN(auto changes, op(paths, base));
  return db::file_changes_json(changes, verb);
}

Result<json> add_files(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto group, text_field(c.request.body, "group", false, "default"));
  OUTCHECK_ASSIGN_OR_RETURN(auto type, text_field(c.request.body, "type", false, "output"));
  return with_paths(c, "added", [&](const std::vector<std::string>& paths, const fs::path& base) {
    return c.service.add_files(*c.user, c.params[0], paths, base, {group, type});
  });
}

Result<json> remove_files(Call& c) {
  return with_paths(c, "removed", [&](const std::vector<std::string>& paths, const fs::path& base) {
    return c.service.remove_files(*c.user, c.params[0], paths, base);
  });
}

Result<json> update_files(Call& c) {
  return with_paths(c, "updated", [&](const std::vector<std::string>& paths, const fs::path& base) {
    return c.service.update_files(*c.user, c.params[0], paths, base);
  });
}

Result<json> set_group(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto group, text_field(c.request.body, "group", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto context, text_field(c.request.body, "context", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto controls, text_field(c.request.body, "controls", true));
  return from_status(c.service.set_group(*c.user, c.params[0], group, context, controls),
                     "group " + group + " updated");
}

template <Status (db::Service::*op)(const db::User&, const std::string&)>
Result<json> transition(Call& c, const char* done) {
  return from_status((c.service.*op)(*c.user, c.params[0]), "request " + c.params[0] + " " + done);
}

// The folder or URL a release may go to, as one string to compare: folders absolute, normalised
// and with links resolved as far as they exist; URLs without trailing slashes.
std::string comparable_target(const std::string& t) {
  if (t.find("://") != std::string::npos) {
    std::string u = t;
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(t), ec);
  if (ec) p = fs::absolute(t).lexically_normal();
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

Result<json> release(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto to, text_field(c.request.body, "to", false));
  OUTCHECK_ASSIGN_OR_RETURN(auto ca, text_field(c.request.body, "ca_file", false));
  release::PublisherOptions options = c.settings.publish;
  if (!c.settings.caller_names_target) {
    // A server releases only to its own target (serve --release-to), with its own CA settings: the
    // job-server token in its environment must never go anywhere a client names. Refused before
    // anything is connected to or written.
    const std::string& target = c.settings.release_target;
    if (target.empty()) {
      return c.service.refuse(&*c.user, "request_release", c.params[0],
                              db::refused("this server has no release target (outcheck serve --release-to URL|DIR); "
                                          "nothing was sent"));
    }
    if (!ca.empty()) {
      return c.service.refuse(&*c.user, "request_release", c.params[0],
                              db::refused("a release through this server uses the server's own CA settings; "
                                          "--ca-file is refused and nothing was sent"));
    }
    if (!to.empty()) {
      std::string named = to;
      if (named.find("://") == std::string::npos) {
        OUTCHECK_ASSIGN_OR_RETURN(auto base, base_dir(c, c.params[0]));
        named = resolve(base, named).string();
      }
      if (comparable_target(named) != comparable_target(target)) {
        return c.service.refuse(&*c.user, "request_release", c.params[0],
                                db::refused("this server releases only to its own target (" + target + "), not to " +
                                            to + "; leave out --to. Nothing was sent"));
      }
    }
    return release::release_request(c.service, *c.user, c.params[0], target, options, c.settings.progress);
  }
  if (to.empty()) return invalid_input("the request body needs \"to\": a folder or an http(s) URL (--to)");
  const bool url = to.find("://") != std::string::npos;
  if (!url || !ca.empty()) {
    OUTCHECK_ASSIGN_OR_RETURN(auto base, base_dir(c, c.params[0]));
    if (!url) to = resolve(base, to).string();
    if (!ca.empty()) options.ca_file = resolve(base, ca).string();
  }
  return release::release_request(c.service, *c.user, c.params[0], to, options, c.settings.progress);
}

// ---- reviews

Result<json> vote(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto path, text_field(c.request.body, "path", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto choice, text_field(c.request.body, "vote", true));
  if (choice != "approve" && choice != "request-changes") {
    return invalid_input("vote " + choice + ": use approve or request-changes");
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto comment, text_field(c.request.body, "comment", false));
  OUTCHECK_ASSIGN_OR_RETURN(auto override_reason, text_field(c.request.body, "override", false));
  OUTCHECK_ASSIGN_OR_RETURN(auto base, base_dir(c, c.params[0]));
  db::Vote v = choice == "approve" ? db::Vote::approved : db::Vote::changes_requested;
  return from_status(c.service.vote(*c.user, c.params[0], path, base, v, non_empty(comment), non_empty(override_reason)),
                     "voted " + choice + " on " + path);
}

Result<json> comment(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto group, text_field(c.request.body, "group", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto text, text_field(c.request.body, "text", true));
  OUTCHECK_ASSIGN_OR_RETURN(auto is_private, flag_field(c.request.body, "private"));
  return from_status(c.service.comment(*c.user, c.params[0], group, text, is_private), "comment added");
}

Result<json> submit_review(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto st, c.service.submit_review(*c.user, c.params[0]));
  std::string status = db::status_name(st);
  return json{{"ok", true}, {"status", status}, {"message", "review submitted; request " + c.params[0] + " is " + status}};
}

// ---- the audit log

Result<json> audit_log(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto f, audit_filter_from_query(c.request.query));
  OUTCHECK_ASSIGN_OR_RETURN(auto page, page_from_query(c.request.query));
  if (query_flag(c.request.query, "all")) {
    // Every row at once. The server streams this itself (web/server.cpp, in bounded memory); here
    // (the CLI on a local home) the pages are joined.
    page.limit = db::kMaxPageLimit;
    json all = json::array();
    for (;;) {
      OUTCHECK_ASSIGN_OR_RETURN(auto rows, c.service.audit_log(*c.user, f, page));
      for (const auto& r : rows.rows) all.push_back(db::audit_row_json(r));
      if (!rows.next) return all;
      page.cursor = rows.next;
    }
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto rows, c.service.audit_log(*c.user, f, page));
  c.next_cursor = rows.next;
  return db::rows_json(rows, db::audit_row_json);
}

Result<json> audit_verify(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto problems, c.service.verify_record(*c.user));
  OUTCHECK_ASSIGN_OR_RETURN(auto head, c.service.audit_head(*c.user));
  return json{{"intact", problems.empty()}, {"problems", problems}, {"rows", head.seq}, {"head", head.hash}};
}

Result<json> audit_head(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto head, c.service.audit_head(*c.user));
  return json{{"seq", head.seq}, {"hash", head.hash}};
}

// ---- workspace membership

Result<json> workspace_members(Call& c) {
  auto w = c.request.query.find("workspace");
  OUTCHECK_ASSIGN_OR_RETURN(auto membership, c.service.list_workspace_members(
      *c.user, w == c.request.query.end() || w->second.empty() ? std::nullopt : std::optional(w->second)));
  return db::membership_json(membership);
}

Result<json> grant_workspace(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto user, text_field(c.request.body, "user", true));
  return from_status(c.service.grant_workspace(*c.user, c.params[0], user),
                     user + " is a member of workspace " + c.params[0]);
}

Result<json> revoke_workspace(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto user, text_field(c.request.body, "user", true));
  return from_status(c.service.revoke_workspace(*c.user, c.params[0], user),
                     user + " is no longer a member of workspace " + c.params[0]);
}

Result<json> workspace_access(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto mode, text_field(c.request.body, "mode", true));
  return from_status(c.service.set_workspace_access(*c.user, mode), "workspace access: " + mode);
}

// The record of a released request (issue 16), as released: the stored text, for the request's
// reviewers; for anyone else who may see the request (its author), the public copy, as job-server
// shows it.
Result<json> release_record(Call& c) {
  OUTCHECK_ASSIGN_OR_RETURN(auto stored, c.service.release_record(*c.user, c.params[0]));
  json record = json::parse(stored.text, nullptr, false);
  if (!record.is_object()) return io_error("the release record of request " + c.params[0] + " is not JSON");
  if (!stored.private_items_visible) record = release::public_release_record(record);
  return record;
}

struct Route {
  const char* method;
  const char* pattern;  // segments after /api/; ":x" matches any one segment
  bool needs_user;
  int success;          // the HTTP status of a success
  std::function<Result<json>(Call&)> run;
};

const std::vector<Route>& routes() {
  static const std::vector<Route> kRoutes = {
      {"GET", "me", true, 200, me},
      {"POST", "users", false, 201, add_user},
      {"GET", "users", true, 200, list_users},
      {"POST", "users/:name/disable", true, 200, disable_user},
      {"GET", "policy", true, 200, show_policy},
      {"PUT", "policy", true, 200, set_policy},
      {"POST", "requests", true, 201, create_request},
      {"GET", "requests", true, 200, list_requests},
      {"GET", "requests/:id", true, 200, show_request},
      {"GET", "requests/:id/actions", true, 200, request_actions},
      {"GET", "requests/:id/release-record", true, 200, release_record},
      {"POST", "requests/:id/files", true, 200, add_files},
      {"POST", "requests/:id/files/remove", true, 200, remove_files},
      {"POST", "requests/:id/files/update", true, 200, update_files},
      {"POST", "requests/:id/groups", true, 200, set_group},
      {"POST", "requests/:id/submit", true, 200, [](Call& c) { return transition<&db::Service::submit>(c, "submitted"); }},
      {"POST", "requests/:id/withdraw", true, 200, [](Call& c) { return transition<&db::Service::withdraw>(c, "withdrawn"); }},
      {"POST", "requests/:id/return", true, 200, [](Call& c) { return transition<&db::Service::return_request>(c, "returned"); }},
      {"POST", "requests/:id/reject", true, 200, [](Call& c) { return transition<&db::Service::reject>(c, "rejected"); }},
      {"POST", "requests/:id/release", true, 200, release},
      {"POST", "requests/:id/votes", true, 200, vote},
      {"POST", "requests/:id/comments", true, 200, comment},
      {"POST", "requests/:id/reviews", true, 200, submit_review},
      {"GET", "workspaces/members", true, 200, workspace_members},
      {"PUT", "workspaces/access", true, 200, workspace_access},
      {"POST", "workspaces/:name/members", true, 200, grant_workspace},
      {"POST", "workspaces/:name/members/remove", true, 200, revoke_workspace},
      {"GET", "audit", true, 200, audit_log},
      {"GET", "audit/verify", true, 200, audit_verify},
      {"GET", "audit/head", true, 200, audit_head},
  };
  return kRoutes;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('/', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The route for `method` and `segments`, with its variable segments; `path_known` says whether
// some route has this path under another method (405 rather than 404).
const Route* match(const std::string& method, const std::vector<std::string>& segments, std::vector<std::string>& params,
                   bool& path_known) {
  path_known = false;
  for (const auto& route : routes()) {
    auto pattern = split(route.pattern);
    if (pattern.size() != segments.size()) continue;
    std::vector<std::string> vars;
    bool same = true;
    for (std::size_t i = 0; i < pattern.size() && same; ++i) {
      if (pattern[i][0] == ':') {
        if (segments[i].empty()) same = false;
        else vars.push_back(segments[i]);
      } else {
        same = pattern[i] == segments[i];
      }
    }
    if (!same) continue;
    path_known = true;
    if (method != route.method) continue;
    params = std::move(vars);
    return &route;
  }
  return nullptr;
}

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return 400;
    case ErrorKind::not_found: return 404;
    case ErrorKind::refused: return 403;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::io: return 500;
  }
  return 500;
}

}  // namespace

std::string query_escape(const std::string& value) { return url_encode(value, /*keep_slash=*/false); }

Result<db::PageRequest> page_from_query(const std::map<std::string, std::string>& query) {
  db::PageRequest page;
  if (auto it = query.find("limit"); it != query.end()) {
    const std::string& v = it->second;
    bool digits = !v.empty() && v.size() <= 4;
    for (char ch : v) digits = digits && ch >= '0' && ch <= '9';
    if (!digits || std::stoi(v) < 1 || std::stoi(v) > db::kMaxPageLimit) {
      return invalid_input("limit=" + v.substr(0, 32) + ": give a number from 1 to " + std::to_string(db::kMaxPageLimit));
    }
    page.limit = std::stoi(v);
  }
  if (auto it = query.find("cursor"); it != query.end()) {
    if (it->second.empty()) return invalid_input("cursor: empty; give the cursor of a Link: rel=\"next\" address");
    page.cursor = it->second;
  }
  return page;
}

Result<db::AuditFilter> audit_filter_from_query(const std::map<std::string, std::string>& query) {
  db::AuditFilter f;
  f.request_id = query_value(query, "request");
  f.user = query_value(query, "user");
  f.event = query_value(query, "event");
  f.since = query_value(query, "since");
  f.until = query_value(query, "until");
  return f;
}

std::optional<std::string> cursor_from_link(const std::string& link) {
  // <URL>; rel="next": the cursor parameter of URL, percent-decoded.
  const auto open = link.find('<'), close = link.find('>');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  if (link.find("rel=\"next\"", close) == std::string::npos) return std::nullopt;
  const std::string url = link.substr(open + 1, close - open - 1);
  auto q = url.find('?');
  while (q != std::string::npos) {
    const auto start = q + 1;
    auto end = url.find('&', start);
    const std::string part = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.rfind("cursor=", 0) == 0) {
      std::string v = part.substr(7), out;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
          out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += v[i];
        }
      }
      return out;
    }
    q = end;
  }
  return std::nullopt;
}

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return "invalid_input";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::refused: return "refused";
    case ErrorKind::unavailable: return "unavailable";
    case ErrorKind::io: return "io";
  }
  return "io";
}

ApiResponse error_response(const Error& error, bool unauthenticated) {
  return {unauthenticated ? 401 : http_status(error.kind),
          json{{"error", {{"kind", error_kind_name(error.kind)}, {"message", error.message}}}}};
}

Error error_from_response(const ApiResponse& response) {
  const json& e = response.body.is_object() && response.body.contains("error") ? response.body["error"] : json();
  std::string message = e.is_object() && e.contains("message") && e["message"].is_string()
                            ? e["message"].get<std::string>()
                            : "the server answered HTTP " + std::to_string(response.status);
  std::string kind = e.is_object() && e.contains("kind") && e["kind"].is_string() ? e["kind"].get<std::string>() : "";
  for (ErrorKind k : {ErrorKind::invalid_input, ErrorKind::not_found, ErrorKind::refused, ErrorKind::unavailable, ErrorKind::io}) {
    if (kind == error_kind_name(k)) return Error{k, message};
  }
  if (response.status == 401 || response.status == 403) return Error{ErrorKind::refused, message};
  if (response.status >= 500) return Error{ErrorKind::unavailable, message};
  return Error{ErrorKind::invalid_input, message};
}

ApiResponse Api::handle(const ApiRequest& request) const {
  const std::string prefix = "/api/";
  if (request.path.rfind(prefix, 0) != 0) return error_response(not_found(request.path + ": not an API path (/api/...)"));
  std::string rest = request.path.substr(prefix.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::vector<std::string> params;
  bool path_known = false;
  const Route* route = match(request.method, split(rest), params, path_known);
  if (!route) {
    if (path_known) return {405, json{{"error", {{"kind", "invalid_input"}, {"message", request.method + " is not allowed on " + request.path}}}}};
    return error_response(not_found(request.path + ": no such API path"));
  }
  if (!request.body.is_object()) return error_response(invalid_input("the request body must be a JSON object"));
  // The server's pooled connection, or opened for the call: read-only for a GET, whose only write
  // (a refusal's audit row) goes through the home's writer.
  auto home = db::lease_home(settings_.home, request.method == "GET" ? db::Access::read_only : db::Access::read_write);
  if (!home) return error_response(home.error());
  db::Service service(**home);
  service.set_workspaces_root(settings_.workspaces_root);
  Call call{request, service, std::nullopt, std::move(params), settings_, std::nullopt};
  if (route->needs_user) {
    auto user = service.authenticate(request.token);
    if (!user) return error_response(user.error(), /*unauthenticated=*/true);
    call.user = *user;
  }
  auto result = route->run(call);
  if (!result) return error_response(result.error());
  ApiResponse response{route->success, std::move(*result)};
  if (call.next_cursor) {
    // The next page: this path and query, with the next cursor.
    response.next_cursor = call.next_cursor;
    std::string link = request.path;
    char sep = '?';
    for (const auto& [k, v] : request.query) {
      if (k == "cursor") continue;
      link += sep + query_escape(k) + "=" + query_escape(v);
      sep = '&';
    }
    response.next_link = link + sep + "cursor=" + query_escape(*call.next_cursor);
  }
  return response;
}

Result<db::Service::FileContents> Api::read_file(const std::optional<std::string>& token, const std::string& id,
                                                 const std::string& path) const {
  // Read-only as a GET is: the view's audit row goes through the home's writer.
  OUTCHECK_ASSIGN_OR_RETURN(auto home, db::lease_home(settings_.home, db::Access::read_only));
  db::Service service(*home);
  service.set_workspaces_root(settings_.workspaces_root);
  OUTCHECK_ASSIGN_OR_RETURN(auto user, service.authenticate(token));
  return service.read_file(user, id, path);
}

}  // namespace outcheck::web
