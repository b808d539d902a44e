#pragma once
// The core of the workflow tests' sites: a temporary folder holding a workspace ("ws") and a home
// ("home"), and users who act by their own tokens, each command a separate outcheck process, on
// the home directly or, once serve_through() is called, through `outcheck serve` (--server mode).
// Each test file derives its own site: the workspace's files, its users and its usual flows.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/serve_process.h"
#include "tests/support/workspace_fixture.h"

namespace outcheck::test {

class UserSite {
 public:
  UserSite();
  UserSite(const UserSite&) = delete;
  UserSite& operator=(const UserSite&) = delete;

  const std::filesystem::path& root() const { return dir_.path(); }
  const std::filesystem::path& ws() const { return ws_; }
  const std::filesystem::path& home() const { return home_; }
  // Writes a file under the workspace.
  void write(const std::string& relpath, const std::string& text) const { dir_.write("ws/" + relpath, text); }

  // The first user, an admin (an empty home needs no token for it); then users with their roles.
  void add_admin();
  void add_user(const std::string& name, const std::vector<std::string>& roles);
  const std::string& token(const std::string& user) const { return tokens_.at(user); }

  // A command with `token` (and `env` added), run in `cwd` (the workspace when empty).
  RunResult with_token(const std::string& token, const std::vector<std::string>& args,
                       std::vector<std::string> env = {}, const std::filesystem::path& cwd = {}) const;
  RunResult as(const std::string& user, const std::vector<std::string>& args, std::vector<std::string> env = {},
               const std::filesystem::path& cwd = {}) const;
  // as(), which must exit 0 (the test stops otherwise, showing the command and its output).
  RunResult ok(const std::string& user, const std::vector<std::string>& args, const std::filesystem::path& cwd = {}) const;

  nlohmann::json show_as(const std::string& user, const std::string& id) const;
  // A new request by `author` on `workspace` (this site's when empty), with `extra` arguments.
  std::string create_by(const std::string& author, const std::filesystem::path& workspace = {},
                        const std::vector<std::string>& extra = {}) const;

 protected:
  // From now on commands go through a server on this home.
  void serve_through(std::unique_ptr<ServeProcess> server) { server_ = std::move(server); }
  ServeProcess* server() const { return server_.get(); }

 private:
  TempDir dir_;
  std::filesystem::path ws_, home_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<ServeProcess> server_;
};

}  // namespace outcheck::test
