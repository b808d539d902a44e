// `outcheck request create|add|remove|update|group|submit|withdraw|return|reject|show|list`.
#include <iostream>

#include "cli/workflow.h"

namespace outcheck::cli {

namespace {

std::string show_text(const nlohmann::json& r) {
  std::string t = "request " + r.at("id").get<std::string>() + " (workspace " + r.at("workspace").get<std::string>() +
                  ", by " + r.at("author").get<std::string>() + "): " + r.at("status").get<std::string>() + ", turn " +
                  std::to_string(r.at("review_turn").get<std::int64_t>()) + "\n";
  if (r.contains("release_interrupted") && r.at("release_interrupted").is_object()) {
    t += r.at("release_interrupted").value("message", "release interrupted") + "\n";
  }
  if (r.contains("release_problem") && !r.at("release_problem").is_null()) {
    t += "release stopped at " + r.at("release_problem").at("at").get<std::string>() + ": " +
         r.at("release_problem").at("problem").get<std::string>() + "\n";
  }
  for (const auto& g : r.at("groups")) {
    t += "\ngroup " + g.at("name").get<std::string>() + "\n  context:  " + g.at("context").get<std::string>() +
         "\n  controls: " + g.at("controls").get<std::string>() + "\n";
    for (const auto& c : g.at("comments")) {
      t += "  [" + c.at("author").get<std::string>() + ", " + c.at("visibility").get<std::string>() + "] " +
           c.at("text").get<std::string>() + "\n";
    }
    for (const auto& f : r.at("files")) {
      if (f.at("group") != g.at("name")) continue;
      t += "  " + f.at("type").get<std::string>() + "  " + f.at("path").get<std::string>() + "  check: " +
           f.at("outcome").get<std::string>();
      if (!f.at("decision").is_null()) t += "  decision: " + f.at("decision").get<std::string>();
      if (f.at("workspace_status") == "updated") t += "  (changed in the workspace: request update)";
      t += "\n";
      for (const auto& v : f.at("votes")) {
        t += "      " + v.at("reviewer").get<std::string>() + ": " + v.at("vote").get<std::string>();
        if (v.contains("comment")) t += " \"" + v.at("comment").get<std::string>() + "\"";
        if (v.contains("override")) t += " (override: " + v.at("override").get<std::string>() + ")";
        t += "\n";
      }
      int shown = 0;
      for (const auto& x : f.at("findings")) {
        if (shown++ == 3) break;
        t += "      " + x.at("rule").get<std::string>() + (x.contains("row") ? " row " + std::to_string(x.at("row").get<std::int64_t>()) : "") +
             (x.contains("column") ? " column \"" + x.at("column").get<std::string>() + "\"" : "") + ": " +
             x.at("message").get<std::string>() + "\n";
      }
    }
  }
  return t;
}

std::string files_text(const nlohmann::json& j, const char* key, const char* verb) {
  std::string t;
  for (const auto& f : j.at(key)) {
    if (f.is_string()) t += std::string(verb) + " " + f.get<std::string>() + "\n";
    else t += std::string(verb) + " " + f.at("path").get<std::string>() + " (" + f.at("outcome").get<std::string>() + ")\n";
  }
  if (j.contains("unchanged")) {
    for (const auto& f : j.at("unchanged")) t += "unchanged " + f.get<std::string>() + "\n";
  }
  return t;
}

}  // namespace

Runner attach_request(CLI::App& sub) {
  sub.require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  std::vector<std::pair<CLI::App*, WorkflowRun>> runs;
  auto id = std::make_shared<std::string>();
  auto paths = std::make_shared<std::vector<std::string>>();

  auto workspace = std::make_shared<std::string>(), ws_name = std::make_shared<std::string>();
  CLI::App* create = add_workflow_command(sub, "create", "start a release request for a workspace", o, runs, [=](Session& s) {
    nlohmann::json body{{"workspace", *workspace}};
    if (!ws_name->empty()) body["workspace_name"] = *ws_name;
    auto c = s.client->call("POST", {"requests"}, {}, with_cwd(body));
    if (c && c->is_object() && (*c)["existed"] == true && (*c)["id"].is_string()) {
      std::cerr << "outcheck: you already have an active request for this workspace: " << (*c)["id"].get<std::string>() << "\n";
    }
    return finish(*o, c, [](const nlohmann::json& j) { return j.at("id").get<std::string>() + "\n"; });
  });
  create->add_option("--workspace", *workspace, "the workspace folder (holding project.yaml)")->required();
  create->add_option("--workspace-name", *ws_name, "its name (default: the folder's name)");

  auto group = std::make_shared<std::string>("default"), type = std::make_shared<std::string>("output");
  CLI::App* add = add_workflow_command(sub, "add", "check files and add them to a request", o, runs, [=](Session& s) {
    return finish(*o, s.client->call("POST", {"requests", *id, "files"}, {},
                                     with_cwd({{"paths", *paths}, {"group", *group}, {"type", *type}})),
                  [](const nlohmann::json& j) { return files_text(j, "added", "added"); });
  });
  add->add_option("id", *id, "the request")->required();
  add->add_option("paths", *paths, "files or folders")->required();
  add->add_option("--group", *group, "the file group (default: default)");
  add->add_option("--type", *type, "output (reviewed and released) or supporting (context only)");

  CLI::App* remove = add_workflow_command(sub, "remove", "withdraw files from a request", o, runs, [=](Session& s) {
    return finish(*o, s.client->call("POST", {"requests", *id, "files", "remove"}, {}, with_cwd({{"paths", *paths}})),
                  [](const nlohmann::json& j) { return files_text(j, "removed", "removed"); });
  });
  remove->add_option("id", *id, "the request")->required();
  remove->add_option("paths", *paths, "files of the request")->required();

  CLI::App* update = add_workflow_command(sub, "update", "take the workspace's new version of changed files", o, runs,
                                          [=](Session& s) {
    return finish(*o, s.client->call("POST", {"requests", *id, "files", "update"}, {}, with_cwd({{"paths", *paths}})),
                  [](const nlohmann::json& j) { return files_text(j, "updated", "updated"); });
  });
  update->add_option("id", *id, "the request")->required();
  update->add_option("paths", *paths, "files of the request")->required();

  auto group_name = std::make_shared<std::string>(), context = std::make_shared<std::string>(),
       controls = std::make_shared<std::string>();
  CLI::App* grp = add_workflow_command(sub, "group", "set a file group's context and disclosure controls", o, runs,
                                       [=](Session& s) {
    return finish_message(*o, s.client->call("POST", {"requests", *id, "groups"}, {},
                                             {{"group", *group_name}, {"context", *context}, {"controls", *controls}}));
  });
  grp->add_option("id", *id, "the request")->required();
  grp->add_option("group", *group_name, "the group")->required();
  grp->add_option("--context", *context, "what the files are, the population, how they relate")->required();
  grp->add_option("--controls", *controls, "the disclosure controls applied")->required();

  struct Transition {
    const char* name;
    const char* help;
  };
  static const Transition kTransitions[] = {
      {"submit", "submit a request for review (author)"},
      {"withdraw", "withdraw a request (author)"},
      {"return", "return a request to its author (output checker)"},
      {"reject", "reject a reviewed request (output checker)"},
  };
  for (const auto& tr : kTransitions) {
    CLI::App* c = add_workflow_command(sub, tr.name, tr.help, o, runs, [=, &tr](Session& s) {
      return finish_message(*o, s.client->call("POST", {"requests", *id, tr.name}));
    });
    c->add_option("id", *id, "the request")->required();
  }

  auto to = std::make_shared<std::string>(), ca_file = std::make_shared<std::string>();
  CLI::App* rel = add_workflow_command(sub, "release", "publish a reviewed request's approved output files", o, runs,
                                       [=](Session& s) {
    // The publishing process's environment holds the job-server token and retry settings: this
    // one's on a local home, the server's in --server mode.
    // Through a server, the destination is the server's own: --to may be left out, and one that
    // names anything else is refused there.
    nlohmann::json body = nlohmann::json::object();
    if (!to->empty()) body["to"] = *to;
    if (!ca_file->empty()) body["ca_file"] = *ca_file;
    return finish(*o, s.client->call("POST", {"requests", *id, "release"}, {}, with_cwd(body)), [](const nlohmann::json& j) {
      std::string t;
      for (const auto& f : j.at("sent")) t += "sent " + f.get<std::string>() + "\n";
      for (const auto& f : j.at("already_sent")) t += "already sent " + f.get<std::string>() + "\n";
      if (j.at("sent").empty() && j.at("audit_head") == "") {
        return t + "request " + j.at("request").get<std::string>() + " was already released to " +
               j.at("target").get<std::string>() + "; nothing to send\n";
      }
      return t + "request " + j.at("request").get<std::string>() + " released to " + j.at("target").get<std::string>() +
             " (audit head " + j.at("audit_head").get<std::string>() + ")\n";
    });
  });
  rel->add_option("id", *id, "the request")->required();
  rel->add_option("--to", *to,
                  "a folder, or the job-server API (https://HOST/api/v2); with --server, the server's own target "
                  "(serve --release-to) and only that");
  rel->add_option("--ca-file", *ca_file, "a CA bundle to trust for https (verification is never off)");

  CLI::App* show = add_workflow_command(sub, "show", "show a request", o, runs, [=](Session& s) {
    return finish(*o, s.client->call("GET", {"requests", *id}), show_text);
  });
  show->add_option("id", *id, "the request")->required();

  auto status = std::make_shared<std::string>(), list_workspace = std::make_shared<std::string>(),
       author = std::make_shared<std::string>(), needs = std::make_shared<std::string>();
  auto mine = std::make_shared<bool>(false);
  auto limit = std::make_shared<std::size_t>(0);
  CLI::App* list = add_workflow_command(sub, "list", "list the requests you may see", o, runs, [=](Session& s) {
    std::map<std::string, std::string> query;
    if (!status->empty()) query["state"] = *status;
    if (!list_workspace->empty()) query["workspace"] = *list_workspace;
    if (!author->empty()) query["author"] = *author;
    if (!needs->empty()) query["needs"] = *needs;
    if (*mine) query["mine"] = "1";
    // Every page, following the cursors, unless --limit caps it.
    return finish(*o, s.client->get_list({"requests"}, query, *limit), [](const nlohmann::json& rows) {
      std::string t;
      for (const auto& r : rows) {
        t += r.at("id").get<std::string>() + "  " + r.at("status").get<std::string>() + "  " + r.at("workspace").get<std::string>() +
             "  " + r.at("author").get<std::string>() + "  " + std::to_string(r.at("output_files").get<int>()) + " output files\n";
      }
      return t;
    });
  });
  list->add_option("--state,--status", *status, "only requests in this state");
  list->add_option("--workspace", *list_workspace, "only requests of this workspace");
  list->add_option("--author", *author, "only requests by this user");
  list->add_option("--needs", *needs, "my-vote: only submitted or partly reviewed requests still waiting for your review")
      ->check(CLI::IsMember({"my-vote"}));
  list->add_flag("--mine", *mine, "only requests you wrote");
  list->add_option("--limit", *limit, "at most N requests (default: all)")->check(CLI::PositiveNumber);
  return group_runner(o, runs);
}

}  // namespace outcheck::cli
