// The presets against the table of policy.md, header roles in policy.md's order (patient_identifier,
// unsafe_statistic, identifier, rate, count), redaction markers, and pattern errors.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "rules/compiled_policy.h"
#include "rules/policy.h"

using namespace outcheck::rules;

namespace {

std::shared_ptr<const CompiledPolicy> compiled(const std::string& name) {
  auto p = preset_policy(name);
  REQUIRE(p);
  auto c = CompiledPolicy::compile(*p);
  REQUIRE(c.ok());
  return *c;
}

const std::vector<std::string> kReleaseTypes = {".csv", ".jpg",  ".jpeg", ".png", ".svg", ".svgz",
                                                ".html", ".txt", ".log",  ".json", ".md"};

}  // namespace

TEST_CASE("the opensafely preset is policy.md's table", "[rules]") {
  auto p = preset_policy("opensafely");
  REQUIRE(p);
  CHECK(p->name == "opensafely");
  CHECK(p->small_count_threshold == 7);
  CHECK(p->zeros_disclosive == false);
  CHECK(p->rounding_base == 5);
  CHECK(p->midpoint6_columns == "(?i)_midpoint6(_derived)?$");
  CHECK(p->max_file_bytes == 16777216);
  CHECK(p->max_csv_rows == 5000);
  CHECK(p->release_types == kReleaseTypes);
  CHECK(p->unsafe_statistic_outcome == Outcome::fail);
  CHECK(p->nhs_number_values == true);
  CHECK(p->identifier_value_patterns.empty());
  CHECK(p->redaction_markers == std::vector<std::string>{"[REDACTED]", "REDACTED", "*", "NA", "N/A", "-", ""});
  CHECK(p->totals == std::vector<std::string>{"(?i)^\\s*(total|totals|all|overall|sum)\\s*$"});
}

TEST_CASE("the sdc-handbook preset is policy.md's table", "[rules]") {
  auto p = preset_policy("sdc-handbook");
  REQUIRE(p);
  CHECK(p->name == "sdc-handbook");
  CHECK(p->small_count_threshold == 9);
  CHECK(p->zeros_disclosive == true);
  CHECK(p->rounding_base == 1);
  CHECK(p->midpoint6_columns == "(?i)_midpoint6(_derived)?$");
  CHECK(p->max_file_bytes == 16777216);
  CHECK(p->max_csv_rows == 5000);
  CHECK(p->release_types == kReleaseTypes);
  CHECK(p->unsafe_statistic_outcome == Outcome::review);
}

TEST_CASE("only the two presets exist", "[rules]") {
  CHECK(preset_names() == std::vector<std::string>{"opensafely", "sdc-handbook"});
  CHECK_FALSE(preset_policy("OpenSAFELY"));
  CHECK_FALSE(preset_policy(""));
  CHECK_FALSE(preset_policy("acro"));
}

TEST_CASE("patient identifier headers in any case, with _, -, space or nothing", "[rules]") {
  auto c = compiled("opensafely");
  for (const char* h : {"patient_id", "PATIENT_ID", "Patient-Id", "patient id", "patientid", "PatientID",
                        "patid", "PatId", "pat_id", "PAT-ID", "pat id",
                        "person_id", "Person ID", "personid", "person-id",
                        "nhs_number", "NHS Number", "nhs-number", "nhsnumber", "NHSNUMBER",
                        "nhs_no", "NHS No", "nhs-no", "nhsno", " patient_id "}) {
    INFO(h);
    CHECK(c->header_role(h) == HeaderRole::patient_identifier);
  }
  // Close but not patient identifiers.
  CHECK(c->header_role("patient_count") == HeaderRole::count);
  CHECK(c->header_role("patients") == HeaderRole::count);
  CHECK(c->header_role("practice_id") == HeaderRole::identifier);
  CHECK(c->header_role("patient__id") == HeaderRole::identifier);  // two separators: a `*_id` header
}

TEST_CASE("unsafe statistic headers, tried before identifier and rate", "[rules]") {
  auto c = compiled("opensafely");
  for (const char* h : {"min", "max", "MIN", "Maximum", "minimum", "range", "age_min", "age_max", "min_age",
                        "max-age", "value max"}) {
    INFO(h);
    CHECK(c->header_role(h) == HeaderRole::unsafe_statistic);
  }
  // These match identifier (`*_date`, `*_band`), rate (`value`) or count (`count_*`) patterns too.
  CHECK(c->header_role("max_date") == HeaderRole::unsafe_statistic);
  CHECK(c->header_role("min_age_band") == HeaderRole::unsafe_statistic);
  CHECK(c->header_role("max_value") == HeaderRole::unsafe_statistic);
  CHECK(c->header_role("count_max") == HeaderRole::unsafe_statistic);
  // `min` or `max` inside a word is not a statistic.
  CHECK(c->header_role("admin") == HeaderRole::none);
  CHECK(c->header_role("maximal") == HeaderRole::none);
}

TEST_CASE("identifier headers", "[rules]") {
  auto c = compiled("opensafely");
  for (const char* h : {"practice", "date", "code", "Code", "percentile", "age_band", "age", "sex", "region",
                        "decile", "year", "month", "week", "id", "practice_pseudo_id", "snomed_code", "start_date"}) {
    INFO(h);
    CHECK(c->header_role(h) == HeaderRole::identifier);
  }
}

