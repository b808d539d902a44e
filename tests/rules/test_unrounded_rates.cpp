// derived_from_unrounded (rules/unrounded_rates.h): a rate that is the ratio of two counts of its
// record, computed before they were rounded, disagrees with the published counts at its printed
// precision and gives the unrounded counts back. The seed's measure file is the model: 29.2 from
// 329 / 11,267, published beside 330 and 11,265, which give 29.29.
#include <catch2/catch.hpp>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "rules/redact.h"
#include "rules/unrounded_rates.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;
using outcheck::test::finding_places;
using outcheck::test::run_table_lines;
using Strings = std::vector<std::string>;

namespace {

// practice, num, list_size, value (per 1,000), with num and list_size rounded to 5 and value
// computed from the raw counts in records 1 and 2, from the published ones in records 3 to 5.
const std::vector<std::string> kMeasure{
    "practice,num,list_size,value",
    "1,330,11265,29.2",   // raw 329 / 11267 = 29.20; published 29.29
    "2,125,4050,30.93",   // raw 126 / 4074 = 30.93; published 30.86
    "3,410,9875,41.52",
    "4,95,3010,31.56",
    "5,220,7005,31.41",
};

std::vector<std::string> messages_of(const FindingList& list, const std::string& rule) {
  std::vector<std::string> out;
  for (const Finding& f : list.kept()) {
    if (f.rule == rule) out.push_back(f.message);
  }
  return out;
}

}  // namespace

TEST_CASE("derived_from_unrounded: a rate computed before its counts were rounded fails, with the rounded ones' value", "[unrounded_rates]") {
  auto run = run_table_lines("opensafely", kMeasure);
  INFO(outcheck::test::describe_findings(run.findings));
  CHECK(messages_of(run.findings, "derived_from_unrounded") ==
        std::vector<std::string>{
            "value 29.2 was computed from unrounded counts: compute it from the rounded ones (29.29 = 1000 x \"num\" 330 / "
            "\"list_size\" 11265)",
            "value 30.93 was computed from unrounded counts: compute it from the rounded ones (30.86 = 1000 x \"num\" 125 / "
            "\"list_size\" 4050)"});
  std::vector<std::string> places;
  for (const auto& p : finding_places(run.findings)) {
    if (p.rfind("derived_from_unrounded", 0) == 0) places.push_back(p);
  }
  CHECK(places == std::vector<std::string>{"derived_from_unrounded 1 value", "derived_from_unrounded 2 value"});
  for (const Finding& f : run.findings.kept()) {
    if (f.rule == "derived_from_unrounded") CHECK(f.outcome == Outcome::fail);
  }
}

TEST_CASE("derived_from_unrounded: rates that agree with the published counts pass", "[unrounded_rates]") {
  std::vector<std::string> lines{"practice,num,list_size,value", "1,330,11265,29.29", "2,125,4050,30.86",
                                 "3,410,9875,41.52", "4,95,3010,31.56", "5,220,7005,31.41"};
  CHECK_FALSE(run_table_lines("opensafely", lines).findings.has("derived_from_unrounded"));
}

TEST_CASE("derived_from_unrounded: a rate the counts do not explain is not taken for their ratio", "[unrounded_rates]") {
  // Age-standardised rates: near the crude ones, but further than rounding could move them on some
  // record, so no record is taken as computed from unrounded counts.
  std::vector<std::string> standardised{"region,events,population,rate", "a,330,11265,31.5", "b,125,4050,30.93",
                                        "c,410,9875,38.02", "d,95,3010,31.56", "e,220,7005,29.87"};
  CHECK_FALSE(run_table_lines("opensafely", standardised).findings.has("derived_from_unrounded"));
  // Too few records pin the ratio down (small counts leave a wide window): nothing is claimed.
  std::vector<std::string> loose{"group,num,denom,pct", "a,10,40,26.1", "b,15,45,32.9"};
  CHECK_FALSE(run_table_lines("opensafely", loose).findings.has("derived_from_unrounded"));
  // Under a policy without rounding, counts are as they are: a rate that disagrees is not a ratio of them.
  CHECK_FALSE(run_table_lines("sdc-handbook", kMeasure).findings.has("derived_from_unrounded"));
}

