// `outcheck audit log|verify|head`.
#include "checker/json_text.h"

#include "cli/workflow.h"

namespace outcheck::cli {

Runner attach_audit(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;
  auto request = std::make_shared<std::string>(), user = std::make_shared<std::string>(),
       since = std::make_shared<std::string>(), until = std::make_shared<std::string>(),
       event = std::make_shared<std::string>();
  auto limit = std::make_shared<std::size_t>(0);
  CLI::App* log = add_workflow_command(sub, "log", "the audit log, filtered", o, runs, [=](Session& s) {
    std::map<std::string, std::string> query;
    if (!request->empty()) query["request"] = *request;
    if (!user->empty()) query["user"] = *user;
    if (!since->empty()) query["since"] = *since;
    if (!until->empty()) query["until"] = *until;
    if (!event->empty()) query["event"] = *event;
    // Every page, following the cursors, unless --limit caps it.
    return finish(*o, s.client->get_list({"audit"}, query, *limit), [](const nlohmann::json& rows) {
      std::string t;
      for (const auto& r : rows) {
        t += std::to_string(r.at("seq").get<std::int64_t>()) + "  " + r.at("at").get<std::string>() + "  " +
             r.at("user").get<std::string>() + "  " + r.at("action").get<std::string>();
        if (!r.at("request").is_null()) t += "  " + r.at("request").get<std::string>();
        if (!r.at("path").is_null()) t += "  " + r.at("path").get<std::string>();
        if (!r.at("details").empty()) t += "  " + checker::json_text(r.at("details"));
        t += "\n";
      }
      return t;
    });
  });
  log->add_option("--request", *request, "only this request");
  log->add_option("--user", *user, "only this user's actions");
  log->add_option("--since", *since, "from this time on (ISO 8601, UTC)");
  log->add_option("--until", *until, "before this time (ISO 8601, UTC)");
  log->add_option("--event", *event, "only this action (vote, file_view, ...), or \"changes\": everything but views");
  log->add_option("--limit", *limit, "at most N rows (default: all)")->check(CLI::PositiveNumber);

  add_workflow_command(sub, "verify", "verify the audit log's keyed hash chain (exit 1 if broken)", o, runs,
                       [=](Session& s) {
    auto verified = s.client->call("GET", {"audit", "verify"});
    int rc = finish(*o, verified, [](const nlohmann::json& j) {
      if (j.at("intact").get<bool>()) {
        return "audit log intact: " + std::to_string(j.at("rows").get<std::int64_t>()) + " rows, head " +
               j.at("head").get<std::string>() + "\n";
      }
      std::string t = "audit log BROKEN:\n";
      for (const auto& p : j.at("problems")) t += "  " + p.get<std::string>() + "\n";
      return t;
    });
    // A reply that does not say "intact": true is no proof: exit 1, as for a broken chain.
    return rc != 0 ? rc : ((*verified)["intact"] == true ? 0 : 1);
  });

  add_workflow_command(sub, "head", "print the latest audit chain hash", o, runs, [=](Session& s) {
    return finish(*o, s.client->call("GET", {"audit", "head"}),
                  [](const nlohmann::json& j) { return j.at("hash").get<std::string>() + "\n"; });
  });
  return group_runner(o, runs);
}

}  // namespace outcheck::cli
