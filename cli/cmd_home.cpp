// `outcheck home check [--repair] [--home H] [--json]`: the home's integrity, store references,
// orphans, leftovers of interrupted processes, the audit verification and interrupted releases
// (db/home_check.h). Run on the machine that holds the home, by whoever may read it (the service
// account): it needs no token. Exit 0 when clean, 1 when something is wrong, 2 when it cannot check.
#include <memory>

#include "checker/json_text.h"
#include "cli/command.h"
#include "cli/workflow.h"
#include "db/home_check.h"

namespace outcheck::cli {

Runner attach_home(CLI::App& sub) {
  sub.require_subcommand(1);
  struct Options {
    std::string home;
    bool repair = false;
    OutputOptions out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* check = sub.add_subcommand(
      "check", "check the home: integrity, stored files, orphans, leftovers, the audit log (exit 1 if anything is wrong)");
  check->add_option("--home", o->home, "the outcheck home (default: $OUTCHECK_HOME, else ./.outcheck)");
  check->add_flag("--repair", o->repair, "remove orphaned stored files and leftovers of interrupted processes");
  o->out.add_to(*check);
  return [o, check]() -> int {
    if (!check->parsed()) return 2;
    auto report = db::check_home(home_dir(o->home), o->repair);
    if (!report) return report_error(report.error());
    const std::string text = o->out.is_json() ? checker::json_text(report->to_json(), 2) + "\n" : report->to_text();
    if (auto s = emit(o->out, text); !s.ok()) return report_error(s.error());
    return report->clean() ? 0 : 1;
  };
}

}  // namespace outcheck::cli
