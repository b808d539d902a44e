#include "rules/policy.h"

namespace outcheck::rules {

namespace {

// Word separators allowed between the parts of an identifier header: `_`, `-`, space or nothing.
constexpr const char* kSep = "[_\\- ]?";

Policy opensafely() {
  Policy p;
  p.name = "opensafely";
  p.small_count_threshold = 7;  // OpenSAFELY: redact counts <= 7
  p.zeros_disclosive = false;
  p.rounding_base = 5;          // round to the nearest 5
  p.midpoint6_columns = "(?i)_midpoint6(_derived)?$";
  p.max_file_bytes = 16777216;  // 16 MiB, job-runner's LEVEL4_MAX_FILESIZE
  p.max_csv_rows = 5000;        // LEVEL4_MAX_CSV_ROWS
  p.release_types = {".csv", ".jpg", ".jpeg", ".png", ".svg", ".svgz",
                     ".html", ".txt", ".log", ".json", ".md"};
  p.redaction_markers = {"[REDACTED]", "REDACTED", "*", "NA", "N/A", "-", ""};
  const std::string s = kSep;
  p.patient_identifier_columns = {
      "(?i)^\\s*patient" + s + "id\\s*$",
      "(?i)^\\s*pat" + s + "id\\s*$",
      "(?i)^\\s*person" + s + "id\\s*$",
      "(?i)^\\s*nhs" + s + "(number|no)\\s*$",
  };
  p.unsafe_statistic_columns = {
      "(?i)^\\s*(min|max|minimum|maximum|range)\\s*$",
      "(?i)[_\\- ](min|max|minimum|maximum)\\s*$",
      "(?i)^\\s*(min|max|minimum|maximum)[_\\- ]",
  };
  p.identifier_columns = {
      "(?i)^\\s*(id|practice|practice_pseudo_id|code|codes|snomed|snomed_code|term|description|"
      "date|year|month|week|day|period|age|age_band|ageband|age_group|sex|gender|region|stp|"
      "icb|sub_icb|ethnicity|imd|percentile|decile|quantile|rank|group|category|label|name)\\s*$",
      "(?i)[_\\- ](id|code|date|band|group|category)\\s*$",
  };
  p.rate_columns = {
      "(?i)(^|[^a-z])(value|rate|rates|ratio|percent|percentage|pct|proportion|prop|mean|"
      "median|average|avg|sd|std)([^a-z]|$)",
      "%",
  };
  p.count_columns = {
      "(?i)^\\s*(num|n|count|counts|total|numerator|denominator|events|patients|population|"
      "list_size|freq|frequency)\\s*$",
      "(?i)[_\\- ](count|counts|n|num|total|numerator|denominator)\\s*$",
      "(?i)^\\s*(count|n|num)[_\\- ]",
  };
  p.totals = {"(?i)^\\s*(total|totals|all|overall|sum)\\s*$"};
  p.nhs_number_values = true;
  p.unsafe_statistic_outcome = Outcome::fail;
  return p;
}

Policy sdc_handbook() {
  Policy p = opensafely();
  p.name = "sdc-handbook";
  p.small_count_threshold = 9;  // ACRO: a cell needs at least 10 records
  p.zeros_disclosive = true;
  p.rounding_base = 1;          // no rounding rule
  p.unsafe_statistic_outcome = Outcome::review;
  return p;
}

}  // namespace

std::optional<Policy> preset_policy(const std::string& name) {
  if (name == "opensafely") return opensafely();
  if (name == "sdc-handbook") return sdc_handbook();
  return std::nullopt;
}

std::vector<std::string> preset_names() { return {"opensafely", "sdc-handbook"}; }

}  // namespace outcheck::rules
