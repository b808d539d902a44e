// Counts written inside text cells (policy.md "Column roles": a cell holding a count with its
// percentage or denominator carries that count, which gets every count rule, unless the header
// names a statistic). Tables here are written with `|` between fields, since the cells hold commas.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "rules/cell_value.h"
#include "rules/finding.h"
#include "rules/header_counts.h"
#include "rules/table_roles.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;

namespace {

using Strings = std::vector<std::string>;

struct Read {
  Strings findings;  // "rule row column", sorted
  std::vector<ColumnRole> roles;
  std::string described;
  Strings messages;

  std::string role(const std::string& name) const {
    for (const auto& r : roles) {
      if (r.name == name) return role_report_name(r);
    }
    return "missing";
  }
  ColumnRole column(const std::string& name) const {
    for (const auto& r : roles) {
      if (r.name == name) return r;
    }
    return {};
  }
  std::string why(const std::string& name) const { return column(name).why; }
};

Read read(const std::string& preset, const Strings& lines) {
  outcheck::test::TableRun run = outcheck::test::run_table_lines(preset, lines, 1000, '|');
  Read r;
  r.findings = outcheck::test::finding_places(run.findings);
  for (const Finding& f : run.findings.kept()) r.messages.push_back(f.message);
  r.roles = run.roles;
  r.described = outcheck::test::describe_findings(run.findings);
  return r;
}

Strings sorted(Strings s) {
  std::sort(s.begin(), s.end());
  return s;
}

}  // namespace

TEST_CASE("text counts: the leading count of each cell shape", "[rules][text_counts]") {
  CHECK(leading_count("41,086 (16%)") == 41086);
  CHECK(leading_count("2 (<0.1%)") == 2);
  CHECK(leading_count("9,748 / 129,230") == 9748);
  CHECK(leading_count("3/120 (2.5%)") == 3);
  CHECK(leading_count("11 [8, 14]") == 11);
  CHECK(leading_count("1164 (0.19)") == 1164);
  CHECK(leading_count("1,234") == 1234);
  CHECK(leading_count(" 1,234,567 ") == 1234567);
  CHECK(leading_count("0 (NA%)") == 0);
  // Not counts written in text.
  CHECK_FALSE(leading_count("12"));  // a plain integer is an integer cell
  CHECK_FALSE(leading_count("1-7"));
  CHECK_FALSE(leading_count("36+"));
  CHECK_FALSE(leading_count("1 most deprived"));
  CHECK_FALSE(leading_count("0.45 (0.3, 0.6)"));
  CHECK_FALSE(leading_count("(0.4, 0.5)"));
  CHECK_FALSE(leading_count("2021-04-14"));
  CHECK_FALSE(leading_count("1,23"));
  CHECK_FALSE(leading_count("12,3456"));
  CHECK_FALSE(leading_count("1234,567"));
  CHECK_FALSE(leading_count(",123"));
  CHECK_FALSE(leading_count("99999999999999999999 (1%)"));  // past int64: not read
}

TEST_CASE("text counts: every count rule applies to the count a cell leads with", "[rules][text_counts]") {
  // A table 1 as gtsummary writes it: the header matches nothing, the cells are "n (%)" and "n / N".
  // Small: 2 (record 2), 6 (record 4), 3 (record 6: "3/120 (2.5%)"). Unrounded: 41,086 (record 1),
  // 1164 (record 5), 11 ("11 [8, 14]", record 7). 9,745 (record 3) and 1,235 (record 8) are multiples
  // of 5.
  Read r = read("opensafely", {"variable|level|stat_1", "age|18-30|41,086 (16%)", "sex|Other|2 (<0.1%)",
                               "ratio|a|9,745 / 129,230", "sex|Unknown|6 (<0.1%)", "rural|yes|1164 (0.19)",
                               "x|y|3/120 (2.5%)", "z|w|11 [8, 14]", "total|all|1,235"});
  INFO(r.described);
  CHECK(r.role("stat_1") == "count");
  CHECK(r.findings == sorted({"unrounded 1 stat_1", "small_count 2 stat_1", "small_count 4 stat_1",
                              "unrounded 5 stat_1", "small_count 6 stat_1", "unrounded 7 stat_1"}));
  // The finding names the cell and the count.
  bool named = false;
  for (const auto& m : r.messages) named |= m.find("in \"2 (<0.1%)\": count 2 is 7 or fewer") != std::string::npos;
  CHECK(named);
}

