// `outcheck review vote|comment|submit`.
#include "cli/workflow.h"

namespace outcheck::cli {

Runner attach_review(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;
  auto id = std::make_shared<std::string>(), path = std::make_shared<std::string>(),
       choice = std::make_shared<std::string>(), comment = std::make_shared<std::string>(),
       override_reason = std::make_shared<std::string>();
  CLI::App* vote = add_workflow_command(sub, "vote", "vote on an output file (output checker, not the author)", o, runs,
                                        [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    db::Vote v = *choice == "approve" ? db::Vote::approved : db::Vote::changes_requested;
    auto opt = [](const std::string& x) { return x.empty() ? std::nullopt : std::optional<std::string>(x); };
    return finish_status(*o, s.service->vote(*u, *id, *path, std::filesystem::current_path(), v, opt(*comment), opt(*override_reason)),
                         std::string("voted ") + (*choice == "approve" ? "approve" : "request-changes") + " on " + *path);
  });
  vote->add_option("id", *id, "the request")->required();
  vote->add_option("path", *path, "the file")->required();
  vote->add_option("vote", *choice, "approve or request-changes")->required()->check(CLI::IsMember({"approve", "request-changes"}));
  vote->add_option("--comment", *comment, "why (required with request-changes)");
  vote->add_option("--override", *override_reason, "the reason to approve a file that has fail findings");

  auto group = std::make_shared<std::string>(), text = std::make_shared<std::string>();
  auto is_private = std::make_shared<bool>(false);
  CLI::App* cmt = add_workflow_command(sub, "comment", "comment on a file group", o, runs, [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    return finish_status(*o, s.service->comment(*u, *id, *group, *text, *is_private), "comment added");
  });
  cmt->add_option("id", *id, "the request")->required();
  cmt->add_option("--group", *group, "the file group")->required();
  cmt->add_option("--text", *text, "the comment (never edited or deleted)")->required();
  cmt->add_flag("--private", *is_private, "visible to output checkers only");

  CLI::App* submit = add_workflow_command(sub, "submit", "submit your independent review", o, runs, [=](Session& s) {
    auto u = acting_user(s);
    if (!u) return report_error(u.error());
    auto st = s.service->submit_review(*u, *id);
    if (!st) return report_error(st.error());
    std::string msg = "review submitted; request " + *id + " is " + db::status_name(*st);
    return finish(*o, nlohmann::json{{"ok", true}, {"status", db::status_name(*st)}, {"message", msg}},
                  [&](const nlohmann::json&) { return msg + "\n"; });
  });
  submit->add_option("id", *id, "the request")->required();
  return group_runner(o, runs);
}

}  // namespace outcheck::cli