TEST_CASE("derived_from_unrounded: redact computes the rates again from the rounded counts, and its copy passes", "[unrounded_rates][redact]") {
  auto policy = outcheck::test::compiled_preset("opensafely");
  HeldTable t;
  t.header = {"practice", "num", "list_size", "value"};
  for (std::size_t i = 1; i < kMeasure.size(); ++i) {
    auto fields = outcheck::test::split_fields(kMeasure[i]);
    t.rows.push_back(fields);
    t.records.push_back(static_cast<std::int64_t>(i));
  }
  auto changes = redact_table(*policy, t);
  CHECK(t.rows[0][3] == "29.29");
  CHECK(t.rows[1][3] == "30.86");
  CHECK(t.rows[2][3] == "41.52");
  bool named = false;
  for (const auto& c : changes) named |= c.rule == "derived_from_unrounded" && c.before == "29.2" && c.after == "29.29";
  CHECK(named);
  CHECK(failing_rules(*policy, t).count("derived_from_unrounded") == 0);
}

TEST_CASE("derived_from_unrounded: the proof itself", "[unrounded_rates]") {
  CHECK(rounding_slack(false, 0, 5) == 2.5);
  CHECK(rounding_slack(false, 10, 5) == 5.0);
  CHECK(rounding_slack(true, 0, 5) == 3.0);
  CHECK(rounding_slack(false, 0, 1) == 0.0);
  CHECK(rate_text(1000.0 * 330 / 11265, 2) == "29.29");

  // Counts unrounded (no slack): a disagreeing rate is simply not their ratio.
  UnroundedRates exact(10, {0, 1});
  const std::vector<PrintedRate> rate{{2, "29.2"}};
  for (int i = 0; i < 5; ++i) {
    const std::vector<PublishedCount> counts{{0, 330, 0}, {1, 11265, 0}};
    exact.observe(i + 1, rate, counts);
  }
  CHECK(exact.finish().empty());

  // Rounded counts: the window holds 29.2, the published ratio (29.29) does not.
  UnroundedRates rounded(1, {0, 1});
  for (int i = 0; i < 5; ++i) {
    const std::vector<PublishedCount> counts{{0, 330, 2.5}, {1, 11265, 2.5}};
    rounded.observe(i + 1, rate, counts);
  }
  auto result = rounded.finish();
  REQUIRE(result.count(2) == 1);
  CHECK(result[2].total == 5);
  REQUIRE(result[2].kept.size() == 1);  // the cap
  CHECK(result[2].kept[0].recomputed == "29.3");  // at the column's precision: one decimal here
  CHECK(result[2].kept[0].scale == 1000);
  CHECK(result[2].source.numerator == 0);
  CHECK(result[2].source.denominator == 1);

  // A first record that bounds nothing (its counts suppressed, or a denominator rounding may put at
  // zero) rules no source out: the source is still found on the records after it.
  UnroundedRates late(10, {0, 1});
  late.observe(1, std::vector<PrintedRate>{{2, "50.0"}}, std::vector<PublishedCount>{{0, 5, 2.5}, {1, 0, 2.5}});
  late.observe(2, std::vector<PrintedRate>{{2, "12.5"}}, std::vector<PublishedCount>{{1, 40, 2.5}});
  for (int i = 3; i < 8; ++i) {
    late.observe(i, rate, std::vector<PublishedCount>{{0, 330, 2.5}, {1, 11265, 2.5}});
  }
  auto found = late.finish();
  REQUIRE(found.count(2) == 1);
  CHECK(found[2].total == 5);
  CHECK(found[2].source.scale == 1000);

  // What redact writes for one record, given the proved source.
  const UnroundedRates::Source source{0, 1, 1000, 2};
  CHECK(UnroundedRates::recomputed(source, "29.2", {0, 330, 2.5}, {1, 11265, 2.5}) == std::optional<std::string>("29.29"));
  CHECK_FALSE(UnroundedRates::recomputed(source, "29.29", {0, 330, 2.5}, {1, 11265, 2.5}));  // agrees
  CHECK_FALSE(UnroundedRates::recomputed(source, "45.0", {0, 330, 2.5}, {1, 11265, 2.5}));   // not this ratio at all
}

