#include "web/server.h"

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "checker/csv_parser.h"
#include "checker/json_text.h"
#include "db/service_json.h"
#include "db/home.h"
#include "db/identity.h"
#include "db/request_store.h"
#include "db/service.h"
#include "release/release_record.h"
#include "web/auth_limiter.h"
#include "web/assets.h"
#include "web/csv_table.h"
#include "web/html.h"
#include "web/log_line.h"
#include "web/pages.h"

using nlohmann::json;

namespace outcheck::web {

namespace {

constexpr const char* kSessionCookie = "outcheck_session";
constexpr const char* kLoginCookie = "outcheck_login";
// Rows of a CSV drawn in the file view; a release file has at most the policy's row limit (5,000
// by default), so this only bounds what a hostile or over-limit file costs the browser.
constexpr std::int64_t kMaxTableRows = 20000;

const char* kPageSecurityPolicy =
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

std::string cookie(const httplib::Request& req, const std::string& name) {
  std::string all = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t end = all.find(';', pos);
    if (end == std::string::npos) end = all.size();
    std::string part = all.substr(pos, end - pos);
    std::size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

void security_headers(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Frame-Options", "DENY");
}

void send_html(httplib::Response& res, int status, const std::string& html) {
  res.status = status;
  res.set_header("Content-Security-Policy", kPageSecurityPolicy);
  res.set_content(html, "text/html; charset=utf-8");
}

void redirect(httplib::Response& res, const std::string& to) {
  res.status = 303;
  res.set_header("Location", to);
}

std::string extension(const std::string& path) {
  auto dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return "";
  std::string e = path.substr(dot + 1);
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

const char* image_type(const std::string& path) {
  std::string e = extension(path);
  if (e == "png") return "image/png";
  if (e == "jpg" || e == "jpeg") return "image/jpeg";
  if (e == "gif") return "image/gif";
  if (e == "svg") return "image/svg+xml";
  return nullptr;
}

// Whether a JSON text stays within the depth and value limits, read without parsing it: brackets
// and commas outside strings. A deeper or larger text is refused before nlohmann builds it.
std::string json_shape_problem(const std::string& text) {
  int depth = 0;
  std::size_t values = 1;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > kJsonMaxDepth) return "the request body nests deeper than " + std::to_string(kJsonMaxDepth) + " levels";
        ++values;
        break;
      case ']':
      case '}': --depth; break;
      case ',': ++values; break;
      default: break;
    }
    if (values > kJsonMaxValues) return "the request body holds more than " + std::to_string(kJsonMaxValues) + " values";
  }
  return "";
}

std::string error_json(const char* kind, const std::string& message) {
  return checker::json_text(json{{"error", {{"kind", kind}, {"message", message}}}});
}

// A full audit export (GET /api/audit?all=1): one JSON array written in pages of at most
// kMaxPageLimit rows as the client takes them, so the server holds one page at a time whatever the
// log's size. It runs after the handler returns, so it keeps its own pooled connection (the lease)
// and reads in one read transaction: every page comes from the same snapshot of the log.
struct AuditExport {
  AuditExport(db::HomeLease l, db::AuditFilter f) : lease(std::move(l)), service(*lease), filter(std::move(f)) {}
  ~AuditExport() { finish(); }

  db::HomeLease lease;
  db::Service service;
  db::AuditFilter filter;
  std::optional<db::User> user;
  db::PageRequest page{db::kMaxPageLimit, std::nullopt};
  bool in_transaction = false, started = false, done = false;
  std::string pending;  // text read and not yet written

