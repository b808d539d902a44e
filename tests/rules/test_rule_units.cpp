// derived_from_small_count (rules/derived_rule.h) and organisation_identifier
// (rules/organisation_rule.h) through the unit interface (rules/table_rule.h), as TableCheck runs
// them: made from the table's facts, given batches of records, finished with the final roles. The
// texts are written out by hand; check's own path is tested in tests/cli/test_rule_messages.cpp.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/derived_rule.h"
#include "rules/organisation_rule.h"
#include "rules/table_rule.h"
#include "tests/support/policies.h"
#include "tests/support/table_lines.h"

using namespace outcheck::rules;
using Strings = std::vector<std::string>;

namespace {

ColumnRole role(const std::string& name, Role r) {
  ColumnRole c;
  c.name = name;
  c.role = r;
  return c;
}

// Every record given on its own, with its flag for RecordBatch::small_or_redacted (or none).
void observe_each(TableRule& unit, const std::vector<std::vector<std::string_view>>& rows,
                  const std::vector<std::uint8_t>* flags = nullptr) {
  for (std::size_t r = 0; r < rows.size(); ++r) {
    unit.observe(RecordBatch(static_cast<std::int64_t>(r + 1), rows[r], flags ? &(*flags)[r] : nullptr));
  }
}

}  // namespace

TEST_CASE("derived_from_small_count as a unit: made only with rates or an interval's bounds", "[rules][derived]") {
  auto policy = outcheck::test::compiled_preset("opensafely");
  const TableSample sample;
  const Strings counts_only{"group", "num", "list_size"};
  const std::vector<ColumnRole> counts_roles{role("group", Role::category), role("num", Role::count),
                                             role("list_size", Role::count)};
  CHECK(make_derived_rule({*policy, counts_only, Strings(counts_only.size()), counts_only, counts_roles, sample, 10}) ==
        nullptr);

  // An interval's bounds are work too, with no rate column.
  const Strings interval{"group", "events", "pyears", "lci", "uci"};
  const std::vector<ColumnRole> interval_roles{role("group", Role::category), role("events", Role::count),
                                               role("pyears", Role::measure), role("lci", Role::measure),
                                               role("uci", Role::measure)};
  auto unit = make_derived_rule({*policy, interval, Strings(interval.size()), interval, interval_roles, sample, 10});
  REQUIRE(unit);
  CHECK(unit->wants_small_or_redacted());
}

TEST_CASE("derived_from_small_count as a unit: judges the records the column loop flags, then finishes on the final roles",
          "[rules][derived]") {
  auto policy = outcheck::test::compiled_preset("opensafely");
  const TableSample sample;
  const Strings names{"group", "num", "list_size", "value"};
  const std::vector<ColumnRole> roles{role("group", Role::category), role("num", Role::count),
                                      role("list_size", Role::count), role("value", Role::rate)};
  // "3" is small: 3 / 1000 x 1000 = 3.000 proves record 1's rate; record 2 is published counts.
  const std::vector<std::vector<std::string_view>> rows{{"a", "3", "1000", "3.000"}, {"b", "40", "1000", "40.0"}};
  auto run = [&](const std::vector<std::uint8_t>* flags, const std::vector<ColumnRole>& end_roles) {
    auto unit = make_derived_rule({*policy, names, Strings(names.size()), names, roles, sample, 10});
    REQUIRE(unit);
    observe_each(*unit, rows, flags);
    FindingList out(10);
    unit->finish({end_roles}, out);
    return out;
  };

  SECTION("a flagged record's rate, proved from its small count") {
    const std::vector<std::uint8_t> flags{1, 0};
    FindingList out = run(&flags, roles);
    REQUIRE(out.kept().size() == 1);
    const Finding& f = out.kept()[0];
    CHECK(f.rule == "derived_from_small_count");
    CHECK(f.outcome == Outcome::fail);
    CHECK(f.row == 1);
    CHECK(f.column == "value");
    CHECK(f.value == "3.000");
    CHECK(f.message == "is computed from the small count 3 in column \"num\" (3.000 = 1000 x num 3 / list_size 1000): "
                       "redact it too");
  }
  SECTION("a record the column loop did not flag is not read") {
    const std::vector<std::uint8_t> none{0, 0};
    CHECK(run(&none, roles).kept().empty());
  }
  SECTION("a count column found at the end to hold identifiers takes its findings with it") {
    std::vector<ColumnRole> end = roles;
    end[1].role = Role::identifier;
    const std::vector<std::uint8_t> flags{1, 0};
    FindingList out = run(&flags, end);
    CHECK(out.kept().empty());
    CHECK(out.counts().count("derived_from_small_count") == 0);
  }
  SECTION("the previous record, across batches, as a flowchart's denominator") {
    // Record 2's share 0.003 is its 3 over record 1's 1000: the records come in separate batches,
    // so the unit must keep record 1 after its batch is gone.
    const Strings steps{"step", "n", "share"};
    const std::vector<ColumnRole> step_roles{role("step", Role::category), role("n", Role::count),
                                             role("share", Role::rate)};
    auto unit = make_derived_rule({*policy, steps, Strings(steps.size()), steps, step_roles, sample, 10});
    REQUIRE(unit);
    const std::vector<std::uint8_t> flags{0, 1};
    std::vector<std::vector<std::string_view>> flow{{"all", "1000", "1"}, {"treated", "3", "0.003"}};
    std::vector<std::string> first(flow[0].begin(), flow[0].end());
    {
      std::vector<std::string_view> held(first.begin(), first.end());
      unit->observe(RecordBatch(1, held, &flags[0]));
    }
    first.assign(3, "overwritten");  // the first batch's bytes are gone
    unit->observe(RecordBatch(2, flow[1], &flags[1]));
    FindingList out(10);
    unit->finish({step_roles}, out);
    REQUIRE(out.kept().size() == 1);
    CHECK(out.kept()[0].message ==
          "is computed from the small count 3 in column \"n\" (0.003 = n 3 / n (previous row) 1000): redact it too");
  }
}