TEST_CASE("text counts: a header with a count word and a percent sign is still counts", "[rules][text_counts]") {
  // "Rural, N (%)" matches the rate pattern by its `%`, but its cells are counts with proportions.
  Read r = read("opensafely", {"|N|Rural, N (%)", "Overall|6195|1164 (0.19)", "Affected|1425|268 (0.19)",
                               "Unaffected|4770|896 (0.19)"});
  INFO(r.described);
  CHECK(r.role("Rural, N (%)") == "count");
  CHECK(r.findings == sorted({"unrounded 1 Rural, N (%)", "unrounded 2 Rural, N (%)", "unrounded 3 Rural, N (%)"}));
}

TEST_CASE("text counts: statistics are not counts", "[rules][text_counts]") {
  SECTION("a header that names a statistic") {
    // "Size, med[IQR]": medians with their quartiles; 1 and 6 are no small counts.
    Read r = read("opensafely", {"group|Size, med[IQR]|Age, mean (SD)", "a|1 [1, 6]|44 (12)", "b|6 [1, 17]|51 (9)",
                                 "c|3 [1, 3]|38 (15)"});
    INFO(r.described);
    CHECK(r.role("Size, med[IQR]") != "count");
    CHECK(r.role("Age, mean (SD)") != "count");
    CHECK(r.findings.empty());
  }
  SECTION("a row labelled with a statistic, in a column of counts") {
    // Record 2 is "Age, median (IQR)": its 44 is a median. Record 3's 2 is a small count.
    Read r = read("opensafely", {"variable|label|stat_1", "N|Total N|253,135", "age|Age, median (IQR)|44 (33, 53)",
                                 "sex|Other|2 (<0.1%)", "sex|Male|41,085 (16%)"});
    INFO(r.described);
    CHECK(r.role("stat_1") == "count");
    CHECK(r.findings == Strings{"small_count 3 stat_1"});
  }
  SECTION("percentages with their intervals under a percent header") {
    // "Paxlovid_perc": a rate header with no count word, and no percent sign in the cells.
    Read r = read("opensafely", {"stp|Paxlovid_perc", "a|17 (16-19)", "b|18 (16-20)", "c|3 (2-4)"});
    INFO(r.described);
    CHECK(r.role("Paxlovid_perc") == "rate");
    CHECK(r.findings.empty());
  }
}

TEST_CASE("text counts: their rounding shows as a plain count's would", "[rules][text_counts]") {
  // Every leading count a multiple of 7 (five distinct): rounded to 7, nothing unrounded; 7 stands
  // for up to 10 and is no small count.
  Read r = read("opensafely", {"group|Declined (% of total)", "a|882 (0.04%)", "b|532 (0.04%)", "c|504 (0.04%)",
                               "d|34,244 (1.69%)", "e|7 (0.01%)"});
  INFO(r.described);
  CHECK(r.role("Declined (% of total)") == "count");
  CHECK(r.findings.empty());
  // Under sdc-handbook (no accepted bases, threshold 9): 7 is small.
  Read s = read("sdc-handbook", {"group|Declined (% of total)", "a|882 (0.04%)", "b|532 (0.04%)", "c|504 (0.04%)",
                                 "d|34,244 (1.69%)", "e|7 (0.01%)"});
  CHECK(s.findings == Strings{"small_count 5 Declined (% of total)"});
}

// ---------------------------------------------------------------------------------------------
// Long tables and organisation codes: the same table reader, the same helpers.

