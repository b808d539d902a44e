#pragma once
// A site served by a real `outcheck serve` on loopback: a home, a workspace with passing, failing
// and image outputs, and users who act through the CLI's --server mode (by their own tokens) or
// through HTTP directly (httplib's client, as a browser or an API client would).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/support/serve_process.h"
#include "tests/support/workspace_fixture.h"

namespace outcheck::test {

// Files of the workspace (simple_project_yaml's outputs).
extern const char* const kReviewPass;   // output/tables/a.csv: passes
extern const char* const kReviewFail;   // output/tables/fail.csv: a small count at row 2, column num
extern const char* const kReviewChart;  // output/charts/chart.png: needs review

class ReviewSite {
 public:
  // Users: admin; res (researcher); c1, c2 (output checkers).
  explicit ReviewSite(const std::vector<std::string>& serve_args = {}, const std::vector<std::string>& serve_env = {});

  const std::filesystem::path& ws() const { return ws_; }
  const std::filesystem::path& home() const { return home_; }
  const std::filesystem::path& root() const { return dir_.path(); }
  ServeProcess& server() { return *server_; }
  // Stops the server and starts another on the same home with these arguments.
  void restart(const std::vector<std::string>& serve_args, const std::vector<std::string>& serve_env = {});
  const std::string& token(const std::string& user) const { return tokens_.at(user); }

  // The CLI in --server mode, as `user`.
  RunResult as(const std::string& user, const std::vector<std::string>& args, std::vector<std::string> env = {}) const;
  RunResult ok(const std::string& user, const std::vector<std::string>& args) const;
  // A submitted request holding the three files (chart in group "charts"), by res.
  std::string submitted() const;

  httplib::Client client() const;

 private:
  TempDir dir_;
  std::filesystem::path ws_, home_;
  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
};

// A browser: a cookie jar over httplib, with the CSRF token of the last page it saw.
class Browser {
 public:
  explicit Browser(const ReviewSite& site) : http_(site.client()) {}

  // Signs in with `token` through the login form; returns the POST's status (303 on success).
  int sign_in(const std::string& token);
  httplib::Result get(const std::string& path);
  // Posts a form; the CSRF token of the last page is added unless `with_csrf` is false.
  httplib::Result post(const std::string& path, httplib::Params params, bool with_csrf = true);
  const std::string& last_set_cookie() const { return set_cookie_; }
  std::map<std::string, std::string>& cookies() { return cookies_; }

 private:
  httplib::Headers cookie_header() const;
  void remember(const httplib::Result& r);

  httplib::Client http_;
  std::map<std::string, std::string> cookies_;
  std::string csrf_, set_cookie_;
};

}  // namespace outcheck::test