TEST_CASE("organisation_identifier as a unit: none when off, else codes in text columns, a finding per column",
          "[rules][organisation]") {
  const TableSample sample;
  {
    Policy off = outcheck::test::compiled_preset("opensafely")->policy();
    off.organisation_identifier = std::nullopt;
    auto policy = outcheck::test::compiled_policy(off);
    const Strings names{"area", "num"};
    const std::vector<ColumnRole> roles{role("area", Role::category), role("num", Role::count)};
    CHECK(make_organisation_rule({*policy, names, Strings(names.size()), names, roles, sample, 10}) == nullptr);
  }
  auto policy = outcheck::test::compiled_preset("opensafely");
  // The second header row named the columns "practice / code" and "area / lsoa"; the header as
  // written says "practice", so ODS codes in it are real practices.
  const Strings header{"practice", "area", "num"};
  const Strings names{"practice / code", "area / lsoa", "num"};
  const std::vector<ColumnRole> roles{role("practice / code", Role::category), role("area / lsoa", Role::category),
                                      role("num", Role::count)};
  auto unit = make_organisation_rule({*policy, names, Strings(names.size()), header, roles, sample, 10});
  REQUIRE(unit);
  CHECK_FALSE(unit->wants_small_or_redacted());
  // A count column's cells are never codes; an allowed region (E12) is none; "[REDACTED]" is a marker.
  observe_each(*unit, {{"A81001", "E01000001", "10"},
                       {"A81002", "E12000001", "15"},
                       {"[REDACTED]", "E02000002", "20"},
                       {"B82003", "x", "E01000009"}});
  FindingList out(10);
  unit->finish({roles}, out);
  CHECK(outcheck::test::finding_places(out) ==
        Strings{"organisation_identifier - area / lsoa", "organisation_identifier - practice / code"});
  REQUIRE(out.kept().size() == 2);
  CHECK(out.kept()[0].value == "A81001");
  CHECK(out.kept()[0].message ==
        "column \"practice / code\" holds 3 real organisation codes (ODS practice codes, first A81001): OpenSAFELY's "
        "permitted study results policy forbids them; aggregate to region or remove them");
  CHECK(out.kept()[1].message ==
        "column \"area / lsoa\" holds 2 real organisation codes (1 LSOA code (E01) and 1 MSOA code (E02), first "
        "E01000001): OpenSAFELY's permitted study results policy forbids them; aggregate to region or remove them");
}
