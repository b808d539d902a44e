// Derived values proved by arithmetic (rules/derived_proof.h) and what the table check makes of the
// proofs: every expectation worked by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "rules/derived_proof.h"
#include "rules/finding.h"
#include "tests/support/finding_text.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;

namespace {

using Strings = std::vector<std::string>;

struct Checked {
  Strings findings;  // "rule row column", sorted
  Strings messages;
  std::string described;
};

Checked check(const std::string& preset, const Strings& lines) {
  outcheck::test::TableRun run = outcheck::test::run_table_lines(preset, lines);
  Checked c;
  c.findings = outcheck::test::finding_places(run.findings);
  for (const Finding& f : run.findings.kept()) c.messages.push_back(f.message);
  c.described = outcheck::test::describe_findings(run.findings);
  return c;
}

bool any_message(const Checked& c, const std::string& part) {
  return std::any_of(c.messages.begin(), c.messages.end(), [&](const std::string& m) { return m.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("derived proof: printed precision", "[rules][derived_proof]") {
  auto p = printed_number("29.29");
  REQUIRE(p);
  CHECK(p->value == Approx(29.29));
  CHECK(p->tolerance == Approx(0.005).epsilon(0.01));
  auto sci = printed_number("3.62e-4");
  REQUIRE(sci);
  CHECK(sci->tolerance == Approx(0.5e-6).epsilon(0.01));
  auto whole = printed_number("1");
  REQUIRE(whole);
  CHECK(whole->tolerance < 1e-8);  // an integer as printed is exact
  CHECK_FALSE(printed_number("abc"));
  CHECK_FALSE(printed_number("inf"));
}

TEST_CASE("derived proof: a rate is a count over a denominator, scaled, or one minus that share", "[rules][derived_proof]") {
  const std::vector<Operand> numerators = {{1, 3, Place::same_row, true}, {2, 400, Place::same_row, false}};
  const std::vector<Operand> denominators = {{2, 400, Place::same_row, false}, {3, 1000, Place::previous_row, false}};
  // 0.75 = 100 x 3 / 400.
  auto d = derive(*printed_number("0.75"), numerators, denominators, true);
  REQUIRE(d);
  CHECK(d->numerator.column == 1);
  CHECK(d->denominator.column == 2);
  CHECK(d->scale == 100);
  // 0.9925 = 1 - 3 / 400 (a flowchart's share kept).
  auto c = derive(*printed_number("0.9925"), numerators, denominators, true);
  REQUIRE(c);
  CHECK(c->complement);
  // 40.0 = 100 x 400 / 1000 (previous row), from a published count; not from the small one.
  CHECK_FALSE(derive(*printed_number("40.0"), numerators, denominators, true));
  auto pub = derive(*printed_number("40.0"), numerators, denominators, false);
  REQUIRE(pub);
  CHECK(pub->denominator.place == Place::previous_row);
  // Nothing explains 0.123.
  CHECK_FALSE(derive(*printed_number("0.123"), numerators, denominators, true));
  CHECK_FALSE(derive(*printed_number("0.123"), numerators, denominators, false));
}

TEST_CASE("derived proof: a rate times person-time gives a redacted count back", "[rules][derived_proof]") {
  const std::vector<Operand> person_time = {{4, 4910.1492128679, Place::same_row, false}};
  // 0.00040731960 x 4910.149 = 2.000: the count 2.
  auto g = gives_back(*printed_number("4.0731960e-4"), person_time);
  REQUIRE(g);
  CHECK(g->count == 2);
  // Printed too coarsely (0.0004 +/- 0.00005 x 4910 = +/- 0.25), it pins down no count.
  CHECK_FALSE(gives_back(*printed_number("0.0004"), person_time));
}

TEST_CASE("derived proof: a rate column that is a count column's share of a constant", "[rules][derived_proof]") {
  auto share_of = [](std::initializer_list<std::pair<double, const char*>> rows) {
    ShareEvidence e;
    for (const auto& [count, rate] : rows) e.add(count, *printed_number(rate));
    return e;
  };
  // long-covid's first_long_covid_code.csv: % = 100 x n / 2,668 or so, at one decimal.
  const ShareEvidence pct = share_of({{374, "14.0"}, {1065, "39.9"}, {357, "13.4"}, {332, "12.4"}, {474, "17.8"}});
  CHECK(pct.proved());
  CHECK(pct.fits(14, *printed_number("0.5")));
  CHECK_FALSE(pct.fits(14, *printed_number("5.0")));
  CHECK_FALSE(pct.fits(0, *printed_number("0.5")));
  // Two rows are not enough; one count repeated is no evidence; a zero count beside a rate that is
  // not zero breaks it; so do ratios that meet in no constant.
  CHECK_FALSE(share_of({{374, "14.0"}, {1065, "39.9"}}).proved());
  CHECK_FALSE(share_of({{374, "14.0"}, {374, "14.0"}, {374, "14.0"}}).proved());
  CHECK_FALSE(share_of({{374, "14.0"}, {1065, "39.9"}, {357, "13.4"}, {0, "2.0"}}).proved());
  CHECK_FALSE(share_of({{374, "14.0"}, {1065, "39.9"}, {357, "15.4"}}).proved());
  // Coarse rates leave the constant too loose (wider than 1%) to prove anything.
  CHECK_FALSE(share_of({{21, "1.4"}, {40, "2.7"}, {59, "3.9"}}).proved());
  // An integer as printed is exact (rules/derived_proof.h, Printed).
  CHECK(share_of({{20, "1"}, {40, "2"}, {60, "3"}}).proved());
}

TEST_CASE("derived: a percentage of its column's total is no share of the row's small count", "[rules][derived_proof]") {
  // first_long_covid_code.csv under sdc-handbook (zeros are small): % is 100 x Long-covid over the
  // column's total, which the table does not print; "No long-covid" is 0 on every row. The rate per
  // 100,000 is 100000 x (1 - 0 / Long-covid): computed from the 0, a finding. % is not.
  const Strings lines = {"code,No long-covid,Long-covid,Rate per 100000,%",
                         "1325161000000102,0,374,100000.0,14.0", "1325181000000106,0,1065,100000.0,39.9",
                         "1325021000000106,0,357,100000.0,13.4", "1325031000000108,0,332,100000.0,12.4",
                         "1325041000000104,0,474,100000.0,17.8", "1325071000000105,0,14,100000.0,0.5"};
  Checked c = check("sdc-handbook", lines);
  INFO(c.described);
  for (const std::string& f : c.findings) CHECK_FALSE(f.ends_with(" %"));
  CHECK(std::count(c.findings.begin(), c.findings.end(), "derived_from_small_count 6 Rate per 100000") == 1);
  // Its own column's small count is another matter: 9 of 2,668 is 0.3, computed from the 9.
  Strings small_share = lines;
  small_share.push_back("1325081000000107,0,9,100000.0,0.3");
  Checked s = check("sdc-handbook", small_share);
  INFO(s.described);
  CHECK(std::count(s.findings.begin(), s.findings.end(), "derived_from_small_count 7 %") == 1);
  CHECK(any_message(s, "is computed from the small count 9 in column \"Long-covid\" (on every row, it is that "
                       "column's count over one constant, its total): redact it too"));
  // A % column that is no share of any count keeps the finding of old beside the 0.
  Strings no_share = lines;
  no_share[3] = "1325021000000106,0,357,100000.0,33.4";
  Checked n = check("sdc-handbook", no_share);
  INFO(n.described);
  CHECK(std::count(n.findings.begin(), n.findings.end(), "derived_from_small_count 1 %") == 1);
  // Beside a redacted count the share proves nothing: its constant may be that count (a practice's
  // list size, the same on every row the sample holds).
  Strings redacted = lines;
  redacted[1] = "1325161000000102,[REDACTED],374,100000.0,14.0";
  Checked r = check("sdc-handbook", redacted);
  INFO(r.described);
  CHECK(std::count(r.findings.begin(), r.findings.end(), "derived_from_small_count 1 %") == 1);
}

TEST_CASE("derived: a share whose constant is the row's small count stays a finding", "[rules][derived_proof]") {
  // value = 100 x num / 7 on every row: a share of num, over a constant that is list_size's small 7.
  Checked c = check("opensafely", {"practice,num,list_size,value", "a,20,7,285.7", "b,40,7,571.4", "c,60,7,857.1"});
  INFO(c.described);
  CHECK(std::count(c.findings.begin(), c.findings.end(), "derived_from_small_count 1 value") == 1);
  CHECK(any_message(c, "may be computed from the small count 7 in column \"list_size\""));
}

TEST_CASE("derived: a flowchart's first row and steps are explained by published counts", "[rules][derived_proof]") {
  // Row 1: n_exclude NA (nothing excluded yet); pct_all 1 = n / n (first row): published counts
  // explain it, nothing is given back. Row 2: pct_all = 15529586 / 15534641, pct_step = the same over
  // the previous row: published. Row 3 under sdc-handbook: n_exclude 0 is small (zeros disclosive),
  // pct_exclude 0 = 0 / n (previous row) and pct_step 1 = 1 - 0 / n (previous row) are derived
  // from it; pct_all = n / n (first row) is not.
  const Strings lines = {"criteria,n,n_exclude,pct_exclude,pct_all,pct_step",
                         "c0,15534641,NA,NA,1,NA",
                         "c1,15529586,5055,3.2540179074624253e-4,0.9996745982092538,0.9996745982092538",
                         "c2,15529586,0,0,0.9996745982092538,1"};
  Checked os = check("opensafely", lines);
  INFO(os.described);
  // Under opensafely only the unrounded counts are findings (5055 is a multiple of 5; n is not).
  CHECK(os.findings == Strings{"unrounded 1 n", "unrounded 2 n", "unrounded 3 n"});
  Checked sdc = check("sdc-handbook", lines);
  INFO(sdc.described);
  CHECK(sdc.findings == Strings{"derived_from_small_count 3 pct_exclude", "derived_from_small_count 3 pct_step",
                                "small_count 3 n_exclude"});
  CHECK(any_message(sdc, "(1 = 1 - n_exclude 0 / n 15529586)"));
}

TEST_CASE("derived: a rate is tied to the count it was computed from, not the other arm's", "[rules][derived_proof]") {
  // pfizer_rate = pfizer_n / pfizer_pyears (published: no finding); az_rate = az_n 6 / az_pyears
  // (small: a finding naming the formula). Without the proof both rates were tied to az_n.
  const Strings lines = {"arm,pfizer_pyears,pfizer_n,pfizer_rate,az_pyears,az_n,az_rate",
                         "a,17486.88295687885,39895,2.2814243177463353,4910.1492128679,6,0.0012219587918582918"};
  Checked c = check("opensafely", lines);
  INFO(c.described);
  CHECK(c.findings == Strings{"derived_from_small_count 1 az_rate", "small_count 1 az_n"});
  CHECK(any_message(c, "az_n 6 / az_pyears 4910.1492128679"));
}

TEST_CASE("derived: a rate of one group of a two-level table is read against its group's counts", "[rules][derived_proof]") {
  // long-covid's age_group_rate.csv, cut down: pandas' three-line header names the columns "n /
  // 0-49" and so on (records 1 and 2 are the header's). Record 3: the 80+ rate 0.0 is its own
  // published 0 over its population; the count redacted is ages 0-49's, which it says nothing of.
  // Record 4: the 0-49 rate is 100000 x 7 / 14850371 = 0.0471, of a small count (a finding); the 80+
  // rate 100000 x 10 / 1209730 = 0.8266 is its own group's published counts'. The populations of
  // ages 0-49 are unrounded.
  const Strings lines = {",n,n,population,population,rate,rate", "age,0-49,80+,0-49,80+,0-49,80+", "date,,,,,,",
                         "2020-11-02,[REDACTED],0,14839551,1213035,,0.0", "2020-12-07,7,10,14850371,1209730,0.0471,0.8266"};
  Checked c = check("opensafely", lines);
  INFO(c.described);
  CHECK(c.findings == Strings{"derived_from_small_count 4 rate / 0-49", "small_count 4 n / 0-49",
                              "unrounded 3 population / 0-49", "unrounded 4 population / 0-49"});
  CHECK(any_message(c, "is computed from the small count 7 in column \"n / 0-49\""));
  // A group with no counts of its own (the rates' second level names no count column) is read
  // against every count, as a one-level table is: the 0.0 may give the redacted count back.
  const Strings ungrouped = {",n,n,population,population,rate,rate", "age,young,old,young,old,a,b", "date,,,,,,",
                             "2020-11-02,[REDACTED],0,14839550,1213035,,0.0"};
  Checked u = check("opensafely", ungrouped);
  INFO(u.described);
  CHECK(u.findings == Strings{"derived_from_small_count 3 rate / b"});
  // The groups are the second header row's, never read back out of a name: a one-row header whose
  // names hold " / " is one level, and its rates are read against every count.
  const Strings one_row = {"date,n / 0-49,n / 80+,population / 0-49,population / 80+,rate / 0-49,rate / 80+",
                           "2020-11-02,[REDACTED],0,14839550,1213035,,0.0"};
  Checked o = check("opensafely", one_row);
  INFO(o.described);
  CHECK(o.findings == Strings{"derived_from_small_count 1 rate / 80+"});
}

TEST_CASE("derived: a rate beside a redacted count that rate x person-time gives back", "[rules][derived_proof]") {
  // az_n is redacted; az_rate x az_pyears = 0.00040731959728609716 x 4910.149 = 2.000: the count
  // comes back.
  const Strings lines = {"arm,az_pyears,az_n,az_rate", "a,4910.1492128679,[REDACTED],0.00040731959728609716",
                         "b,3000.5,20,6.665555740709882e-3"};
  Checked c = check("opensafely", lines);
  INFO(c.described);
  CHECK(c.findings == Strings{"derived_from_small_count 1 az_rate"});
  CHECK(any_message(c, "gives back the redacted count in column \"az_n\" (2)"));
}

TEST_CASE("derived: a rate beside a small count that no denominator explains stays a finding", "[rules][derived_proof]") {
  // value 2.5 is printed too coarsely to be proved from anything: the finding of old stands.
  Checked c = check("opensafely", {"group,num,list_size,value", "a,3,1000,2.5", "b,40,1000,40.0"});
  INFO(c.described);
  CHECK(c.findings == Strings{"derived_from_small_count 1 value", "small_count 1 num"});
}

TEST_CASE("secondary: a total that a published row disproves is no total", "[rules][derived_proof]") {
  // "All" counts the eligible population: 7740 is far from 1220 + 610 + 280 (+/- 20 for four cells
  // rounded to 10), so the redacted Remedesivir cells cannot be solved from it.
  const Strings disproved = {"group,All,Treated,Sotrovimab,Remedesivir", "a,7740,1220,610,[REDACTED]",
                             "b,10830,2230,1120,280", "c,14730,3160,1620,[REDACTED]"};
  Checked c = check("opensafely", disproved);
  INFO(c.described);
  CHECK(c.findings.empty());
  // A real total within the rounding noise is used: row b sums to 300 within +/-15 of 305, and
  // row a's redacted cell comes back as 100 - 40 - 30 = 30.
  const Strings real = {"group,All,x,y,z", "a,100,40,30,[REDACTED]", "b,305,100,100,100"};
  Checked r = check("opensafely", real);
  INFO(r.described);
  CHECK(r.findings == Strings{"secondary_disclosure 1 z"});
}
