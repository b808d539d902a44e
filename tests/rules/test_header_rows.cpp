// A header written on two rows (rules/header_rows.h): read as one, and only when the evidence is
// strict, since a data row taken for a header would go unchecked.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "rules/header_rows.h"
#include "rules/redact.h"
#include "rules/table_check.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;
using Strings = std::vector<std::string>;

namespace {

std::optional<Strings> two_rows(const Strings& lines) {
  auto policy = outcheck::test::compiled_preset("opensafely");
  Strings header = outcheck::test::split_fields(lines.at(0));
  TableSample sample;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    Strings fields = outcheck::test::split_fields(lines[i]);
    std::vector<std::string_view> views(fields.begin(), fields.end());
    REQUIRE(sample.add(static_cast<std::int64_t>(i), views));
  }
  auto two = second_header_row(*policy, header, sample);
  if (!two) return std::nullopt;
  return two->names;
}

}  // namespace

TEST_CASE("header rows: pandas' two-level columns are named first / second", "[header_rows]") {
  auto names = two_rows({",n,n,pct,pct", "region,male,female,male,female", "East,120,5,96.0,4.0", "West,200,300,40.0,60.0"});
  REQUIRE(names);
  CHECK(*names == Strings{"region", "n / male", "n / female", "pct / male", "pct / female"});
  // Blank names continue the name to their left, as merged cells do; "Unnamed: 2" is pandas' blank.
  names = two_rows({"group,deaths,Unnamed: 2,admissions,", "group,male,female,male,female", "a,10,20,30,40", "b,15,25,35,45"});
  REQUIRE(names);
  CHECK(*names == Strings{"group", "deaths / male", "deaths / female", "admissions / male", "admissions / female"});
  // A transposed table: positions over the names.
  names = two_rows({",0,1,2", "statistic,deaths,admissions,tests", "count,120,30,400", "missing,0,2,10"});
  REQUIRE(names);
  CHECK(*names == Strings{"statistic", "deaths", "admissions", "tests"});
}

TEST_CASE("header rows: pandas' levels over ranges, with the index named on a row of its own", "[header_rows]") {
  // long-covid's age_group_rate.csv: the second level's values are age ranges, which are not names
  // (no letter), but the row below names the index ("date") and holds nothing else.
  auto names = two_rows({",n,n,population,population", "age_group,0-49,80+,0-49,80+", "date,,,,",
                         "2020-12-07,13.0,7.0,14850371.0,1209728.0"});
  REQUIRE(names);
  CHECK(*names == Strings{"age_group", "n / 0-49", "n / 80+", "population / 0-49", "population / 80+"});
  // And the check reads the counts under it: 7 is small, 13 and the populations unrounded (record
  // 3; records 1 and 2 are the header's).
  auto run = outcheck::test::run_table_lines("opensafely", {",n,n,population,population", "age_group,0-49,80+,0-49,80+",
                                                            "date,,,,", "2020-12-07,13.0,7.0,14850371.0,1209728.0"});
  INFO(outcheck::test::describe_findings(run.findings));
  auto places = outcheck::test::finding_places(run.findings);
  std::sort(places.begin(), places.end());
  CHECK(places == Strings{"small_count 3 n / 80+", "unrounded 3 n / 0-49", "unrounded 3 population / 0-49",
                          "unrounded 3 population / 80+"});
}

