#pragma once
// The disclosure policy: every setting a verdict depends on (policy.md, "All keys").
// Plain data; presets are built here, files are read by checker/policy_file.h.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/finding.h"

namespace outcheck::rules {

struct Policy {
  std::string name;  // preset name, or the policy file's path

  std::int64_t small_count_threshold = 7;
  bool zeros_disclosive = false;
  std::int64_t rounding_base = 5;
  // Other bases a whole count column may consistently use (policy.md `rounding.accept`).
  std::vector<std::int64_t> rounding_accept;
  std::string midpoint6_columns;

  std::int64_t max_file_bytes = 16777216;
  std::int64_t max_csv_rows = 5000;
  std::vector<std::string> release_types;

  std::vector<std::string> redaction_markers;

  // Column roles by header, RE2 patterns (policy.md "Column roles").
  std::vector<std::string> patient_identifier_columns;
  std::vector<std::string> identifier_columns;
  std::vector<std::string> dimension_columns;
  std::vector<std::string> count_columns;
  std::vector<std::string> rate_columns;
  std::vector<std::string> measure_columns;
  std::vector<std::string> unsafe_statistic_columns;
  std::vector<std::string> totals;

  bool nhs_number_values = true;
  std::vector<std::string> identifier_value_patterns;

  Outcome unsafe_statistic_outcome = Outcome::fail;

  // Real organisation codes (policy.md `organisation_identifier: fail|review|off`); nullopt is off.
  // A table keyed by pseudonymous practice ids is at most review (rules/organisation_codes.h).
  std::optional<Outcome> organisation_identifier = Outcome::fail;

  // job-runner's metadata/manifest.json (policy.md `provenance`, interface.md "Provenance"):
  // if_present checks files against it when the workspace has one; required also makes a missing
  // manifest `not_from_job` for every file; off never reads it.
  enum class Provenance { if_present, required, off };
  Provenance provenance = Provenance::if_present;
};

// The policy key's value as written: "if_present", "required" or "off".
const char* provenance_name(Policy::Provenance setting);
std::optional<Policy::Provenance> provenance_from_name(const std::string& name);

// The policy key's value as written: "fail", "review" or "off".
const char* organisation_identifier_name(std::optional<Outcome> setting);

// The built-in presets by name ("opensafely", "sdc-handbook"); nullopt for any other name.
std::optional<Policy> preset_policy(const std::string& name);
std::vector<std::string> preset_names();

}  // namespace outcheck::rules
