#pragma once
// `outcheck redact IN -o OUT [--report FILE]`: reads a well-formed CSV whole, redacts it
// (rules/redact.h) and writes the result, with its report when asked, atomically and together. The
// input is never opened for writing.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "rules/compiled_policy.h"
#include "rules/redact.h"

namespace outcheck::checker {

struct RedactResult {
  std::vector<rules::RedactChange> changes;
  std::int64_t rows = 0;
  // The rules the copy still fails, checked as `check` would (an organisation code, say, which no
  // redaction can turn into a region): each with its count of findings.
  std::map<std::string, std::int64_t> still_failing;
};

nlohmann::json redact_report_json(const std::string& in, const std::string& out, const rules::Policy& policy,
                                  const RedactResult& result);

// Refuses (invalid_input) a malformed CSV, naming the row and line, and an OUT that is IN. With a
// `report` path, the JSON report (redact_report_json) is written there too: both files or neither.
Result<RedactResult> redact_file(const std::string& in, const std::string& out, const rules::CompiledPolicy& policy,
                                 const std::string& report = "");
std::string redact_report_text(const RedactResult& result);

}  // namespace outcheck::checker
