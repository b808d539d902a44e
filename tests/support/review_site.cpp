#include "tests/support/review_site.h"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace outcheck::test {

const char* const kReviewPass = "output/tables/a.csv";
const char* const kReviewFail = "output/tables/fail.csv";
const char* const kReviewChart = "output/charts/chart.png";

namespace {
// A valid 1x1 PNG.
const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9c"
                                     "c\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xae" "B`\x82", 67);
}  // namespace

ReviewSite::ReviewSite(const std::vector<std::string>& serve_args, const std::vector<std::string>& serve_env) {
  dir_.write("ws/project.yaml", simple_project_yaml());
  dir_.write(std::string("ws/") + kReviewPass, "group,num\na,10\nb,15\n");
  dir_.write(std::string("ws/") + kReviewFail, "group,num\na,15\nb,3\nc,20\n");
  dir_.write(std::string("ws/") + kReviewChart, kPng);
  ws_ = dir_.path() / "ws";
  home_ = dir_.path() / "home";
  server_ = std::make_unique<ServeProcess>(home_, serve_args, serve_env);
  RunResult first = run_outcheck({"user", "add", "admin", "--role", "admin"}, ws_, {"OUTCHECK_SERVER=" + server_->url()});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  tokens_["admin"] = trim(first.out);
  for (const auto& [name, role] : std::vector<std::pair<std::string, std::string>>{
           {"res", "researcher"}, {"c1", "output-checker"}, {"c2", "output-checker"}}) {
    tokens_[name] = trim(ok("admin", {"user", "add", name, "--role", role}).out);
  }
}

void ReviewSite::restart(const std::vector<std::string>& serve_args, const std::vector<std::string>& serve_env) {
  REQUIRE(server_->stop() == 0);
  server_ = std::make_unique<ServeProcess>(home_, serve_args, serve_env);
}

RunResult ReviewSite::as(const std::string& user, const std::vector<std::string>& args, std::vector<std::string> env) const {
  env.push_back("OUTCHECK_SERVER=" + server_->url());
  env.push_back("OUTCHECK_TOKEN=" + tokens_.at(user));
  return run_outcheck(args, ws_, env);
}

RunResult ReviewSite::ok(const std::string& user, const std::vector<std::string>& args) const {
  RunResult r = as(user, args);
  INFO(user << " ran: " << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

std::string ReviewSite::submitted() const {
  std::string id = trim(ok("res", {"request", "create", "--workspace", "."}).out);
  REQUIRE(id.size() == 26);
  ok("res", {"request", "add", id, kReviewPass, kReviewFail});
  ok("res", {"request", "add", id, kReviewChart, "--group", "charts"});
  ok("res", {"request", "group", id, "default", "--context", "counts by group", "--controls", "rounded to 5"});
  ok("res", {"request", "group", id, "charts", "--context", "a chart", "--controls", "none"});
  ok("res", {"request", "submit", id});
  return id;
}

httplib::Client ReviewSite::client() const {
  httplib::Client c("127.0.0.1", server_->port());
  c.set_connection_timeout(10);
  c.set_read_timeout(30);
  return c;
}

httplib::Headers Browser::cookie_header() const {
  std::string all;
  for (const auto& [k, v] : cookies_) all += (all.empty() ? "" : "; ") + k + "=" + v;
  return all.empty() ? httplib::Headers{} : httplib::Headers{{"Cookie", all}};
}

void Browser::remember(const httplib::Result& r) {
  if (!r) return;
  set_cookie_.clear();
  for (auto it = r->headers.lower_bound("Set-Cookie"); it != r->headers.upper_bound("Set-Cookie"); ++it) {
    set_cookie_ += it->second + "\n";
    std::string c = it->second.substr(0, it->second.find(';'));
    auto eq = c.find('=');
    std::string name = c.substr(0, eq), value = c.substr(eq + 1);
    if (value.empty() || contains(it->second, "Max-Age=0")) cookies_.erase(name);
    else cookies_[name] = value;
  }
  auto at = r->body.find("name=\"csrf\" value=\"");
  if (at != std::string::npos) {
    at += 19;
    csrf_ = r->body.substr(at, r->body.find('"', at) - at);
  }
}

httplib::Result Browser::get(const std::string& path) {
  auto r = http_.Get(path.c_str(), cookie_header());
  remember(r);
  return r;
}

httplib::Result Browser::post(const std::string& path, httplib::Params params, bool with_csrf) {
  if (with_csrf) params.emplace("csrf", csrf_);
  auto r = http_.Post(path.c_str(), cookie_header(), params);
  remember(r);
  return r;
}

int Browser::sign_in(const std::string& token) {
  auto form = get("/login");
  REQUIRE(form);
  auto r = post("/login", {{"token", token}});
  REQUIRE(r);
  return r->status;
}

}  // namespace outcheck::test
