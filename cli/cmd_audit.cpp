// `outcheck audit log|verify|head`.
#include "checker/json_text.h"
#include <iostream>

#include "cli/workflow.h"

namespace outcheck::cli {

Runner attach_audit(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;
  auto request = std::make_shared<std::string>(), user = std::make_shared<std::string>(),
       since = std::make_shared<std::string>(), until = std::make_shared<std::string>();
  CLI::App* log = add_workflow_command(sub, "log", "the audit log, filtered", o, runs, [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    db::AuditFilter f;
    if (!request->empty()) f.request_id = *request;
    if (!user->empty()) f.user = *user;
    if (!since->empty()) f.since = *since;
    if (!until->empty()) f.until = *until;
    return finish(*o, s.service->audit_log(*u, f), [](const nlohmann::json& rows) {
      std::string t;
      for (const auto& r : rows) {
        t += std::to_string(r["seq"].get<std::int64_t>()) + "  " + r["at"].get<std::string>() + "  " +
             r["user"].get<std::string>() + "  " + r["action"].get<std::string>();
        if (!r["request"].is_null()) t += "  " + r["request"].get<std::string>();
        if (!r["path"].is_null()) t += "  " + r["path"].get<std::string>();
        if (!r["details"].empty()) t += "  " + checker::json_text(r["details"]);
        t += "\n";
      }
      return t;
    });
  });
  log->add_option("--request", *request, "only this request");
  log->add_option("--user", *user, "only this user's actions");
  log->add_option("--since", *since, "from this time on (ISO 8601, UTC)");
  log->add_option("--until", *until, "before this time (ISO 8601, UTC)");

  add_workflow_command(sub, "verify", "verify the audit log's keyed hash chain (exit 1 if broken)", o, runs,
                       [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    auto problems = s.service->audit_verify(*u);
    if (!problems) return report_error(problems.error());
    auto head = s.service->audit_head(*u);
    if (!head) return report_error(head.error());
    nlohmann::json j{{"intact", problems->empty()}, {"problems", *problems}, {"rows", head->seq}, {"head", head->hash}};
    int rc = finish(*o, j, [&](const nlohmann::json&) {
      if (problems->empty()) return "audit log intact: " + std::to_string(head->seq) + " rows, head " + head->hash + "\n";
      std::string t = "audit log BROKEN:\n";
      for (const auto& p : *problems) t += "  " + p + "\n";
      return t;
    });
    return rc != 0 ? rc : (problems->empty() ? 0 : 1);
  });

  add_workflow_command(sub, "head", "print the latest audit chain hash", o, runs, [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    auto head = s.service->audit_head(*u);
    if (!head) return report_error(head.error());
    return finish(*o, nlohmann::json{{"seq", head->seq}, {"hash", head->hash}},
                  [&](const nlohmann::json&) { return head->hash + "\n"; });
  });
  return group_runner(o, runs);
}

}  // namespace outcheck::cli