TEST_CASE("long table: each row's label gives its role", "[rules][long_table]") {
  // cellname alternates Population / Observed / Expected. Expected rows hold decimals, so read whole
  // each column would be a measure and the Observed 6 (record 5) would pass unchecked. Row by row:
  // Population and Observed rows are counts (6 small; 188, 357 and 12 unrounded), Expected rows are
  // measures (their 2 at record 6 is an expected count, not a count: no finding).
  Read r = read("opensafely", {"region|cellname|White|Black", "East|Population|2695830|84800", "East|Observed|188|<=5",
                               "East|Expected|-|1.94", "London|Population|572730|88760", "London|Observed|355|6",
                               "London|Expected|-|2", "North|Population|565125|11040", "North|Observed|12|0",
                               "North|Expected|-|0.8"});
  INFO(r.described);
  CHECK(r.role("Black") == "count");
  CHECK(r.role("White") == "count");
  CHECK(r.findings == sorted({"unrounded 2 White", "small_count 5 Black", "unrounded 8 White"}));
  const ColumnRole* label = nullptr;
  for (const auto& c : r.roles) {
    if (c.name == "cellname") label = &c;
  }
  REQUIRE(label);
  CHECK(label->measure_rows == Strings{"Expected"});
  // A label whose words say rate marks measures even over integers: "Rate" rows hold 2 and 4.
  Read rates = read("opensafely", {"region|cellname|a", "x|Count|10", "x|Rate|2", "y|Count|20", "y|Rate|4.5"});
  INFO(rates.described);
  CHECK(rates.findings.empty());
}

TEST_CASE("table on its side: each row's variable gives its role", "[rules][long_table]") {
  // A Table 1 written on its side: the mean's row makes each group's column read whole as measures,
  // which let its counts pass. Row by row: age_mean holds measures, the rest counts (3 small; 1234,
  // 1111, 2343, 2221, 12 and 4564 unrounded).
  Read t = read("opensafely", {"variable|vaccinated|unvaccinated", "age_mean|45.3|46.1", "female|1234|2343",
                               "male|1111|2221", "care_home|3|12", "n|2345|4564"});
  INFO(t.described);
  CHECK(t.role("vaccinated") == "count");
  CHECK(t.findings == sorted({"unrounded 2 vaccinated", "unrounded 3 vaccinated", "small_count 4 vaccinated",
                              "unrounded 2 unvaccinated", "unrounded 3 unvaccinated", "unrounded 4 unvaccinated",
                              "unrounded 5 unvaccinated"}));
  CHECK(t.column("variable").measure_rows == Strings{"age_mean"});
  CHECK(t.why("variable") ==
        "names each row's variable (a table on its side): counts on rows female, male, care_home, n; measures on rows "
        "age_mean");
  // primis' prevalences per 1,000 by age band, cut down: every row a prevalence but the registered
  // population's, written as whole decimals. Its unrounded populations are found (3733826, and the
  // total); the prevalence 5.0 under `total` (a count by its header alone) is no small count.
  Read p = read("opensafely", {"variable|16-39_F|16-39_M|total", "registered|1000.0|1000.0|1000.0",
                               "ast|156.0|167.4|143.5", "ckd_cov|1.5|1.8|5.0", "nursehome|0.0|0.1|0.0",
                               "astadm|4.1|4.9|4.2", "bmi|12.3|11.1|11.7", "chd|20.4|33.3|26.8", "copd|14.2|12.6|13.4",
                               "total_population|3660005.0|3733826.0|7393831.0"});
  INFO(p.described);
  CHECK(p.findings == sorted({"unrounded 9 16-39_M", "unrounded 9 total"}));
  CHECK(p.why("total") == "a table on its side: counts on rows total_population (column variable)");
  // A redacted row is a row of counts, whatever its label.
  Read redacted = read("opensafely", {"variable|a|b", "age_mean|45.3|46.1", "female|1234|2343", "male|1111|2221",
                                      "care_home|[REDACTED]|[REDACTED]"});
  CHECK(redacted.column("variable").measure_rows == Strings{"age_mean"});
  // A wide table, its count column whole on every row: no row of x and y is read as counts, and
  // every row of cases is (the 3 on record 2).
  Read wide = read("opensafely", {"group|x|y|cases", "a|1.5|2.5|120", "b|3|4|3", "c|2|5|125", "d|1.5|3.5|130"});
  INFO(wide.described);
  CHECK(wide.role("x") == "measure");
  CHECK(wide.findings == Strings{"small_count 2 cases"});
  // One row written as integers alone is as likely a mean that came out whole: measures, with the
  // rows of decimals.
  Read one = read("opensafely", {"variable|a|b", "age_mean|45.3|46.1", "bmi_x|27.2|26.9", "female|1234|2343"});
  INFO(one.described);
  CHECK(one.role("a") == "measure");
}

