#include "cli/workflow.h"

#include "checker/json_text.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

namespace outcheck::cli {

void WorkflowOptions::add_to(CLI::App& app) {
  app.add_option("--home", home, "the outcheck home (default: $OUTCHECK_HOME, else ./.outcheck)");
  app.add_option("--server", server, "act through an outcheck server, http(s)://HOST:PORT (default: $OUTCHECK_SERVER)");
  app.add_option("--token-file", token_file, "read your personal token from FILE (default: $OUTCHECK_TOKEN)");
  out.add_to(app);
}

fs::path home_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("OUTCHECK_HOME");
  return env && *env ? fs::path(env) : fs::current_path() / ".outcheck";
}

Result<Session> open_session(const WorkflowOptions& o) {
  Session s;
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file);
    if (!in) return not_found(o.token_file + ": cannot read the token file");
    std::string token;
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    s.token = token;
  } else if (const char* t = std::getenv("OUTCHECK_TOKEN"); t && *t) {
    s.token = t;
  }
  if (!o.server.empty() && !o.home.empty()) {
    return invalid_input("give --server or --home, not both: a home is either yours or the server's");
  }
  std::string server = o.server;
  if (server.empty() && o.home.empty() && std::getenv("OUTCHECK_SERVER")) server = std::getenv("OUTCHECK_SERVER");
  if (!server.empty()) {
    OUTCHECK_ASSIGN_OR_RETURN(auto client, make_remote_client(server, s.token));
    s.client = std::move(client);
    s.remote = true;
    return s;
  }
  fs::path home = home_dir(o.home);
  web::ApiSettings settings{home, release::options_from_environment(), nullptr, {}, {}};
  if (::isatty(2)) {
    settings.progress = [](std::size_t i, std::size_t n, const release::ReleaseFile& f) {
      std::cerr << "uploading " << i + 1 << "/" << n << " " << f.name << " (" << f.size << " bytes)\n";
    };
  }
  s.client = make_local_client(std::move(settings), s.token);
  return s;
}

nlohmann::json with_cwd(nlohmann::json body) {
  body["cwd"] = fs::current_path().string();
  return body;
}

CLI::App* add_workflow_command(CLI::App& parent, const char* name, const char* help,
                               std::shared_ptr<WorkflowOptions> options,
                               std::vector<std::pair<CLI::App*, WorkflowRun>>& runs, WorkflowRun run) {
  CLI::App* sub = parent.add_subcommand(name, help);
  options->add_to(*sub);
  runs.emplace_back(sub, std::move(run));
  return sub;
}

Runner group_runner(std::shared_ptr<WorkflowOptions> options, std::vector<std::pair<CLI::App*, WorkflowRun>> runs) {
  return [options, runs] {
    for (const auto& [sub, run] : runs) {
      if (!sub->parsed()) continue;
      auto session = open_session(*options);
      if (!session) return report_error(session.error());
      return run(*session);
    }
    return 2;
  };
}

int finish(const WorkflowOptions& o, const Result<nlohmann::json>& result,
           const std::function<std::string(const nlohmann::json&)>& text) {
  if (!result) return report_error(result.error());
  std::string out;
  try {
    out = o.out.is_json() ? checker::json_text(*result, 2) + "\n" : text(*result);
  } catch (const nlohmann::json::exception& e) {
    // A reply of another shape (an outcheck serve of another version, or not outcheck at all) is
    // a clear error at this edge, not an internal one; --json still shows it as it came.
    return report_error(invalid_input("the reply is not in the form this outcheck reads (" + std::string(e.what()) +
                                      "); is --server an outcheck serve of the same version? --json shows the reply"));
  }
  if (auto s = emit(o.out, out); !s.ok()) return report_error(s.error());
  return 0;
}

int finish_message(const WorkflowOptions& o, const Result<nlohmann::json>& result) {
  return finish(o, result, [](const nlohmann::json& j) { return j.at("message").get<std::string>() + "\n"; });
}

}  // namespace outcheck::cli
