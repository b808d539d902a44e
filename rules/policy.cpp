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
  p.rounding_accept = {6, 7, 10};  // bases OpenSAFELY's guidance and Airlock's hints also see in use
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
  // Word boundaries: `_`, `-`, space, or the header's start or end. A `.` joins words (R's
  // `p.value`, `std.error`, `n.risk`), so the rate words `value` and `std` never match inside them.
  const std::string b = "(^|[_\\- ])", e = "([_\\- ]|$)";
  // The same, where `.` also separates (bounds such as `conf.low`, `hr.ll`).
  const std::string bd = "(^|[_.\\- ])", ed = "([_.\\- ]|$)";
  p.unsafe_statistic_columns = {
      "(?i)^\\s*(min|max|minimum|maximum|range)\\s*$",
      "(?i)[_\\- ](min|max|minimum|maximum)\\s*$",
      "(?i)^\\s*(min|max|minimum|maximum)[_\\- ]",
      // Quantiles at 0 and 100 are the minimum and the maximum.
      "(?i)" + bd + "(q0|p0|p100|centile_?0|centile_?100)" + ed,
  };
  p.identifier_columns = {
      "(?i)^\\s*(id|practice|practice_pseudo_id|code|codes|snomed|snomed_code|term|description|"
      "date|year|month|week|day|period|age|age_band|ageband|age_group|sex|gender|region|stp|"
      "icb|sub_icb|ethnicity|imd|percentile|decile|quantile|rank|group|category|label|name)\\s*$",
      "(?i)[_\\- ](id|code|date|band|group|category)\\s*$",
  };
  // Integers that index a table: time axes and follow-up bounds, model numbers, factor levels, codes.
  p.dimension_columns = {
      "(?i)^\\s*(time|t|tstart|tstop|model|model_num|model_number|nlevels|n_levels|levels|"
      "convergence|flag|indicator|bin)\\s*$",
      "(?i)" + bd + "(tstart|tstop|term_left|term_right|nlevels|n_levels|binned)" + ed,
  };
  p.rate_columns = {
      "(?i)" + b + "(value|rate|rates|ratio|percent|percentage|pct|perc|proportion|prop|mean|average|avg|sd|std)" + e,
      // camelCase words: crudeRate, meanValue.
      "[a-z](Value|Rate|Rates|Ratio|Percent|Percentage|Pct|Proportion|Prop|Mean|Average)([A-Z_\\- ]|$)",
      "(?i)" + b + "per_?\\d+k?" + e,  // per_1000, per100k
      "%",
  };
  p.count_columns = {
      "(?i)^\\s*(num|n|count|counts|total|numerator|denominator|events|patients|population|"
      "list_size|freq|frequency|nevent|nevents|nobs|n_obs)\\s*$",
      "(?i)[_\\- ](count|counts|n|num|total|numerator|denominator)\\s*$",
      "(?i)^\\s*(count|n|num)[._\\- ]",
      // Count words anywhere: cumulative counts, and a count word beats a duration suffix
      // (`covid_death_28days` counts deaths).
      "(?i)" + b + "(count|counts|deaths?|cases|events|patients|people|persons)" + e,
      "(?i)\\((n|count)\\)",  // "Vaccines declined (n)"
  };
  // Numbers that are not counts: quantiles, interval bounds, person-time and durations, model
  // statistics. Tried after counts, so a count word wins.
  p.measure_columns = {
      "(?i)" + bd + "(q1|q2|q3|lq|uq|iqr|median|quartile|quartiles|p\\d{1,2}|centile_?\\d{1,2})" + ed,
      "(?i)" + bd + "(lower|upper|lci|uci|lcl|ucl|ll|ul|lb|ub|conf|ci)" + ed,
      "(?i)(person|patient)[_\\- ]?(time|years|days|months|weeks)",
      "(?i)" + bd + "(pyears|pt_days|pt_years|fu_years|fu_days|follow_up|followup)" + ed,
      "(?i)[_\\- ](days|years|weeks|months|hours|minutes)\\s*$",
      "(?i)" + bd + "(p|pval|pvalue|p\\.value|se|stderr|std\\.error|robust\\.se|estimate|coef|statistic)" + ed,
  };
  p.totals = {"(?i)^\\s*(total|totals|all|overall|sum)\\s*$"};
  p.nhs_number_values = true;
  p.unsafe_statistic_outcome = Outcome::fail;
  p.organisation_identifier = Outcome::fail;  // OpenSAFELY's permitted study results policy
  return p;
}

Policy sdc_handbook() {
  Policy p = opensafely();
  p.name = "sdc-handbook";
  p.small_count_threshold = 9;  // ACRO: a cell needs at least 10 records
  p.zeros_disclosive = true;
  p.rounding_base = 1;          // no rounding rule
  p.rounding_accept = {};
  p.unsafe_statistic_outcome = Outcome::review;
  p.organisation_identifier = Outcome::review;
  return p;
}

}  // namespace

std::optional<Policy> preset_policy(const std::string& name) {
  if (name == "opensafely") return opensafely();
  if (name == "sdc-handbook") return sdc_handbook();
  return std::nullopt;
}

std::vector<std::string> preset_names() { return {"opensafely", "sdc-handbook"}; }

const char* organisation_identifier_name(std::optional<Outcome> setting) {
  return setting ? outcome_name(*setting) : "off";
}

const char* provenance_name(Policy::Provenance setting) {
  switch (setting) {
    case Policy::Provenance::if_present: return "if_present";
    case Policy::Provenance::required: return "required";
    case Policy::Provenance::off: return "off";
  }
  return "if_present";
}

std::optional<Policy::Provenance> provenance_from_name(const std::string& name) {
  if (name == "if_present") return Policy::Provenance::if_present;
  if (name == "required") return Policy::Provenance::required;
  if (name == "off") return Policy::Provenance::off;
  return std::nullopt;
}

}  // namespace outcheck::rules
