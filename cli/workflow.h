#pragma once
// What the workflow commands share: where they go (a local home or a server), who is acting, and
// how an API result becomes output and an exit code.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/client.h"
#include "cli/command.h"

namespace outcheck::cli {

struct WorkflowOptions {
  std::string home;        // --home, else (without a server) OUTCHECK_HOME, else ./.outcheck
  std::string server;      // --server, else OUTCHECK_SERVER (unless --home is given)
  std::string token_file;  // --token-file, else OUTCHECK_TOKEN
  OutputOptions out;
  void add_to(CLI::App& app);
};

struct Session {
  std::optional<std::string> token;
  std::unique_ptr<Client> client;
  bool remote = false;
};

// The home: `flag` (--home) when given, else $OUTCHECK_HOME, else ./.outcheck.
std::filesystem::path home_dir(const std::string& flag);

Result<Session> open_session(const WorkflowOptions& o);
// The body field that tells the API where this command was run, so relative paths mean what they
// mean here.
nlohmann::json with_cwd(nlohmann::json body);

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
// For results of the form {"ok": true, "message": ...}: prints the message.
int finish_message(const WorkflowOptions& o, const Result<nlohmann::json>& result);

Runner attach_user(CLI::App& sub);
Runner attach_policy(CLI::App& sub);
Runner attach_request(CLI::App& sub);
Runner attach_review(CLI::App& sub);
Runner attach_audit(CLI::App& sub);

}  // namespace outcheck::cli
