#pragma once
// The result of a check run, and its two renderings (interface.md "JSON report"; text for people).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/job_manifest.h"
#include "checker/output_pattern.h"
#include "rules/finding.h"

namespace outcheck::checker {

// How one CSV column was read (interface.md `column_roles`).
struct ColumnRoleEntry {
  std::string name;
  std::string role;  // count, count_midpoint6, rate, measure, dimension, category, identifier, ...
  std::string why;
};

struct FileReport {
  std::string path;
  std::optional<std::string> action;
  std::optional<std::string> output_name;
  Privacy privacy = Privacy::undeclared;
  std::optional<std::int64_t> size;
  std::optional<std::string> sha256;   // absent when the gate blocked the file before reading it
  std::optional<std::int64_t> rows;    // CSV data records
  std::optional<std::int64_t> columns; // CSV header fields
  std::vector<ColumnRoleEntry> column_roles;  // CSV files: every header field's role (the first 10,000)
  std::size_t column_roles_omitted = 0;       // the fields past those
  std::int64_t roles_read_on_rows = 0;  // when a longer table's roles were decided on its first rows
  rules::FindingList findings;
  nlohmann::json policy_override;      // the overriding keys, or null
  // The job that wrote it, from job-runner's metadata/manifest.json; nullopt when the manifest is
  // absent, ignored (`provenance: off`) or has no entry for it. In JSON: `"job"`, job_to_json(*job)
  // or null.
  std::optional<JobProvenance> job;

  rules::Outcome outcome() const { return findings.worst(); }
};

struct Report {
  std::string workspace;
  nlohmann::json policy;
  bool no_project = false;  // `check --no-project`: no project.yaml was used
  // Where provenance came from, for the text report: "metadata/manifest.json (N outputs)", ...
  std::string provenance;
  std::vector<FileReport> files;
};

nlohmann::json report_to_json(const Report& report);
// "written by job X of action Y at commit Z on 2024-03-01T12:34:56Z", as the text report says it.
std::string job_sentence(const JobProvenance& job);
// The same sentence from a report's (or a request file's) "job" object; empty when it is not one.
std::string job_sentence(const nlohmann::json& job);
// json_text(report_to_json(report), 2), byte for byte, built a file at a time: a report of 10,000
// files never holds the whole JSON tree in memory, only its text.
std::string report_to_json_text(const Report& report);
nlohmann::json file_report_to_json(const FileReport& file);
// A table of files and outcomes, then the first findings of each file that did not pass.
std::string report_to_text(const Report& report, std::size_t findings_per_file = 5);

// 0 when every file passes, 1 when any fails or is blocked, 3 when the worst is review.
int exit_code_for(const Report& report);

}  // namespace outcheck::checker