TEST_CASE("derived_from_unrounded: a table wider than the rule's bounds says what was not compared", "[unrounded_rates]") {
  // 30 rounded count columns, the rate from the first two: the rate is still judged, and the report
  // says that only the first 24 count columns were paired (no silent pass on the rest).
  std::vector<std::string> lines;
  std::string header = "practice,num,list_size";
  for (int c = 3; c <= 30; ++c) header += ",group_" + std::to_string(c);
  lines.push_back(header + ",value");
  const char* kRows[] = {"1,330,11265", "2,125,4050", "3,410,9875", "4,95,3010", "5,220,7005"};
  const char* kValues[] = {"29.2", "30.93", "41.52", "31.56", "31.41"};
  for (int r = 0; r < 5; ++r) {
    std::string line = kRows[r];
    for (int c = 3; c <= 30; ++c) line += "," + std::to_string(100 + 5 * ((r * 7 + c) % 40));
    lines.push_back(line + "," + kValues[r]);
  }
  auto run = run_table_lines("opensafely", lines);
  INFO(outcheck::test::describe_findings(run.findings));
  const auto messages = messages_of(run.findings, "derived_from_unrounded");
  REQUIRE(messages.size() == 3);
  CHECK(messages[0] ==
        "not checked in full: this table has 1 rate columns and 30 count columns; only the first 1 rate columns were "
        "compared with the first 24 count columns: check that the others' rates were computed from the rounded counts");
  CHECK(messages[1].rfind("value 29.2 was computed from unrounded counts", 0) == 0);
  for (const Finding& f : run.findings.kept()) {
    if (f.rule == "derived_from_unrounded" && !f.row) CHECK(f.outcome == Outcome::review);
  }
}

namespace {

// kMeasure held, with its roles decided as check and redact decide them.
struct HeldMeasure {
  std::shared_ptr<const CompiledPolicy> policy;
  HeldTable table;
  std::vector<ColumnRole> roles;
  TableSample sample;
};

HeldMeasure held_measure(const std::string& preset, std::vector<std::string> lines) {
  HeldMeasure m{outcheck::test::compiled_preset(preset), {}, {}, {}};
  m.table.header = outcheck::test::split_fields(lines[0]);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    m.table.rows.push_back(outcheck::test::split_fields(lines[i]));
    m.table.records.push_back(static_cast<std::int64_t>(i));
    std::vector<std::string_view> fields(m.table.rows.back().begin(), m.table.rows.back().end());
    REQUIRE(m.sample.add(static_cast<std::int64_t>(i), fields));
  }
  m.roles = table_columns(*m.policy, m.table).roles;
  return m;
}

}  // namespace

TEST_CASE("derived_from_unrounded as a unit: made only when the table gives it work, then observe, finish and fix", "[unrounded_rates]") {
  {
    HeldMeasure m = held_measure("opensafely", kMeasure);
    auto unit = make_unrounded_rates_rule(
        {*m.policy, m.table.header, Strings(m.table.header.size()), m.table.header, m.roles, m.sample, 10});
    REQUIRE(unit);
    for (std::size_t r = 0; r < m.table.rows.size(); ++r) {
      std::vector<std::string_view> fields(m.table.rows[r].begin(), m.table.rows[r].end());
      unit->observe(RecordBatch(m.table.records[r], fields, nullptr));
    }
    FindingList found(10);
    unit->finish({m.roles}, found);
    CHECK(outcheck::test::finding_places(found) ==
          std::vector<std::string>{"derived_from_unrounded 1 value", "derived_from_unrounded 2 value"});
    CHECK(found.counts().at("derived_from_unrounded") == 2);

    // The fix, through a recording setter: the two rates from the published counts, nothing else.
    std::vector<std::string> set;
    fix_unrounded_rates(*m.policy, m.table, m.roles,
                        [&](std::size_t row, std::size_t column, std::string text, const char* rule) {
                          set.push_back(std::to_string(row) + " " + m.table.header[column] + " " + text + " " + rule);
                        });
    CHECK(set == std::vector<std::string>{"0 value 29.29 derived_from_unrounded", "1 value 30.86 derived_from_unrounded"});
  }
  // No rate column: no unit.
  HeldMeasure counts_only = held_measure("opensafely", {"practice,num,list_size", "1,330,11265", "2,125,4050"});
  CHECK_FALSE(make_unrounded_rates_rule({*counts_only.policy, counts_only.table.header,
                                         Strings(counts_only.table.header.size()), counts_only.table.header,
                                         counts_only.roles, counts_only.sample, 10}));
  // Counts that do not read as rounded (not all multiples of the policy's base): no unit either.
  HeldMeasure raw = held_measure("opensafely", {"practice,num,list_size,value", "1,329,11267,29.2", "2,126,4074,30.93"});
  CHECK_FALSE(make_unrounded_rates_rule(
      {*raw.policy, raw.table.header, Strings(raw.table.header.size()), raw.table.header, raw.roles, raw.sample, 10}));
}
