#include "cli/workflow.h"

#include "checker/json_text.h"

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

namespace outcheck::cli {

void WorkflowOptions::add_to(CLI::App& app) {
  app.add_option("--home", home, "the outcheck home (default: $OUTCHECK_HOME, else ./.outcheck)");
  app.add_option("--token-file", token_file, "read your personal token from FILE (default: $OUTCHECK_TOKEN)");
  out.add_to(app);
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
  fs::path home = !o.home.empty() ? fs::path(o.home)
                  : (std::getenv("OUTCHECK_HOME") && *std::getenv("OUTCHECK_HOME")) ? fs::path(std::getenv("OUTCHECK_HOME"))
                                                                                     : fs::current_path() / ".outcheck";
  auto h = db::open_home(home);
  if (!h) return h.error();
  s.home = std::move(*h);
  s.service = std::make_unique<db::Service>(*s.home);
  return s;
}

Result<db::User> acting_user(Session& s) { return s.service->authenticate(s.token); }

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
  std::string out = o.out.is_json() ? checker::json_text(*result, 2) + "\n" : text(*result);
  if (auto s = emit(o.out, out); !s.ok()) return report_error(s.error());
  return 0;
}

int finish_status(const WorkflowOptions& o, const Status& s, const std::string& text) {
  if (!s.ok()) return report_error(s.error());
  return finish(o, nlohmann::json{{"ok", true}, {"message", text}}, [&](const nlohmann::json&) { return text + "\n"; });
}

}  // namespace outcheck::cli