  Status begin() {
    OUTCHECK_TRY(lease->db.exec("BEGIN"));  // deferred: the snapshot is taken by the first read
    in_transaction = true;
    return Status::OK();
  }
  // The next page's text: "[" before the first row, "]" after the last.
  Result<std::string> next_text() {
    OUTCHECK_ASSIGN_OR_RETURN(auto rows, service.audit_log(*user, filter, page));
    std::string out = started ? "" : "[";
    for (const auto& r : rows.rows) {
      if (started) out += ",\n";
      started = true;
      out += checker::json_text(db::audit_row_json(r));
    }
    started = true;
    page.cursor = rows.next;
    if (!rows.next) {
      out += "]\n";
      done = true;
    }
    return out;
  }
  void finish() {
    if (in_transaction) lease->db.rollback();  // it only read
    in_transaction = false;
  }
};

// httplib (0.11.4) writes a content provider's response only while the server's own listening
// socket (svr_sock_) is set: it stops as soon as it reads INVALID_SOCKET there ("shutting down").
// GuardedHttpServer listens on a socket of its own and never sets it, so every streamed response
// (the audit export) would end empty. This marks the server as listening while it serves, and as
// shutting down when it stops, so an export in progress ends then. The member is protected; a
// pointer to it is taken through a derived class. (Belongs in web/connection_guard.cpp's
// bind_socket and stop_serving.)
struct ServingMark : httplib::Server {
  static void set(httplib::Server& server, socket_t sock) { server.*(&ServingMark::svr_sock_) = sock; }
};

}  // namespace

struct ReviewServer::Impl {
  Impl(ApiSettings api_settings, ServeOptions o)
      : home(api_settings.home), api(std::move(api_settings)), options(std::move(o)), sessions(options.sessions),
        http(options.connections) {}

  std::filesystem::path home;
  Api api;
  ServeOptions options;
  SessionTable sessions;
  GuardedHttpServer http;
  AuthFailureLimiter failures;
  std::unique_ptr<db::HomePool> homes;
  int port = -1;

  // ---- authentication before any body: the gate (web/connection_guard.h)

  enum class TokenCheck { valid, missing, unknown, disabled, error };
  // The same answer Service::authenticate gives, read without writing an audit row: failures are
  // tallied per address (AuthFailureLimiter) and summarised in the audit log instead.
  std::pair<TokenCheck, std::string> check_token(const std::string& token) {
    if (token.empty()) {
      return {TokenCheck::missing, "no token: set OUTCHECK_TOKEN or pass --token-file with your personal token"};
    }
    auto lease = db::lease_home(home);
    if (!lease) return {TokenCheck::error, lease.error().message};
    auto user = db::user_by_token_hash((*lease)->db, db::token_hash(token));
    if (!user) return {TokenCheck::error, user.error().message};
    if (!*user) return {TokenCheck::unknown, "the token is not known here"};
    if ((*user)->disabled) return {TokenCheck::disabled, "user " + (*user)->name + " is disabled"};
    return {TokenCheck::valid, ""};
  }

  bool home_has_no_users() {
    auto lease = db::lease_home(home);
    if (!lease) return false;
    auto users = db::load_users((*lease)->db);
    return users && users->empty();
  }

  GateDecision auth_failure(const std::string& address, const std::string& why) {
    int retry = 1;
    if (failures.record_failure(address, &retry)) {
      GateDecision d = GateDecision::refused(401, error_json("refused", why));
      d.headers.emplace("WWW-Authenticate", "Bearer realm=\"outcheck\"");
      return d;
    }
    GateDecision d = GateDecision::refused(
        429, error_json("refused", "too many failed authentications from " + address + "; try again in " +
                                       std::to_string(retry) + " s"));
    d.headers.emplace("Retry-After", std::to_string(retry));
    return d;
  }

  GateDecision gate(const httplib::Request& req) {
    if (req.path.rfind("/api/", 0) == 0) {
      std::string auth = req.get_header_value("Authorization");
      std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
      auto [check, why] = check_token(token);
      if (check == TokenCheck::valid) return GateDecision::allowed(kApiBodyMax);
      if (check == TokenCheck::error) return GateDecision::refused(503, error_json("unavailable", why));
      std::string path = req.path;
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      // The one call without a token: the first user, on an empty home, with a small body.
      if (token.empty() && req.method == "POST" && path == "/api/users" && home_has_no_users()) {
        return GateDecision::allowed(kFirstUserBodyMax);
      }
      return auth_failure(req.remote_addr, why);
    }
    // Pages: a form post needs a live session before its body is read (sign-in excepted: the token
    // is in its body, and login() counts its failures as the API's).
    if (req.method != "GET" && req.method != "HEAD" && req.path != "/login" &&
        !sessions.find(cookie(req, kSessionCookie))) {
      GateDecision d = GateDecision::refused(303, "");
      d.headers.emplace("Location", "/login");
      return d;
    }
    return GateDecision::allowed(kFormBodyMax);
  }

