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
    nlohmann::json body{{"path", *path}, {"vote", *choice}};
    if (!comment->empty()) body["comment"] = *comment;
    if (!override_reason->empty()) body["override"] = *override_reason;
    return finish_message(*o, s.client->call("POST", {"requests", *id, "votes"}, {}, with_cwd(body)));
  });
  vote->add_option("id", *id, "the request")->required();
  vote->add_option("path", *path, "the file")->required();
  vote->add_option("vote", *choice, "approve or request-changes")->required()->check(CLI::IsMember({"approve", "request-changes"}));
  vote->add_option("--comment", *comment, "why (required with request-changes)");
  vote->add_option("--override", *override_reason, "the reason to approve a file that has fail findings");

  auto group = std::make_shared<std::string>(), text = std::make_shared<std::string>();
  auto is_private = std::make_shared<bool>(false);
  CLI::App* cmt = add_workflow_command(sub, "comment", "comment on a file group", o, runs, [=](Session& s) {
    return finish_message(*o, s.client->call("POST", {"requests", *id, "comments"}, {},
                                             {{"group", *group}, {"text", *text}, {"private", *is_private}}));
  });
  cmt->add_option("id", *id, "the request")->required();
  cmt->add_option("--group", *group, "the file group")->required();
  cmt->add_option("--text", *text, "the comment (never edited or deleted)")->required();
  cmt->add_flag("--private", *is_private, "visible to output checkers only");

  CLI::App* submit = add_workflow_command(sub, "submit", "submit your independent review", o, runs, [=](Session& s) {
    return finish_message(*o, s.client->call("POST", {"requests", *id, "reviews"}));
  });
  submit->add_option("id", *id, "the request")->required();
  return group_runner(o, runs);
}

}  // namespace outcheck::cli
