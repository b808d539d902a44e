#include "cli/outcheck_main.h"

#include <iostream>
#include <string_view>

#include "cli/command.h"
#include "cli/workflow.h"
#include "checker/atomic_file.h"

namespace outcheck::cli {

Runner attach_workspace(CLI::App& sub);  // cmd_user.cpp
Runner attach_home(CLI::App& sub);       // cmd_home.cpp

void OutputOptions::add_to(CLI::App& app) {
  app.add_option("--format", format, "output format")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--json", json, "short for --format json");
  app.add_option("--output", output, "write the output to FILE (atomically) instead of stdout");
}

Status emit(const OutputOptions& out, const std::string& text) {
  if (out.output.empty()) {
    std::cout << text;
    std::cout.flush();
    return Status::OK();
  }
  return checker::write_file_atomically(out.output, text);
}

int report_error(const Error& error) {
  std::cerr << "outcheck: " << error.message << "\n";
  switch (error.kind) {
    case ErrorKind::refused:
    case ErrorKind::unavailable: return 1;
    default: return 2;
  }
}

namespace {

const Command kCommands[] = {
    {"check", "check files of a workspace for release (exit 0 pass, 1 fail/blocked, 3 needs review)", attach_check},
    {"project", "work with the workspace's project.yaml", attach_project},
    {"rules", "every rule the checker runs: its id, scope, outcome and what it finds", attach_rules},
    {"redact", "write a copy of a CSV that passes the small-count, rounding and secondary-disclosure rules",
     attach_redact},
    {"user", "manage users (admin)", attach_user},
    {"policy", "the site policy that release requests use", attach_policy},
    {"workspace", "workspace membership: who may create requests for a workspace (admin)", attach_workspace},
    {"request", "release requests: create, add files, submit, show, list", attach_request},
    {"review", "review a request: vote, comment, submit your review", attach_review},
    {"audit", "the tamper-evident audit log", attach_audit},
    {"release", "published releases: verify a release folder against its manifest, release record and audit log",
     attach_release},
    {"home", "the home folder: check it for damage and leftovers of interrupted work, and repair them", attach_home},
    {"serve", "the review server: web pages for reviewers and the JSON API for --server", attach_serve_program},
};

// The command a command line names: its first word that is not an option (the top level takes no
// option with a value), or null.
const Command* named_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word.starts_with('-')) continue;
    for (const auto& c : kCommands) {
      if (word == c.name) return &c;
    }
    return nullptr;
  }
  return nullptr;
}

}  // namespace

int outcheck_main(int argc, char** argv) {
  CLI::App app{"outcheck: output review and release checker for trusted research environments"};
  app.set_version_flag("--version", "outcheck 0.1.0");
  app.require_subcommand(1);
  // Only the named command's options are built; the others are listed (for the top-level help) but
  // left empty. Building every command's options was about 4,000 allocations in each process, and
  // the tests start thousands of them, under AddressSanitizer too.
  const Command* named = named_command(argc, argv);
  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const auto& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    if (&c == named) runners.emplace_back(sub, c.attach(*sub));
  }
  return parse_and_run(app, argc, argv, [&]() -> Runner {
    for (auto& [sub, run] : runners) {
      if (sub->parsed()) return run;
    }
    return nullptr;
  });
}

int parse_and_run(CLI::App& app, int argc, char** argv, const std::function<Runner()>& parsed) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    if (Runner run = parsed()) return run();
  } catch (const std::exception& e) {
    // Nothing is expected to throw past the libraries; if something does, say so plainly.
    std::cerr << "outcheck: internal error: " << e.what() << "\n";
    return 2;
  }
  return 2;
}

}  // namespace outcheck::cli