  // One audit row per address per interval for failed authentications (and a line in the log).
  void write_failure_summaries(bool everything) {
    auto due = failures.take_due(everything);
    if (due.empty()) return;
    auto lease = db::lease_home(home);
    if (!lease) {
      log_line("cannot record failed authentications: " + lease.error().message);
      return;
    }
    db::Home& h = **lease;
    for (const auto& s : due) {
      const std::string first = db::iso_utc(s.first), last = db::iso_utc(s.last);
      log_line(std::to_string(s.failures) + " failed authentications from " + s.address + " between " + first + " and " +
               last + " (" + std::to_string(s.rate_limited) + " answered 429)");
      db::AuditEvent e;
      e.user = "(unauthenticated)";
      e.action = "refused";
      e.details = {{"attempted", "authenticate"},
                   {"reason", std::to_string(s.failures) + " failed authentications from " + s.address},
                   {"address", s.address},
                   {"failures", s.failures},
                   {"rate_limited", s.rate_limited},
                   {"first", first},
                   {"last", last}};
      db::Transaction tx(h.db);
      if (!tx.begin().ok()) continue;
      auto head = h.audit.append(h.db, e, db::iso_utc(std::chrono::system_clock::now()));
      if (head && tx.commit().ok()) h.audit.record_head(*head);
    }
  }

  ApiResponse call(const std::string& token, const std::string& method, const std::string& path,
                   std::map<std::string, std::string> query = {}, json body = json::object()) {
    return api.handle(ApiRequest{method, path, std::move(query), std::move(body), token});
  }

  // ---- the JSON API