TEST_CASE("rate headers, tried before count", "[rules]") {
  auto c = compiled("opensafely");
  CHECK(c->header_role("Proportion of codes (%)") == HeaderRole::rate);
  for (const char* h : {"value", "rate", "ratio", "percent", "pct", "proportion", "mean", "%", "% of total",
                        "rate_per_1000", "Value"}) {
    INFO(h);
    CHECK(c->header_role(h) == HeaderRole::rate);
  }
}

TEST_CASE("count headers", "[rules]") {
  auto c = compiled("opensafely");
  for (const char* h : {"num", "list_size", "n_events", "events_count", "n", "count", "total", "numerator",
                        "denominator", "events", "population", "NUM", "count_patients", "event_n"}) {
    INFO(h);
    CHECK(c->header_role(h) == HeaderRole::count);
  }
}

TEST_CASE("headers that match nothing are left to their values", "[rules]") {
  auto c = compiled("opensafely");
  for (const char* h : {"", "widgets", "score", "x_midpoint6_derived", "thing"}) {
    INFO(h);
    CHECK(c->header_role(h) == HeaderRole::none);
  }
}

TEST_CASE("midpoint-6 and total headers", "[rules]") {
  auto c = compiled("opensafely");
  CHECK(c->is_midpoint6("n_midpoint6"));
  CHECK(c->is_midpoint6("x_midpoint6_derived"));
  CHECK(c->is_midpoint6("N_MIDPOINT6"));
  CHECK_FALSE(c->is_midpoint6("midpoint6"));
  CHECK_FALSE(c->is_midpoint6("n_midpoint6_x"));
  CHECK_FALSE(c->is_midpoint6("n"));

  for (const char* t : {"total", "Total", "TOTALS", "all", "overall", "sum", " total "}) {
    INFO(t);
    CHECK(c->is_total(t));
  }
  CHECK_FALSE(c->is_total("subtotal"));
  CHECK_FALSE(c->is_total("total_events"));
  CHECK_FALSE(c->is_total(""));
}

TEST_CASE("redaction markers: exact markers case- and space-insensitively, and <=N, <N", "[rules]") {
  auto c = compiled("opensafely");
  for (const char* m : {"[REDACTED]", "redacted", " [ redacted ] ", "REDACTED", "NA", "na", "n/a", "N / A", "*",
                        "-", "", "  ", "<=7", "<=100", "<5", " <= 7 "}) {
    INFO("'" << m << "'");
    CHECK(c->is_marker(m));
  }
  for (const char* m : {"7", "0", "<=", "<", "<x", "<=x", "redact", "[REDACTED", "nan", "null", "--", ">=7", "abc"}) {
    INFO("'" << m << "'");
    CHECK_FALSE(c->is_marker(m));
  }
}

TEST_CASE("a policy's own marker list replaces the defaults, but <=N stays a marker", "[rules]") {
  auto p = preset_policy("opensafely");
  REQUIRE(p);
  p->redaction_markers = {"Suppressed"};
  auto c = CompiledPolicy::compile(*p);
  REQUIRE(c.ok());
  CHECK((*c)->is_marker("SUPPRESSED"));
  CHECK((*c)->is_marker(" suppressed "));
  CHECK((*c)->is_marker("<=7"));
  CHECK_FALSE((*c)->is_marker("[REDACTED]"));
  CHECK_FALSE((*c)->is_marker(""));
}

TEST_CASE("identifier value patterns", "[rules]") {
  auto p = preset_policy("opensafely");
  REQUIRE(p);
  CHECK_FALSE((*CompiledPolicy::compile(*p))->is_identifier_value("AB123456"));
  p->identifier_value_patterns = {"^[A-Z]{2}[0-9]{6}$"};
  auto c = CompiledPolicy::compile(*p);
  REQUIRE(c.ok());
  CHECK((*c)->is_identifier_value("AB123456"));
  CHECK_FALSE((*c)->is_identifier_value("AB12345"));
}

TEST_CASE("a bad RE2 pattern fails compile, naming the key", "[rules]") {
  struct Case {
    const char* key;
    void (*spoil)(Policy&);
  };
  const Case cases[] = {
      {"columns.patient_identifier", [](Policy& p) { p.patient_identifier_columns.push_back("(unclosed"); }},
      {"columns.unsafe_statistic", [](Policy& p) { p.unsafe_statistic_columns.push_back("[z-a]"); }},
      {"columns.identifier", [](Policy& p) { p.identifier_columns.push_back("(?i)^(practice"); }},
      {"columns.rate", [](Policy& p) { p.rate_columns.push_back("*value"); }},
      {"columns.count", [](Policy& p) { p.count_columns.push_back("num)"); }},
      {"totals", [](Policy& p) { p.totals = {"(?<!x)total"}; }},
      {"identifier_values.patterns", [](Policy& p) { p.identifier_value_patterns = {"\\"}; }},
      {"midpoint6.columns", [](Policy& p) { p.midpoint6_columns = "(?i)_midpoint6("; }},
  };
  for (const auto& k : cases) {
    auto p = preset_policy("opensafely");
    REQUIRE(p);
    k.spoil(*p);
    auto c = CompiledPolicy::compile(*p);
    INFO(k.key);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == outcheck::ErrorKind::invalid_input);
    CHECK_THAT(c.error().message, Catch::Matchers::Contains(k.key));
  }
}
