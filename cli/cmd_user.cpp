// `outcheck user add|list|disable` and `outcheck policy set|show`.
#include "checker/json_text.h"
#include <iostream>

#include "checker/yaml_doc.h"
#include "cli/workflow.h"
#include "rules/policy.h"

namespace outcheck::cli {

Runner attach_workspace(CLI::App& sub);

Runner attach_user(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;

  auto name = std::make_shared<std::string>();
  auto roles = std::make_shared<std::vector<std::string>>();
  CLI::App* add = add_workflow_command(sub, "add", "add a user and print their token, once", o, runs, [=](Session& s) {
    auto added = s.client->call("POST", {"users"}, {}, {{"name", *name}, {"roles", *roles}});
    if (!added) return report_error(added.error());
    std::cerr << "outcheck: user " << *name << " added; the token below is shown only this once\n";
    return finish(*o, added, [](const nlohmann::json& j) { return j.at("token").get<std::string>() + "\n"; });
  });
  add->add_option("name", *name, "the user's name")->required();
  add->add_option("--role", *roles, "researcher, output-checker or admin (repeat for several)")->required();

  add_workflow_command(sub, "list", "list users", o, runs, [=](Session& s) {
    return finish(*o, s.client->call("GET", {"users"}), [](const nlohmann::json& j) {
      std::string t;
      for (const auto& x : j) {
        std::string r;
        for (const auto& role : x.at("roles")) r += (r.empty() ? "" : ",") + role.get<std::string>();
        t += x.at("name").get<std::string>() + "  " + r + (x.at("disabled").get<bool>() ? "  (disabled)" : "") + "\n";
      }
      return t;
    });
  });

  auto target = std::make_shared<std::string>();
  CLI::App* disable = add_workflow_command(sub, "disable", "disable a user (their token stops working)", o, runs,
                                           [=](Session& s) {
    return finish_message(*o, s.client->call("POST", {"users", *target, "disable"}));
  });
  disable->add_option("name", *target, "the user")->required();
  return group_runner(o, runs);
}

Runner attach_policy(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;
  auto which = std::make_shared<std::string>();
  CLI::App* set = add_workflow_command(sub, "set", "set the site policy every request uses", o, runs, [=](Session& s) {
    // A policy file is read here, where the admin named it, and sent as text.
    nlohmann::json body{{"policy", *which}};
    if (!rules::preset_policy(*which)) {
      auto doc = checker::load_yaml_file(*which);
      if (!doc) return report_error(doc.error());
      body["content"] = doc->text;
    }
    return finish(*o, s.client->call("PUT", {"policy"}, {}, body), [](const nlohmann::json& j) {
      return "site policy: " + j.at("name").get<std::string>() + " (sha256 " + j.at("sha256").get<std::string>() + ")\n";
    });
  });
  set->add_option("policy", *which, "a preset (opensafely, sdc-handbook) or a YAML policy file")->required();
  add_workflow_command(sub, "show", "show the site policy", o, runs, [=](Session& s) {
    return finish(*o, s.client->call("GET", {"policy"}), [](const nlohmann::json& j) {
      return "site policy: " + j.at("name").get<std::string>() + " (sha256 " + j.at("sha256").get<std::string>() + ")\n" +
             checker::json_text(j.at("effective"), 2) + "\n";
    });
  });
  return group_runner(o, runs);
}

// `outcheck workspace grant|revoke WORKSPACE USER`, `workspace list [WORKSPACE]`,
// `workspace access members|open`.
Runner attach_workspace(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;
  auto workspace = std::make_shared<std::string>(), user = std::make_shared<std::string>();
  CLI::App* grant = add_workflow_command(sub, "grant", "let USER create requests for WORKSPACE", o, runs, [=](Session& s) {
    return finish_message(*o, s.client->call("POST", {"workspaces", *workspace, "members"}, {}, {{"user", *user}}));
  });
  grant->add_option("workspace", *workspace, "the workspace name")->required();
  grant->add_option("user", *user, "the user")->required();
  CLI::App* revoke = add_workflow_command(sub, "revoke", "take that back", o, runs, [=](Session& s) {
    return finish_message(*o, s.client->call("POST", {"workspaces", *workspace, "members", "remove"}, {}, {{"user", *user}}));
  });
  revoke->add_option("workspace", *workspace, "the workspace name")->required();
  revoke->add_option("user", *user, "the user")->required();
  CLI::App* list = add_workflow_command(sub, "list", "list workspace members", o, runs, [=](Session& s) {
    std::map<std::string, std::string> query;
    if (!workspace->empty()) query["workspace"] = *workspace;
    return finish(*o, s.client->call("GET", {"workspaces", "members"}, query), [](const nlohmann::json& j) {
      std::string t = std::string("membership ") + (j.at("enforced").get<bool>() ? "enforced" : "not enforced") + "\n";
      for (const auto& m : j.at("members")) {
        t += m.at("workspace").get<std::string>() + "  " + m.at("user").get<std::string>() + "  (granted by " +
             m.at("granted_by").get<std::string>() + ", " + m.at("granted_at").get<std::string>() + ")\n";
      }
      return t;
    });
  });
  list->add_option("workspace", *workspace, "only this workspace");
  auto mode = std::make_shared<std::string>();
  CLI::App* access = add_workflow_command(sub, "access", "members: only members create requests; open: anyone", o, runs,
                                          [=](Session& s) {
    return finish_message(*o, s.client->call("PUT", {"workspaces", "access"}, {}, {{"mode", *mode}}));
  });
  access->add_option("mode", *mode, "members or open")->required();
  return group_runner(o, runs);
}

}  // namespace outcheck::cli