  void serve_api(const httplib::Request& req, httplib::Response& res) {
    security_headers(res);
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query[k] = v;
    std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0) r.token = auth.substr(7);
    ApiResponse answer;
    if (!req.body.empty()) {
      if (std::string problem = json_shape_problem(req.body); !problem.empty()) {
        res.status = 400;
        res.set_content(error_json("invalid_input", problem), "application/json");
        return;
      }
      r.body = json::parse(req.body, nullptr, false);
      if (r.body.is_discarded()) {
        answer = error_response(invalid_input("the request body is not JSON"));
        res.status = answer.status;
        res.set_content(checker::json_text(answer.body), "application/json");
        return;
      }
    }
    std::string path = r.path;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const auto all = r.query.find("all");
    if (r.method == "GET" && path == "/api/audit" && all != r.query.end() && (all->second == "1" || all->second == "true")) {
      return export_audit(r, res);
    }
    answer = api.handle(r);
    res.status = answer.status;
    if (answer.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"outcheck\"");
    if (!answer.next_link.empty()) res.set_header("Link", "<" + answer.next_link + ">; rel=\"next\"");
    res.set_content(checker::json_text(answer.body), "application/json");
  }

  void export_audit(const ApiRequest& r, httplib::Response& res) {
    auto fail = [&](const ApiResponse& answer) {
      res.status = answer.status;
      if (answer.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"outcheck\"");
      res.set_content(checker::json_text(answer.body), "application/json");
    };
    auto filter = audit_filter_from_query(r.query);
    if (!filter) return fail(error_response(filter.error()));
    auto lease = db::lease_home(home);
    if (!lease) return fail(error_response(lease.error()));
    auto ex = std::make_shared<AuditExport>(std::move(*lease), std::move(*filter));
    auto user = ex->service.authenticate(r.token);
    if (!user) return fail(error_response(user.error(), /*unauthenticated=*/true));
    ex->user = *user;
    if (auto s = ex->begin(); !s.ok()) return fail(error_response(s.error()));
    // The first page is read here, so a bad filter is still a plain error answer.
    auto first = ex->next_text();
    if (!first) return fail(error_response(first.error()));
    ex->pending = std::move(*first);
    res.status = 200;
    res.set_chunked_content_provider(
        "application/json",
        [ex](std::size_t, httplib::DataSink& sink) {
          std::string text;
          if (!ex->pending.empty()) {
            text.swap(ex->pending);
          } else if (!ex->done) {
            auto more = ex->next_text();
            if (!more) {
              // Cut short: the array is left unclosed, so no reader takes it for the whole log.
              log_line("audit export stopped: " + more.error().message);
              return false;
            }
            text = std::move(*more);
          }
          if (!text.empty() && !sink.write(text.data(), text.size())) return false;
          if (ex->done && ex->pending.empty()) {
            ex->finish();
            sink.done();
          }
          return true;
        },
        [ex](bool) { ex->finish(); });
  }

  // ---- pages: the session, or a redirect to sign in

  std::optional<BrowserSession> signed_in(const httplib::Request& req, httplib::Response& res) {
    security_headers(res);
    auto s = sessions.find(cookie(req, kSessionCookie));
    if (!s) redirect(res, "/login");
    return s;
  }

  PageContext context(const BrowserSession& s) {
    PageContext ctx;
    auto me = call(s.token, "GET", "/api/me");
    if (me.status == 200) ctx.me = me.body;
    ctx.csrf = s.csrf;
    std::tie(ctx.flash, ctx.flash_is_error) = sessions.take_flash(s.id);
    return ctx;
  }

  // An API error on a page: a token no longer valid ends the session; anything else is shown.
  void page_error(const BrowserSession& s, const ApiResponse& answer, httplib::Response& res) {
    if (answer.status == 401) {
      sessions.end(s.id);
      redirect(res, "/login");
      return;
    }
    PageContext ctx = context(s);
    send_html(res, answer.status, error_page(ctx, answer.status, error_from_response(answer).message));
  }

  void login_form(const httplib::Request&, httplib::Response& res, const std::string& error, int status) {
    security_headers(res);
    // Sign-in has its own CSRF token, bound to a short-lived cookie, so no other site can sign a
    // browser in under someone else's account.
    std::string login_csrf = random_secret();
    res.set_header("Set-Cookie", std::string(kLoginCookie) + "=" + login_csrf +
                                     "; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600");
    send_html(res, status, login_page(login_csrf, error));
  }

  void login(const httplib::Request& req, httplib::Response& res) {
    security_headers(res);
    std::string expected = cookie(req, kLoginCookie);
    if (expected.empty() || !db::constant_time_equal(expected, req.get_param_value("csrf"))) {
      return login_form(req, res, "the sign-in form had expired; sign in again", 403);
    }
    std::string token = req.get_param_value("token");
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (check_token(token).first != TokenCheck::valid) {
      int retry = 1;
      if (!failures.record_failure(req.remote_addr, &retry)) {
        res.set_header("Retry-After", std::to_string(retry));
        return login_form(req, res, "too many failed sign-ins from this address; try again in " + std::to_string(retry) + " s", 429);
      }
      return login_form(req, res, "that token is not valid (or its user is disabled)", 401);
    }
    BrowserSession s = sessions.create(token);
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + s.id + "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
                                     std::to_string(options.sessions.absolute.count()));
    redirect(res, "/requests");
  }

  bool csrf_ok(const BrowserSession& s, const httplib::Request& req, httplib::Response& res) {
    if (db::constant_time_equal(s.csrf, req.get_param_value("csrf")) && !s.csrf.empty()) return true;
    PageContext ctx = context(s);
    send_html(res, 403, error_page(ctx, 403, "this form's CSRF token is missing or wrong; reload the page and try again"));
    return false;
  }

  void logout(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    if (!csrf_ok(*s, req, res)) return;
    sessions.end(s->id);
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    redirect(res, "/login");
  }

  void requests(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    // One page at a time; the filters and the cursor are the page's own query parameters.
    ListQuery q = list_query(req, {"state", "workspace", "author", "needs", "limit", "cursor"});
    if (q.count("state") == 0 && !req.get_param_value("status").empty()) q["state"] = req.get_param_value("status");
    auto list = call(s->token, "GET", "/api/requests", q);
    if (list.status != 200) return page_error(*s, list, res);
    send_html(res, 200, requests_page(context(*s), list.body, q, list.next_cursor));
  }

  void audit(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    ListQuery q = list_query(req, {"request", "user", "event", "since", "until", "limit", "cursor"});
    auto rows = call(s->token, "GET", "/api/audit", q);
    if (rows.status != 200) return page_error(*s, rows, res);
    send_html(res, 200, audit_page(context(*s), rows.body, q, rows.next_cursor));
  }

  // Workspace membership, for admins (the API refuses anyone else, and the page shows that).
  void workspaces(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    auto members = call(s->token, "GET", "/api/workspaces/members");
    if (members.status != 200) return page_error(*s, members, res);
    send_html(res, 200, workspaces_page(context(*s), members.body));
  }

  void workspace_change(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    if (!csrf_ok(*s, req, res)) return;
    const std::string change = req.matches[1];
    ApiResponse answer;
    if (change == "access") {
      answer = call(s->token, "PUT", "/api/workspaces/access", {}, {{"mode", req.get_param_value("mode")}});
    } else {
      // The workspace name goes into the API's path as one segment: the API checks it is one safe
      // segment, so a name holding '/' is refused there, not routed elsewhere.
      const std::string path = "/api/workspaces/" + url_encode(req.get_param_value("workspace")) + "/members" +
                               (change == "revoke" ? "/remove" : "");
      answer = call(s->token, "POST", path, {}, {{"user", req.get_param_value("user")}});
    }
    if (answer.status == 401) return page_error(*s, answer, res);
    if (answer.status >= 300) sessions.set_flash(s->id, error_from_response(answer).message, true);
    else sessions.set_flash(s->id, answer.body.value("message", "done"), false);
    redirect(res, "/workspaces");
  }

  static ListQuery list_query(const httplib::Request& req, std::initializer_list<const char*> keys) {
    ListQuery q;
    for (const char* k : keys) {
      if (!req.get_param_value(k).empty()) q[k] = req.get_param_value(k);
    }
    return q;
  }

  void request(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    const std::string id = req.matches[1];
    auto shown = call(s->token, "GET", "/api/requests/" + id);
    if (shown.status != 200) return page_error(*s, shown, res);
    auto actions = call(s->token, "GET", "/api/requests/" + id + "/actions");
    if (actions.status != 200) return page_error(*s, actions, res);
    // The trail's first page, at the most rows a page holds; the audit page has the rest.
    auto audit = call(s->token, "GET", "/api/audit", {{"request", id}, {"limit", std::to_string(db::kMaxPageLimit)}});
    json trail = audit.status == 200 ? audit.body : json::array();
    std::string more;
    if (audit.status == 200 && audit.next_cursor) {
      more = "/audit?request=" + url_encode(id) + "&cursor=" + url_encode(*audit.next_cursor);
    }
    // Once released, the record's copy this viewer may see.
    json record = nullptr;
    if (shown.body.is_object() && shown.body.value("status", "") == "released") {
      auto got = call(s->token, "GET", "/api/requests/" + id + "/release-record");
      if (got.status == 200) record = got.body;
    }
    send_html(res, 200, request_page(context(*s), shown.body, actions.body, trail, options.release_to, more, record));
  }

  // The release record to download (issue 16): the copy GET /api/requests/ID/release-record gives
  // this viewer, as release-record.json (canonical text) or release-record.html.
  void release_record(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    const std::string id = req.matches[1], kind = req.matches[2];
    auto got = call(s->token, "GET", "/api/requests/" + id + "/release-record");
    if (got.status != 200) return page_error(*s, got, res);
    res.set_header("Content-Disposition", "attachment; filename=\"release-record-" + id + "." + kind + "\"");
    if (kind == "json") {
      res.set_content(release::release_record_text(got.body), "application/json; charset=utf-8");
    } else {
      // A document of our own making, every text escaped; still, nothing in it runs.
      res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
      res.set_content(release::release_record_html(got.body), "text/html; charset=utf-8");
    }
  }

  void file(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    const std::string id = req.matches[1], path = req.get_param_value("path");
    auto shown = call(s->token, "GET", "/api/requests/" + id);
    if (shown.status != 200) return page_error(*s, shown, res);
    const json* entry = nullptr;
    for (const auto& f : shown.body["files"]) {
      if (f["path"] == path) entry = &f;
    }
    if (!entry) return page_error(*s, error_response(not_found("request " + id + " has no file " + path)), res);
    const std::string raw = "/requests/" + url_encode(id) + "/raw?path=" + url_encode(path);
    std::string body, toolbar;
    if (image_type(path)) {
      // The image's bytes are read (and the view audited) when the browser fetches them.
      body = "<p><img class=\"output\" src=\"" + escape(raw) + "\" alt=\"" + escape(path) + "\"></p>";
    } else {
      auto contents = api.read_file(s->token, id, path);
      if (!contents) return page_error(*s, error_response(contents.error()), res);
      const std::string& bytes = contents->bytes;
      if (extension(path) == "csv") {
        CsvTable t = render_csv_table(bytes, (*entry)["findings"], kMaxTableRows);
        // Findings are kept up to --max-findings per rule; say so when the file has more.
        const std::int64_t total = finding_total(*entry);
        const std::int64_t listed = static_cast<std::int64_t>((*entry)["findings"].size());
        toolbar = "<div class=\"toolbar\"><button type=\"button\" id=\"next-finding\"" +
                  std::string(t.marks ? "" : " disabled") + ">Next finding (n)</button><span id=\"finding-position\">" +
                  std::to_string(t.marks) + " marked</span><span class=\"muted\">" + std::to_string(t.rows) + " rows" +
                  (t.rows_shown < t.rows ? ", first " + std::to_string(t.rows_shown) + " shown" : "") + "</span>" +
                  (total > listed ? "<span class=\"flash error\">" + std::to_string(total) + " findings in all; the first " +
                                        std::to_string(listed) + " (a number per rule) are marked</span>" : "") +
                  "</div>";
        body = "<div class=\"table-wrap\">" + t.html + "</div>";
      } else if (checker::valid_utf8(bytes) && bytes.find('\0') == std::string::npos) {
        body = "<pre class=\"text\">" + escape(bytes) + "</pre>";
      } else {
        body = "<p class=\"muted\">A binary file (" + std::to_string(bytes.size()) + " bytes); it is not shown.</p>";
      }
    }
    send_html(res, 200, file_page(context(*s), shown.body, *entry, body, toolbar));
  }

  void raw(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    const std::string id = req.matches[1], path = req.get_param_value("path");
    auto contents = api.read_file(s->token, id, path);
    if (!contents) return page_error(*s, error_response(contents.error()), res);
    const char* type = image_type(path);
    // Served to be looked at, never run: no scripts, no plugins, even for an SVG.
    res.set_header("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    res.set_header("Content-Disposition", "inline");
    res.set_content(contents->bytes, type ? type : "text/plain; charset=utf-8");
  }

  // Form posts: each becomes one API call, and the page comes back with what happened.
  void act(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    if (!csrf_ok(*s, req, res)) return;
    const std::string id = req.matches[1], action = req.matches[2];
    const std::string base = "/api/requests/" + id;
    ApiResponse answer;
    if (action == "vote") {
      json body{{"path", req.get_param_value("path")}, {"vote", req.get_param_value("vote")}};
      if (!req.get_param_value("comment").empty()) body["comment"] = req.get_param_value("comment");
      if (!req.get_param_value("override").empty()) body["override"] = req.get_param_value("override");
      answer = call(s->token, "POST", base + "/votes", {}, body);
    } else if (action == "comment") {
      answer = call(s->token, "POST", base + "/comments", {},
                    {{"group", req.get_param_value("group")}, {"text", req.get_param_value("text")},
                     {"private", req.get_param_value("private") == "1"}});
    } else if (action == "review") {
      answer = call(s->token, "POST", base + "/reviews");
    } else if (action == "release") {
      if (options.release_to.empty()) {
        answer = error_response(invalid_input("this server has no release target (outcheck serve --release-to)"));
      } else {
        answer = call(s->token, "POST", base + "/release", {}, {{"to", options.release_to}});
        if (answer.status == 200) {
          answer.body = json{{"message", "request " + id + " released to " + answer.body.value("target", "")}};
        }
      }
    } else {  // submit, withdraw, return, reject
      answer = call(s->token, "POST", base + "/" + action);
    }
    if (answer.status == 401) return page_error(*s, answer, res);
    if (answer.status >= 300) sessions.set_flash(s->id, error_from_response(answer).message, true);
    else sessions.set_flash(s->id, answer.body.value("message", "done"), false);
    redirect(res, "/requests/" + url_encode(id));
  }

  void routes() {
    // The socket, deadlines and limits are GuardedHttpServer's; this is a last bound behind them.
    http.set_payload_max_length(kApiBodyMax);
    http.set_gate([this](const httplib::Request& req) { return gate(req); });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "internal error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = std::string("internal error: ") + e.what();
      } catch (...) {
      }
      log_line(what);
      res.status = 500;
      res.set_content(checker::json_text(json{{"error", {{"kind", "io"}, {"message", what}}}}), "application/json");
    });
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      log_line(req.method + " " + req.path + " " + std::to_string(res.status));
    });
    auto api_handler = [this](const httplib::Request& req, httplib::Response& res) { serve_api(req, res); };
    http.Get("/api/.*", api_handler);
    http.Post("/api/.*", api_handler);
    http.Put("/api/.*", api_handler);
    http.Delete("/api/.*", api_handler);
    http.Get("/static/app.css", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(kStylesheet), "text/css; charset=utf-8");
    });
    http.Get("/static/app.js", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(kScript), "text/javascript; charset=utf-8");
    });
    http.Get("/", [](const httplib::Request&, httplib::Response& res) { redirect(res, "/requests"); });
    http.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    http.Get("/login", [this](const httplib::Request& req, httplib::Response& res) { login_form(req, res, "", 200); });
    http.Post("/login", [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
    http.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) { logout(req, res); });
    http.Get("/requests", [this](const httplib::Request& req, httplib::Response& res) { requests(req, res); });
    http.Get("/audit", [this](const httplib::Request& req, httplib::Response& res) { audit(req, res); });
    http.Get("/workspaces", [this](const httplib::Request& req, httplib::Response& res) { workspaces(req, res); });
    http.Post(R"(/workspaces/(grant|revoke|access))",
              [this](const httplib::Request& req, httplib::Response& res) { workspace_change(req, res); });
    http.Get(R"(/requests/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) { request(req, res); });
    http.Get(R"(/requests/([^/]+)/file)", [this](const httplib::Request& req, httplib::Response& res) { file(req, res); });
    http.Get(R"(/requests/([^/]+)/raw)", [this](const httplib::Request& req, httplib::Response& res) { raw(req, res); });
    http.Get(R"(/requests/([^/]+)/release-record\.(json|html))",
             [this](const httplib::Request& req, httplib::Response& res) { release_record(req, res); });
    http.Post(R"(/requests/([^/]+)/(vote|comment|review|return|reject|release|submit|withdraw))",
              [this](const httplib::Request& req, httplib::Response& res) { act(req, res); });
  }
};