TEST_CASE("header rows: a group's name says nothing of its column's kind", "[header_rows]") {
  // long-covid's covid_record_rate.csv, cut down: "No previous COVID code" names a group of people,
  // and "code" in it made its columns identifiers, so their 6 went unchecked. The header role is
  // read from the first level; the values make long_covid counts. Record 3: 6 is small, 23462709
  // unrounded, and the rate 0.0256 = 100000 x 6 / 23462709 is of the small count.
  auto run = outcheck::test::run_table_lines(
      "opensafely", {",long_covid,long_covid,population,population,rate,rate",
                     "previous_covid,COVID positive,No previous COVID code,COVID positive,No previous COVID code,"
                     "COVID positive,No previous COVID code",
                     "date,,,,,,", "2020-12-07,20,6,41000,23462709,48.78,0.0256"});
  INFO(outcheck::test::describe_findings(run.findings));
  auto places = outcheck::test::finding_places(run.findings);
  std::sort(places.begin(), places.end());
  CHECK(places == Strings{"derived_from_small_count 3 rate / No previous COVID code",
                          "small_count 3 long_covid / No previous COVID code",
                          "unrounded 3 population / No previous COVID code"});
  // Its first level may name each column once, as pandas writes a single group ("All patients").
  auto names = two_rows({",long_covid,population,rate", "all,All patients,All patients,All patients", "date,,,",
                         "2020-12-07,27.0,24011986.0,0.112"});
  REQUIRE(names);
  CHECK(*names == Strings{"all", "long_covid / All patients", "population / All patients", "rate / All patients"});
}

TEST_CASE("header rows: a first data row is never taken for a header", "[header_rows]") {
  // Names that neither repeat nor leave a blank: a section row is data.
  CHECK_FALSE(two_rows({"Group,Variable,All,Treated", "ageband,ageband,NA,NA", "ageband,18-29,120,5"}));
  // A blank name, but the first row carries counts written in text (a released table 1).
  CHECK_FALSE(two_rows({"Category,,total,Vaccinated (% of total)", "Age Band,75-<80,\"2,023,665\",\"1,939,441 (95.84%)\"",
                        "Age Band,80+,\"1,000,000\",\"900,000 (90%)\""}));
  // Repeated names over a row of numbers: years under "n" are read as data (the safe side).
  CHECK_FALSE(two_rows({",n,n", "year,2020,2021", "East,5,10"}));
  // Words in one column only.
  CHECK_FALSE(two_rows({",n,n", "region,male,", "East,5,10"}));
  // Words with words below them: a table of text.
  CHECK_FALSE(two_rows({",a,a", "x,red,blue", "y,green,grey"}));
  // A row of counts over a row redacted whole: not pandas' levels, whose values are never numbers.
  CHECK_FALSE(two_rows({",n,n", "East,5,10", "West,,", "North,15,20"}));
  CHECK_FALSE(two_rows({",n,n", "East,5 (10%),10 (20%)", "West,,", "North,15,20"}));
  // Ranges over a row that is not the index's name alone.
  CHECK_FALSE(two_rows({",n,n", "age,0-49,80+", "date,5,", "North,15,20"}));
}

TEST_CASE("header rows: the check reads counts under a two-row header and names them so", "[header_rows]") {
  auto run = outcheck::test::run_table_lines(
      "opensafely", {",n,n,pct,pct", "region,male,female,male,female", "East,120,5,96.0,4.0", "West,200,300,40.0,60.0"});
  INFO(outcheck::test::describe_findings(run.findings));
  // Record 1 is the second header row; East is record 2.
  auto places = outcheck::test::finding_places(run.findings);
  CHECK(std::find(places.begin(), places.end(), "small_count 2 n / female") != places.end());
  for (const auto& p : places) CHECK(p.find(" 1 ") == std::string::npos);
  REQUIRE(run.roles.size() == 5);
  CHECK(run.roles[1].name == "n / male");
  CHECK(run.roles[1].role == Role::count);
  CHECK(run.roles[3].role == Role::rate);
}

TEST_CASE("header rows: redact fixes the data under a two-row header and the copy passes", "[header_rows][redact]") {
  auto policy = outcheck::test::compiled_preset("opensafely");
  HeldTable t;
  t.header = {"", "n", "n", "pct", "pct"};
  t.rows = {{"region", "male", "female", "male", "female"},
            {"East", "120", "5", "96.0", "4.0"},
            {"West", "200", "300", "40.0", "60.0"}};
  t.records = {1, 2, 3};
  redact_table(*policy, t);
  CHECK(t.rows[0] == Strings{"region", "male", "female", "male", "female"});
  CHECK(t.rows[1] == Strings{"East", "120", "[REDACTED]", "[REDACTED]", "[REDACTED]"});
  CHECK(failing_rules(*policy, t).empty());
}
