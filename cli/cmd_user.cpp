// `outcheck user add|list|disable` and `outcheck policy set|show`.
#include "checker/json_text.h"
#include <iostream>

#include "cli/workflow.h"

namespace outcheck::cli {

Runner attach_user(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;

  auto name = std::make_shared<std::string>();
  auto roles = std::make_shared<std::vector<std::string>>();
  CLI::App* add = add_workflow_command(sub, "add", "add a user and print their token, once", o, runs, [=](Session& s) {
    auto any = s.service->has_users();
    if (!any) return report_error(any.error());
    std::optional<db::User> actor;
    if (*any) {
      auto u = acting_user(s);
      if (!u) return report_error(u.error());
      actor = *u;
    }
    auto token = s.service->add_user(actor ? &*actor : nullptr, *name, *roles);
    if (!token) return report_error(token.error());
    std::cerr << "outcheck: user " << *name << " added; the token below is shown only this once\n";
    return finish(*o, nlohmann::json{{"name", *name}, {"roles", *roles}, {"token", *token}},
                  [&](const nlohmann::json&) { return *token + "\n"; });
  });
  add->add_option("name", *name, "the user's name")->required();
  add->add_option("--role", *roles, "researcher, output-checker or admin (repeat for several)")->required();

  add_workflow_command(sub, "list", "list users", o, runs, [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    auto users = s.service->list_users(*u);
    if (!users) return report_error(users.error());
    nlohmann::json j = nlohmann::json::array();
    for (const auto& x : *users) {
      j.push_back({{"name", x.name}, {"roles", std::vector<std::string>(x.roles.begin(), x.roles.end())},
                   {"disabled", x.disabled}, {"created_at", x.created_at}});
    }
    return finish(*o, j, [](const nlohmann::json& j) {
      std::string t;
      for (const auto& x : j) {
        std::string r;
        for (const auto& role : x["roles"]) r += (r.empty() ? "" : ",") + role.get<std::string>();
        t += x["name"].get<std::string>() + "  " + r + (x["disabled"].get<bool>() ? "  (disabled)" : "") + "\n";
      }
      return t;
    });
  });

  auto target = std::make_shared<std::string>();
  CLI::App* disable = add_workflow_command(sub, "disable", "disable a user (their token stops working)", o, runs,
                                           [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    return finish_status(*o, s.service->disable_user(*u, *target), "user " + *target + " disabled");
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
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    return finish(*o, s.service->set_policy(*u, *which, std::filesystem::current_path()), [](const nlohmann::json& j) {
      return "site policy: " + j["name"].get<std::string>() + " (sha256 " + j["sha256"].get<std::string>() + ")\n";
    });
  });
  set->add_option("policy", *which, "a preset (opensafely, sdc-handbook) or a YAML policy file")->required();
  add_workflow_command(sub, "show", "show the site policy", o, runs, [=](Session& s) {
    return finish(*o, s.service->show_policy(), [](const nlohmann::json& j) {
      return "site policy: " + j["name"].get<std::string>() + " (sha256 " + j["sha256"].get<std::string>() + ")\n" +
             checker::json_text(j["effective"], 2) + "\n";
    });
  });
  return group_runner(o, runs);
}

}  // namespace outcheck::cli