ReviewServer::ReviewServer(ApiSettings api, ServeOptions options) : impl_(std::make_unique<Impl>(std::move(api), std::move(options))) {
  impl_->routes();
}

ReviewServer::~ReviewServer() = default;

Result<int> ReviewServer::bind() {
  auto& o = impl_->options;
  if (o.port < 0 || o.port > 65535) return invalid_input("--port " + std::to_string(o.port) + ": give 0 to 65535");
  // The database: migrated once here, then a connection per worker, reused (db/home.h).
  if (!impl_->homes) {
    // Idle connections kept: half the connection cap (each worker takes a lease per call; opening
    // one costs more than the call), at least 16.
    const auto keep = static_cast<std::size_t>(std::max(16, o.connections.max_connections / 2));
    OUTCHECK_ASSIGN_OR_RETURN(auto pool, db::HomePool::open(impl_->home, keep));
    impl_->homes = std::move(pool);
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto port, impl_->http.bind_socket(o.bind, o.port));
  ServingMark::set(impl_->http, 0);  // any socket but INVALID_SOCKET: "serving" (see ServingMark)
  impl_->port = port;
  return port;
}

Status ReviewServer::run() {
  if (impl_->port < 0) return invalid_input("the server is not bound (bind() first)");
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread summaries([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(1), [&] { return done; })) {
      lock.unlock();
      impl_->write_failure_summaries(false);
      lock.lock();
    }
  });
  Status served = impl_->http.serve();
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_all();
  summaries.join();
  impl_->write_failure_summaries(true);
  return served;
}

void ReviewServer::stop() {
  ServingMark::set(impl_->http, INVALID_SOCKET);
  impl_->http.stop_serving();
}

}  // namespace outcheck::web
