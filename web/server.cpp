#include "web/server.h"

#include <httplib.h>

#include <iostream>
#include <mutex>

#include "checker/csv_parser.h"
#include "checker/json_text.h"
#include "db/identity.h"
#include "web/assets.h"
#include "web/csv_table.h"
#include "web/html.h"
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

}  // namespace

struct ReviewServer::Impl {
  Impl(ApiSettings api_settings, ServeOptions o) : api(std::move(api_settings)), options(std::move(o)), sessions(options.sessions) {}

  Api api;
  ServeOptions options;
  SessionTable sessions;
  httplib::Server http;
  int port = -1;

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
      r.body = json::parse(req.body, nullptr, false);
      if (r.body.is_discarded()) {
        answer = error_response(invalid_input("the request body is not JSON"));
        res.status = answer.status;
        res.set_content(checker::json_text(answer.body), "application/json");
        return;
      }
    }
    answer = api.handle(r);
    res.status = answer.status;
    if (answer.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"outcheck\"");
    res.set_content(checker::json_text(answer.body), "application/json");
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
    auto me = call(token, "GET", "/api/me");
    if (me.status != 200) return login_form(req, res, "that token is not valid (or its user is disabled)", 401);
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
    std::string status = req.get_param_value("status");
    std::map<std::string, std::string> q;
    if (!status.empty()) q["status"] = status;
    auto list = call(s->token, "GET", "/api/requests", q);
    if (list.status != 200) return page_error(*s, list, res);
    send_html(res, 200, requests_page(context(*s), list.body, status));
  }

  void request(const httplib::Request& req, httplib::Response& res) {
    auto s = signed_in(req, res);
    if (!s) return;
    const std::string id = req.matches[1];
    auto shown = call(s->token, "GET", "/api/requests/" + id);
    if (shown.status != 200) return page_error(*s, shown, res);
    auto actions = call(s->token, "GET", "/api/requests/" + id + "/actions");
    if (actions.status != 200) return page_error(*s, actions, res);
    auto audit = call(s->token, "GET", "/api/audit", {{"request", id}});
    json trail = audit.status == 200 ? audit.body : json::array();
    send_html(res, 200, request_page(context(*s), shown.body, actions.body, trail, options.release_to));
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
    // httplib's default sets SO_REUSEPORT, which would let a second process (a second serve, or
    // anyone running as this account) listen on the same port and take a share of the sign-ins.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    http.set_payload_max_length(16u << 20);
    http.set_read_timeout(30);
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "internal error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = std::string("internal error: ") + e.what();
      } catch (...) {
      }
      std::cerr << "outcheck serve: " << what << "\n";
      res.status = 500;
      res.set_content(checker::json_text(json{{"error", {{"kind", "io"}, {"message", what}}}}), "application/json");
    });
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::cerr << "outcheck serve: " << req.method << " " << req.path << " " << res.status << "\n";
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
    http.Get(R"(/requests/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) { request(req, res); });
    http.Get(R"(/requests/([^/]+)/file)", [this](const httplib::Request& req, httplib::Response& res) { file(req, res); });
    http.Get(R"(/requests/([^/]+)/raw)", [this](const httplib::Request& req, httplib::Response& res) { raw(req, res); });
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
  int port = o.port == 0 ? impl_->http.bind_to_any_port(o.bind) : (impl_->http.bind_to_port(o.bind, o.port) ? o.port : -1);
  if (port < 0) {
    return Error{ErrorKind::unavailable, "cannot listen on " + o.bind + ":" + std::to_string(o.port) +
                                             " (in use, or not an address of this machine)"};
  }
  impl_->port = port;
  return port;
}

Status ReviewServer::run() {
  if (impl_->port < 0) return invalid_input("the server is not bound (bind() first)");
  if (!impl_->http.listen_after_bind()) return io_error("the server stopped with an error");
  return Status::OK();
}

void ReviewServer::stop() { impl_->http.stop(); }

}  // namespace outcheck::web
