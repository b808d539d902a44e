#include "checker/policy_keys.h"

namespace outcheck::checker {

namespace {

using nlohmann::json;
using rules::Outcome;
using rules::Policy;
using K = PolicyValueKind;

std::vector<std::string> strings_of(const json& v) { return v.get<std::vector<std::string>>(); }

}  // namespace

const std::vector<PolicyKey>& policy_keys() {
  static const std::vector<PolicyKey> keys = {
      {"small_count.threshold", K::whole_number, "a count n with 0 < n <= threshold is disclosive",
       [](const Policy& p) -> json { return p.small_count_threshold; },
       [](Policy& p, const json& v) { p.small_count_threshold = v.get<std::int64_t>(); }, 0},
      {"small_count.zeros_disclosive", K::boolean, "then 0 <= n <= threshold: a zero is disclosive too",
       [](const Policy& p) -> json { return p.zeros_disclosive; },
       [](Policy& p, const json& v) { p.zeros_disclosive = v.get<bool>(); }},
      {"rounding.base", K::whole_number, "counts must be multiples of it (1: no rounding rule)",
       [](const Policy& p) -> json { return p.rounding_base; },
       [](Policy& p, const json& v) { p.rounding_base = v.get<std::int64_t>(); }, 1},
      {"rounding.accept", K::bases, "other bases a whole count column may consistently use",
       [](const Policy& p) -> json { return p.rounding_accept; },
       [](Policy& p, const json& v) { p.rounding_accept = v.get<std::vector<std::int64_t>>(); }},
      {"midpoint6.columns", K::pattern, "headers of midpoint-6 rounded columns",
       [](const Policy& p) -> json { return p.midpoint6_columns; },
       [](Policy& p, const json& v) { p.midpoint6_columns = v.get<std::string>(); }},
      {"limits.max_file_bytes", K::whole_number, "a larger file is blocked (file_size)",
       [](const Policy& p) -> json { return p.max_file_bytes; },
       [](Policy& p, const json& v) { p.max_file_bytes = v.get<std::int64_t>(); }, 1},
      {"limits.max_csv_rows", K::whole_number, "a CSV with more data records fails (csv_rows)",
       [](const Policy& p) -> json { return p.max_csv_rows; },
       [](Policy& p, const json& v) { p.max_csv_rows = v.get<std::int64_t>(); }, 0},
      {"limits.release_types", K::extensions, "the file extensions that may be released (file_type)",
       [](const Policy& p) -> json { return p.release_types; },
       [](Policy& p, const json& v) { p.release_types = strings_of(v); }},
      {"redaction_markers", K::strings, "cells that mean a redacted value, compared case- and space-insensitively",
       [](const Policy& p) -> json { return p.redaction_markers; },
       [](Policy& p, const json& v) { p.redaction_markers = strings_of(v); }},
      {"columns.patient_identifier", K::patterns, "headers of columns that identify patients: the file is blocked",
       [](const Policy& p) -> json { return p.patient_identifier_columns; },
       [](Policy& p, const json& v) { p.patient_identifier_columns = strings_of(v); }},
      {"columns.identifier", K::patterns, "headers of columns that label rows and are not counts",
       [](const Policy& p) -> json { return p.identifier_columns; },
       [](Policy& p, const json& v) { p.identifier_columns = strings_of(v); }},
      {"columns.dimension", K::patterns, "headers of integers that index a table and are not counts",
       [](const Policy& p) -> json { return p.dimension_columns; },
       [](Policy& p, const json& v) { p.dimension_columns = strings_of(v); }},
      {"columns.count", K::patterns, "headers of count columns",
       [](const Policy& p) -> json { return p.count_columns; },
       [](Policy& p, const json& v) { p.count_columns = strings_of(v); }},
      {"columns.rate", K::patterns, "headers of rates, ratios and percentages",
       [](const Policy& p) -> json { return p.rate_columns; },
       [](Policy& p, const json& v) { p.rate_columns = strings_of(v); }},
      {"columns.measure", K::patterns, "headers of numbers that are not counts (quantiles, bounds, person-time)",
       [](const Policy& p) -> json { return p.measure_columns; },
       [](Policy& p, const json& v) { p.measure_columns = strings_of(v); }},
      {"columns.unsafe_statistic", K::patterns, "headers of statistics that describe single people (min, max)",
       [](const Policy& p) -> json { return p.unsafe_statistic_columns; },
       [](Policy& p, const json& v) { p.unsafe_statistic_columns = strings_of(v); }},
      {"totals", K::patterns, "labels of total rows and headers of total columns",
       [](const Policy& p) -> json { return p.totals; },
       [](Policy& p, const json& v) { p.totals = strings_of(v); }},
      {"identifier_values.nhs_number", K::boolean, "values that are valid NHS numbers identify people",
       [](const Policy& p) -> json { return p.nhs_number_values; },
       [](Policy& p, const json& v) { p.nhs_number_values = v.get<bool>(); }},
      {"identifier_values.patterns", K::patterns, "more values that identify people",
       [](const Policy& p) -> json { return p.identifier_value_patterns; },
       [](Policy& p, const json& v) { p.identifier_value_patterns = strings_of(v); }},
      {"outcomes.unsafe_statistic", K::choice, "the outcome of an unsafe statistic",
       [](const Policy& p) -> json { return rules::outcome_name(p.unsafe_statistic_outcome); },
       [](Policy& p, const json& v) { p.unsafe_statistic_outcome = v == "fail" ? Outcome::fail : Outcome::review; },
       0, {"fail", "review"}},
      {"organisation_identifier", K::choice, "the outcome of real organisation codes",
       [](const Policy& p) -> json { return rules::organisation_identifier_name(p.organisation_identifier); },
       [](Policy& p, const json& v) {
         if (v == "off") p.organisation_identifier = std::nullopt;
         else p.organisation_identifier = v == "fail" ? Outcome::fail : Outcome::review;
       },
       0, {"fail", "review", "off"}},
      {"provenance", K::choice, "job-runner's manifest checks: read when present, required, or never read",
       [](const Policy& p) -> json { return rules::provenance_name(p.provenance); },
       [](Policy& p, const json& v) { p.provenance = *rules::provenance_from_name(v.get<std::string>()); },
       0, {"if_present", "required", "off"}, /*top_level_only=*/true},
  };
  return keys;
}

json::json_pointer policy_key_pointer(const std::string& name) {
  std::string pointer = "/" + name;
  for (char& c : pointer) {
    if (c == '.') c = '/';
  }
  return json::json_pointer(pointer);
}

}  // namespace outcheck::checker
