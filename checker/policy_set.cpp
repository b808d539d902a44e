#include "checker/policy_set.h"

#include "checker/output_pattern.h"

namespace outcheck::checker {

const PolicyOverride* PolicySet::override_for(std::string_view relpath) const {
  for (const auto& o : overrides) {
    if (glob_match(o.glob, relpath)) return &o;
  }
  return nullptr;
}

const rules::CompiledPolicy& PolicySet::for_path(std::string_view relpath) const {
  const PolicyOverride* o = override_for(relpath);
  return o ? *o->policy : *base;
}

nlohmann::json policy_to_json(const rules::Policy& p) {
  using nlohmann::json;
  return json{
      {"name", p.name},
      {"small_count", {{"threshold", p.small_count_threshold}, {"zeros_disclosive", p.zeros_disclosive}}},
      {"rounding", {{"base", p.rounding_base}, {"accept", p.rounding_accept}}},
      {"midpoint6", {{"columns", p.midpoint6_columns}}},
      {"limits",
       {{"max_file_bytes", p.max_file_bytes}, {"max_csv_rows", p.max_csv_rows}, {"release_types", p.release_types}}},
      {"redaction_markers", p.redaction_markers},
      {"columns",
       {{"patient_identifier", p.patient_identifier_columns},
        {"identifier", p.identifier_columns},
        {"dimension", p.dimension_columns},
        {"count", p.count_columns},
        {"rate", p.rate_columns},
        {"measure", p.measure_columns},
        {"unsafe_statistic", p.unsafe_statistic_columns}}},
      {"totals", p.totals},
      {"identifier_values", {{"nhs_number", p.nhs_number_values}, {"patterns", p.identifier_value_patterns}}},
      {"outcomes", {{"unsafe_statistic", rules::outcome_name(p.unsafe_statistic_outcome)}}},
      {"organisation_identifier", rules::organisation_identifier_name(p.organisation_identifier)},
      {"provenance", rules::provenance_name(p.provenance)},
  };
}

}  // namespace outcheck::checker
