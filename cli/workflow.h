#pragma once
// What the workflow commands share: where the home is, who is acting, and how a service result
// becomes output and an exit code.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "db/service.h"

namespace outcheck::cli {

struct WorkflowOptions {
  std::string home;        // --home, else OUTCHECK_HOME, else ./.outcheck
  std::string token_file;  // --token-file, else OUTCHECK_TOKEN
  OutputOptions out;
  void add_to(CLI::App& app);
};

struct Session {
  std::unique_ptr<db::Home> home;
  std::unique_ptr<db::Service> service;
  std::optional<std::string> token;
};

Result<Session> open_session(const WorkflowOptions& o);
// The acting user, or the refusal (exit 1).
Result<db::User> acting_user(Session& s);

// Registers `name` under `parent`; `run` gets the session and returns the exit code.
using WorkflowRun = std::function<int(Session&)>;
CLI::App* add_workflow_command(CLI::App& parent, const char* name, const char* help,
                               std::shared_ptr<WorkflowOptions> options, std::vector<std::pair<CLI::App*, WorkflowRun>>& runs,
                               WorkflowRun run);
// The runner of a command group: runs whichever child was parsed.
Runner group_runner(std::shared_ptr<WorkflowOptions> options, std::vector<std::pair<CLI::App*, WorkflowRun>> runs);

// Prints `json` (with --json) or `text`, and returns 0; or reports the error.
int finish(const WorkflowOptions& o, const Result<nlohmann::json>& result,
           const std::function<std::string(const nlohmann::json&)>& text);
int finish_status(const WorkflowOptions& o, const Status& s, const std::string& text);

Runner attach_user(CLI::App& sub);
Runner attach_policy(CLI::App& sub);
Runner attach_request(CLI::App& sub);
Runner attach_review(CLI::App& sub);
Runner attach_audit(CLI::App& sub);

}  // namespace outcheck::cli
