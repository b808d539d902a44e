// `outcheck project validate [FILE|DIR]`
#include "checker/json_text.h"
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "checker/project.h"
#include "cli/command.h"

namespace fs = std::filesystem;

namespace outcheck::cli {

namespace {

struct ValidateArgs {
  std::string target = ".";
  OutputOptions out;
};

int run_validate(const ValidateArgs& a) {
  fs::path p(a.target);
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "project.yaml";
  if (!fs::exists(p, ec)) return report_error(not_found(p.string() + ": no such file"));
  auto project = checker::load_project(p.string());
  if (!project) {
    if (a.out.is_json()) {
      nlohmann::json j{{"file", p.string()}, {"valid", false}, {"error", project.error().message}};
      (void)emit(a.out, checker::json_text(j, 2) + "\n");
    }
    return report_error(project.error());
  }
  for (const auto& w : project->warnings) std::cerr << "outcheck: warning: " << w << "\n";
  std::string text;
  if (a.out.is_json()) {
    nlohmann::json outputs = nlohmann::json::array();
    for (const auto& o : project->outputs) {
      outputs.push_back({{"action", o.action}, {"output_name", o.output_name}, {"pattern", o.pattern},
                         {"privacy", checker::privacy_name(o.privacy)}});
    }
    text = checker::json_text(nlohmann::json{{"file", p.string()}, {"valid", true}, {"version", project->version},
                                             {"warnings", project->warnings}, {"outputs", outputs}},
                              2) + "\n";
  } else {
    text = p.string() + ": valid (version " + std::to_string(static_cast<int>(project->version)) + ", " +
           std::to_string(project->outputs.size()) + " output patterns, " +
           std::to_string(project->warnings.size()) + " warnings)\n";
  }
  if (auto s = emit(a.out, text); !s.ok()) return report_error(s.error());
  return 0;
}

}  // namespace

Runner attach_project(CLI::App& sub) {
  sub.require_subcommand(1);
  auto a = std::make_shared<ValidateArgs>();
  CLI::App* validate = sub.add_subcommand("validate", "check project.yaml as the OpenSAFELY pipeline does");
  validate->add_option("target", a->target, "project.yaml, or the folder holding it (default: .)");
  a->out.add_to(*validate);
  return [a] { return run_validate(*a); };
}

}  // namespace outcheck::cli
