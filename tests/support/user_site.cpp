#include "tests/support/user_site.h"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace outcheck::test {

UserSite::UserSite() : ws_(dir_.path() / "ws"), home_(dir_.path() / "home") { fs::create_directories(ws_); }

void UserSite::add_admin() {
  RunResult first = with_token("", {"user", "add", "admin", "--role", "admin"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  tokens_["admin"] = trim(first.out);
}

void UserSite::add_user(const std::string& name, const std::vector<std::string>& roles) {
  std::vector<std::string> args{"user", "add", name};
  for (const auto& r : roles) args.insert(args.end(), {"--role", r});
  tokens_[name] = trim(ok("admin", args).out);
  REQUIRE(!tokens_[name].empty());
}

RunResult UserSite::with_token(const std::string& token, const std::vector<std::string>& args,
                               std::vector<std::string> env, const fs::path& cwd) const {
  env.push_back(server_ ? "OUTCHECK_SERVER=" + server_->url() : "OUTCHECK_HOME=" + home_.string());
  env.push_back("OUTCHECK_TOKEN=" + token);
  return run_outcheck(args, cwd.empty() ? ws_ : cwd, env);
}

RunResult UserSite::as(const std::string& user, const std::vector<std::string>& args, std::vector<std::string> env,
                       const fs::path& cwd) const {
  return with_token(tokens_.at(user), args, std::move(env), cwd);
}

RunResult UserSite::ok(const std::string& user, const std::vector<std::string>& args, const fs::path& cwd) const {
  RunResult r = as(user, args, {}, cwd);
  INFO(user << " ran: " << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

nlohmann::json UserSite::show_as(const std::string& user, const std::string& id) const {
  return nlohmann::json::parse(ok(user, {"request", "show", id, "--json"}).out);
}

std::string UserSite::create_by(const std::string& author, const fs::path& workspace,
                                const std::vector<std::string>& extra) const {
  std::vector<std::string> args{"request", "create", "--workspace", (workspace.empty() ? ws_ : workspace).string()};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string id = trim(ok(author, args).out);
  REQUIRE(id.size() == 26);  // a ULID
  return id;
}

}  // namespace outcheck::test