TEST_CASE("organisation codes: real codes fail, a table keyed by pseudonymous practice ids is review",
          "[rules][organisation]") {
  SECTION("ONS codes of ICBs and local authorities fail; regions pass") {
    // E54 (ICB/STP) and E06 (local authority) are forbidden; E12 (region) is allowed.
    Read r = read("opensafely", {"area|label|n", "stp|E54000005|100", "stp|E54000026|200", "la|E06000001|300",
                                 "region|E12000001|400"});
    INFO(r.described);
    CHECK(r.findings == Strings{"organisation_identifier - label"});
    Read sdc = read("sdc-handbook", {"area|label|n", "stp|E54000005|100"});
    CHECK(sdc.findings == Strings{"organisation_identifier - label"});  // review under sdc-handbook
    Read regions = read("opensafely", {"label|n", "E12000001|100", "E40000003|200"});
    CHECK(regions.findings.empty());
  }
  SECTION("ODS practice codes in a practice column fail; the same shape elsewhere is text") {
    Read r = read("opensafely", {"practice|n", "A81001|100", "B82005|200"});
    INFO(r.described);
    CHECK(r.findings == Strings{"organisation_identifier - practice"});
    Read other = read("opensafely", {"batch|n", "A81001|100", "B82005|200"});
    CHECK(other.findings.empty());
  }
  SECTION("a row per practice, or per practice and period, under pseudonymous ids is review") {
    Read per_practice = read("opensafely", {"practice|list_size", "1|1000", "2|2000", "3|1500"});
    INFO(per_practice.described);
    CHECK(per_practice.findings == Strings{"organisation_identifier - practice"});
    Read per_period = read("opensafely", {"practice|date|num", "1|2021-01-01|10", "1|2021-02-01|20",
                                          "2|2021-01-01|30", "2|2021-02-01|40"});
    CHECK(per_period.findings == Strings{"organisation_identifier - practice"});
    // Several rows per practice and nothing else keying them: not practice-level rows.
    Read grouped = read("opensafely", {"practice|sex|num", "1|F|10", "1|F|20", "2|M|30"});
    CHECK(grouped.findings.empty());
  }
}

TEST_CASE("header counts: a count written in a header gets the count rules", "[rules][text_counts]") {
  // "**TRUE**, N = 525,734": 525,734 is not a multiple of 5; "N = 6" is small; "N = 98,690" passes.
  Read r = read("opensafely", {"variable|**TRUE**, N = 525,734|Other, N = 6|**FALSE**, N = 98,690", "sex|10|20|30"});
  INFO(r.described);
  CHECK(r.findings == sorted({"unrounded - **TRUE**, N = 525,734", "small_count - Other, N = 6"}));
  // Words that end in n are no count: "Mean = 3", "Region=4" have no N.
  Read none = read("opensafely", {"variable|Mean = 3|Region=4", "sex|10|20"});
  CHECK(none.findings.empty());
}

// The unit through its interface (rules/table_rule.h): its evidence is the header alone.
TEST_CASE("header counts as a unit: made only when a header names a failing count", "[rules][text_counts]") {
  auto policy = outcheck::test::compiled_preset("opensafely");
  const TableSample sample;
  std::vector<std::string> groups;
  auto facts_for = [&](const std::vector<std::string>& names, std::vector<ColumnRole>& roles) {
    roles.assign(names.size(), ColumnRole{});
    groups.assign(names.size(), std::string());
    return TableFacts{*policy, names, groups, names, roles, sample, 10};
  };
  std::vector<ColumnRole> roles;
  const std::vector<std::string> passing{"variable", "**FALSE**, N = 98,690", "Mean = 3"};
  CHECK(make_header_counts_rule(facts_for(passing, roles)) == nullptr);

  const std::vector<std::string> failing{"variable", "Other, N = 6"};
  auto unit = make_header_counts_rule(facts_for(failing, roles));
  REQUIRE(unit);
  FindingList out(10);
  unit->finish({roles}, out);
  REQUIRE(out.kept().size() == 1);
  const Finding& f = out.kept()[0];
  CHECK(f.rule == "small_count");
  CHECK(f.outcome == Outcome::fail);
  CHECK(f.column == "Other, N = 6");
  CHECK(f.value == "6");
  CHECK(!f.row);
  CHECK(f.message == "the header's count (N = 6): count 6 is 7 or fewer: redact it");
}
