// Counts implied by a confidence interval (rules/interval_proof.h), what the table check makes of
// them, and redact's answer. Reference bounds are Garwood's exact 95% limits as printed in tables of
// the Poisson distribution (e.g. k = 2: 0.2422 to 7.2247), and the normal and log-normal formulae
// worked by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "rules/derived_proof.h"
#include "rules/interval_proof.h"
#include "rules/redact.h"
#include "rules/table_check.h"
#include "tests/support/finding_text.h"
#include "tests/support/policies.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;

namespace {

Printed printed(const std::string& text) {
  auto p = printed_number(text);
  REQUIRE(p);
  return *p;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

TEST_CASE("interval proof: Garwood's exact bounds give their count back at any scale", "[interval]") {
  // Per person-year, and per 1,000 person-years over 1,234.5 of them.
  auto k2 = interval_implied_count(printed("0.2422"), printed("7.2247"));
  REQUIRE(k2);
  CHECK(k2->model == IntervalModel::exact_poisson);
  CHECK(k2->events == 2);
  auto k5 = interval_implied_count(printed(fixed(1.6235 / 1234.5 * 1000, 4)), printed(fixed(11.6683 / 1234.5 * 1000, 4)));
  REQUIRE(k5);
  CHECK(k5->events == 5);
  // k = 1: 0.0253 to 5.5716.
  auto k1 = interval_implied_count(printed("0.0253"), printed("5.5716"));
  REQUIRE(k1);
  CHECK(k1->events == 1);
}

TEST_CASE("interval proof: normal and log-normal intervals of a rate give their count back", "[interval]") {
  const double rate = 4.0 / 812.0 * 100000;  // 4 events over 812 person-years, per 100,000
  const double w = 1.96 / 2.0;                // z / sqrt(4)
  auto normal = interval_implied_count(printed(fixed(rate * (1 - w), 2)), printed(fixed(rate * (1 + w), 2)));
  REQUIRE(normal);
  CHECK(normal->model == IntervalModel::normal);
  CHECK(normal->events == 4);
  auto log_normal = interval_implied_count(printed(fixed(rate * std::exp(-w), 2)), printed(fixed(rate * std::exp(w), 2)));
  REQUIRE(log_normal);
  CHECK(log_normal->model == IntervalModel::log_normal);
  CHECK(log_normal->events == 4);
}

TEST_CASE("interval proof: coarse or unrelated bounds imply nothing", "[interval]") {
  // A hazard ratio's interval from a released table.
  CHECK_FALSE(interval_implied_count(printed("1.31"), printed("1.43")));
  // Printed too coarsely to tell 3 events from 4: 0.6 to 9 fits both.
  CHECK_FALSE(interval_implied_count(printed("0.8"), printed("9")));
  // A lower bound of zero, or bounds the wrong way round.
  CHECK_FALSE(interval_implied_count(printed("0"), printed("3.689")));
  CHECK_FALSE(interval_implied_count(printed("5.0"), printed("1.0")));
  // Seven significant digits from a released table (lci .5128945, uci 5.019836): no count fits.
  CHECK_FALSE(interval_implied_count(printed(".5128945"), printed("5.019836")));
}

TEST_CASE("interval proof: bound columns are paired by their names", "[interval]") {
  std::vector<std::string> header{"group", "lci", "uci", "survival.ll", "survival.ul", "conf.low", "conf.high",
                                  "rate_lower_95", "rate_upper_95", "lower", "upperx"};
  auto pairs = bound_pairs(header);
  std::vector<std::pair<int, int>> got;
  for (auto p : pairs) got.emplace_back(p.lower, p.upper);
  CHECK(got == std::vector<std::pair<int, int>>{{1, 2}, {3, 4}, {5, 6}, {7, 8}});
}

TEST_CASE("interval proof: repeated bound names pair the k-th lower bound with the k-th upper", "[interval]") {
  auto pairs_of = [](const std::vector<std::string>& header) {
    std::vector<std::pair<int, int>> got;
    for (auto p : bound_pairs(header)) got.emplace_back(p.lower, p.upper);
    return got;
  };
  // One interval per group, the names repeated: alternating, or the lowers in a block before the
  // uppers (pairing by nearness left the second upper of a block unpaired, and unchecked).
  CHECK(pairs_of({"group", "rate", "lower", "upper", "rate", "lower", "upper"}) ==
        std::vector<std::pair<int, int>>{{2, 3}, {5, 6}});
  CHECK(pairs_of({"group", "lower", "lower", "upper", "upper"}) == std::vector<std::pair<int, int>>{{1, 3}, {2, 4}});
  // Counts that differ, few: every pair, as before.
  CHECK(pairs_of({"group", "lower", "upper", "upper"}) == std::vector<std::pair<int, int>>{{1, 2}, {1, 3}});
  // 2,000 groups make 2,000 pairs, not 4 million.
  std::vector<std::string> wide{"group"};
  for (int g = 0; g < 2000; ++g) {
    wide.push_back("lower");
    wide.push_back("upper");
  }
  const auto pairs = bound_pairs(wide);
  REQUIRE(pairs.size() == 2000);
  CHECK(pairs.back().lower == 3999);
  CHECK(pairs.back().upper == 4000);
  // 100 lowers and 101 uppers: the k-th with the k-th, and the last lower with the upper left over;
  // 101 lowers and 100 uppers: the lower left over with its nearest upper. No column unpaired.
  for (const auto& [lowers, uppers] : {std::pair<int, int>{100, 101}, std::pair<int, int>{101, 100}}) {
    std::vector<std::string> header{"group"};
    for (int k = 0; k < std::max(lowers, uppers); ++k) {
      if (k < lowers) header.push_back("lower");
      if (k < uppers) header.push_back("upper");
    }
    std::set<int> paired;
    const auto uneven = bound_pairs(header);
    for (auto p : uneven) {
      paired.insert(p.lower);
      paired.insert(p.upper);
    }
    CHECK(paired.size() == header.size() - 1);
    CHECK(uneven.size() == static_cast<std::size_t>(std::max(lowers, uppers)));
  }
}

TEST_CASE("interval proof: a rate's exact interval beside a redacted count is a finding on the bounds", "[interval]") {
  // Record 2's events are redacted, but 0.196 to 5.852 per 1,000 over 1,234.5 person-years are
  // exact Poisson bounds of 2 events; record 3's are log-normal bounds of 5; record 4's bounds fit
  // no count; record 1's count is published.
  std::vector<std::string> lines{"group,events,person_years,lci,uci", "a,120,5000.5,19.896,28.695",
                                 "b,[REDACTED],1234.5,0.196,5.852", "c,[REDACTED],1234.5,1.6858,9.7309",
                                 "d,[REDACTED],1234.5,1.31,1.43"};
  auto run = outcheck::test::run_table_lines("opensafely", lines);
  INFO(outcheck::test::describe_findings(run.findings));
  CHECK(outcheck::test::finding_places(run.findings) ==
        std::vector<std::string>{"derived_from_small_count 2 lci", "derived_from_small_count 3 lci"});
  bool named = false;
  for (const Finding& f : run.findings.kept()) {
    named |= f.message.find("exact Poisson 95% interval for 2 events") != std::string::npos &&
             f.message.find("\"events\" (2)") != std::string::npos;
  }
  CHECK(named);
}

TEST_CASE("interval proof: redact suppresses bounds that give a redacted count back, and the copy passes", "[interval][redact]") {
  auto policy = outcheck::test::compiled_preset("opensafely");
  HeldTable t;
  t.header = {"group", "events", "person_years", "lci", "uci"};
  t.rows = {{"a", "120", "5000.5", "19.896", "28.695"},
            {"b", "2", "1234.5", "0.196", "5.852"},
            {"d", "[REDACTED]", "1234.5", "1.31", "1.43"}};
  t.records = {1, 2, 3};
  auto changes = redact_table(*policy, t);
  CHECK(t.rows[1] == std::vector<std::string>{"b", "[REDACTED]", "1234.5", "[REDACTED]", "[REDACTED]"});
  CHECK(t.rows[2] == std::vector<std::string>{"d", "[REDACTED]", "1234.5", "1.31", "1.43"});
  CHECK(failing_rules(*policy, t).empty());
}
