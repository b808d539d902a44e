// `outcheck check [PATH...]`
#include "checker/json_text.h"
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>

#include "checker/check_run.h"
#include "cli/command.h"
#include "cli/workflow.h"

namespace fs = std::filesystem;

namespace outcheck::cli {

namespace {

struct CheckArgs {
  std::vector<std::string> paths;
  std::string workspace;
  std::string policy = "opensafely";
  std::size_t max_findings = 100;
  bool no_project = false;
  OutputOptions out;
};

int run_check_command(const CheckArgs& a) {
  fs::path cwd = fs::current_path();
  if (a.no_project && a.paths.empty()) {
    return report_error(invalid_input(
        "check --no-project needs the files or folders to check: outcheck check --no-project PATH... "
        "(without a project there are no declared outputs to find)"));
  }
  checker::CheckCommand command;
  command.workspace = a.workspace;
  command.no_project = a.no_project;
  command.policy = a.policy;
  command.options.paths = a.paths;
  command.options.cwd = cwd;
  // 0 means all (interface.md).
  command.options.max_findings = a.max_findings == 0 ? std::numeric_limits<std::size_t>::max() : a.max_findings;
  std::error_code ec;
  fs::path home = fs::weakly_canonical(home_dir(""), ec);
  if (!ec) command.options.never_enter.push_back(home);

  auto outcome = checker::check_command(command);
  if (!outcome) return report_error(outcome.error());
  // The first line of each warning is enough here; `project validate` shows the source lines.
  for (const auto& w : outcome->project_warnings) std::cerr << "outcheck: warning: " << w.substr(0, w.find('\n')) << "\n";
  const checker::Report& report = outcome->report;
  std::string text = a.out.is_json() ? checker::report_to_json_text(report) + "\n"
                                     : checker::report_to_text(report);
  if (auto s = emit(a.out, text); !s.ok()) return report_error(s.error());
  return checker::exit_code_for(report);
}

}  // namespace

Runner attach_check(CLI::App& sub) {
  auto a = std::make_shared<CheckArgs>();
  sub.add_option("paths", a->paths, "files or folders to check (default: the workspace's outputs)");
  auto* workspace =
      sub.add_option("--workspace", a->workspace, "the workspace root, the folder holding project.yaml");
  sub.add_flag("--no-project", a->no_project,
               "check the named files without a project.yaml: each is an unclassified output, judged as a "
               "moderately sensitive one; they must lie under the current folder")
      ->excludes(workspace);
  sub.add_option("--policy", a->policy, "a preset (opensafely, sdc-handbook) or a YAML policy file");
  sub.add_option("--max-findings", a->max_findings, "findings listed per rule per file, 0 for all (all are counted)")
      ->check(CLI::NonNegativeNumber);
  a->out.add_to(sub);
  return [a] { return run_check_command(*a); };
}

}  // namespace outcheck::cli
