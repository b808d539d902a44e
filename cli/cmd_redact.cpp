// `outcheck redact IN.csv -o OUT.csv [--policy ...] [--report FILE]`
#include <filesystem>
#include <iostream>
#include <memory>

#include "checker/policy_file.h"
#include "checker/redact_file.h"
#include "cli/command.h"

namespace outcheck::cli {

namespace {

struct RedactArgs {
  std::string in;
  std::string out;
  std::string policy = "opensafely";
  std::string report;
};

// Whether two paths name one file: the same inode when both exist, else the same normalised path.
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec1, ec2, ec3;
  if (fs::exists(a, ec1) && fs::exists(b, ec2)) return fs::equivalent(a, b, ec3);
  auto na = fs::weakly_canonical(fs::absolute(a, ec1), ec1), nb = fs::weakly_canonical(fs::absolute(b, ec2), ec2);
  return !ec1 && !ec2 && na == nb;
}

int run_redact(const RedactArgs& a) {
  // The report must never replace the input or the redacted copy.
  if (!a.report.empty() && same_file(a.report, a.in)) {
    return report_error(invalid_input(a.report + ": is the input file; redact never overwrites its input, name "
                                                 "another --report file"));
  }
  if (!a.report.empty() && same_file(a.report, a.out)) {
    return report_error(invalid_input(a.report + ": is also the -o file; name another --report file"));
  }
  auto policies = checker::load_policy(a.policy, std::filesystem::current_path());
  if (!policies) return report_error(policies.error());
  auto result = checker::redact_file(a.in, a.out, *policies->base, a.report);
  if (!result) return report_error(result.error());
  std::cerr << checker::redact_report_text(*result);
  return 0;
}

}  // namespace

Runner attach_redact(CLI::App& sub) {
  auto a = std::make_shared<RedactArgs>();
  sub.add_option("input", a->in, "the CSV to redact (never modified)")->required();
  sub.add_option("-o,--output", a->out, "where to write the redacted copy (atomically)")->required();
  sub.add_option("--policy", a->policy, "a preset (opensafely, sdc-handbook) or a YAML policy file");
  sub.add_option("--report", a->report, "also write every change as JSON to FILE (both files or neither)");
  return [a] { return run_redact(*a); };
}

}  // namespace outcheck::cli
