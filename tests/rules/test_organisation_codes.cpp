// Real organisation codes (interface.md rule `organisation_identifier`): ONS GSS codes of the
// forbidden entities (E01, E02, E06-E10, E38, E54: `E`, two entity digits, six digits), ODS practice
// codes (a letter and five digits) in practice columns, practice headers, and the one column-level
// message a column's codes make. The expected texts are written out by hand.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "rules/organisation_codes.h"

using namespace outcheck::rules;

TEST_CASE("ons_code: every forbidden entity code is recognised, with its kind", "[rules][organisation]") {
  CHECK(ons_code("E01000001") == OrganisationCode::lsoa);
  CHECK(ons_code("E02000001") == OrganisationCode::msoa);
  CHECK(ons_code("E06000001") == OrganisationCode::local_authority);
  CHECK(ons_code("E07000008") == OrganisationCode::local_authority);
  CHECK(ons_code("E08000025") == OrganisationCode::local_authority);
  CHECK(ons_code("E09000033") == OrganisationCode::local_authority);
  CHECK(ons_code("E10000002") == OrganisationCode::local_authority);
  CHECK(ons_code("E38000001") == OrganisationCode::sub_icb);
  CHECK(ons_code("E54000005") == OrganisationCode::icb);
  CHECK(ons_code("E54999999") == OrganisationCode::icb);
}

TEST_CASE("ons_code: allowed and neighbouring entities are not forbidden codes", "[rules][organisation]") {
  // Regions, NHS regions and England are allowed.
  CHECK(ons_code("E12000001") == OrganisationCode::none);
  CHECK(ons_code("E40000003") == OrganisationCode::none);
  CHECK(ons_code("E92000001") == OrganisationCode::none);
  // The neighbours of forbidden entities.
  CHECK(ons_code("E00000001") == OrganisationCode::none);
  CHECK(ons_code("E03000001") == OrganisationCode::none);
  CHECK(ons_code("E05000001") == OrganisationCode::none);
  CHECK(ons_code("E11000001") == OrganisationCode::none);
  CHECK(ons_code("E37000001") == OrganisationCode::none);
  CHECK(ons_code("E39000001") == OrganisationCode::none);
  CHECK(ons_code("E53000001") == OrganisationCode::none);
  CHECK(ons_code("E55000001") == OrganisationCode::none);
  // Other nations' codes and ODS-style codes are not GSS codes of England.
  CHECK(ons_code("W01000001") == OrganisationCode::none);
  CHECK(ons_code("S02000001") == OrganisationCode::none);
}

TEST_CASE("ons_code: exact shape, upper case, spaces trimmed", "[rules][organisation]") {
  CHECK(ons_code("E5400005") == OrganisationCode::none);     // 5 digits after the entity
  CHECK(ons_code("E540000050") == OrganisationCode::none);   // 7
  CHECK(ons_code("E54") == OrganisationCode::none);
  CHECK(ons_code("E") == OrganisationCode::none);
  CHECK(ons_code("") == OrganisationCode::none);
  CHECK(ons_code("e54000005") == OrganisationCode::none);    // lower case
  CHECK(ons_code("E5400000A") == OrganisationCode::none);
  CHECK(ons_code("E54 000005") == OrganisationCode::none);
  CHECK(ons_code("E54000005x") == OrganisationCode::none);
  CHECK(ons_code("xE54000005") == OrganisationCode::none);
  CHECK(ons_code(" E54000005 ") == OrganisationCode::icb);
  CHECK(ons_code("\tE01000001") == OrganisationCode::lsoa);
  CHECK(ons_code("E02000001   ") == OrganisationCode::msoa);
}

TEST_CASE("ods_practice_code: a capital letter and exactly five digits", "[rules][organisation]") {
  CHECK(ods_practice_code("A81001"));
  CHECK(ods_practice_code("Y02345"));
  CHECK(ods_practice_code("Z00000"));
  CHECK(ods_practice_code(" A81001 "));
  CHECK(ods_practice_code("\tA81001"));
  CHECK_FALSE(ods_practice_code("a81001"));
  CHECK_FALSE(ods_practice_code("A8100"));
  CHECK_FALSE(ods_practice_code("A810011"));
  CHECK_FALSE(ods_practice_code("AB1234"));
  CHECK_FALSE(ods_practice_code("A8100X"));
  CHECK_FALSE(ods_practice_code("181001"));
  CHECK_FALSE(ods_practice_code("A 81001"));
  CHECK_FALSE(ods_practice_code(""));
  CHECK_FALSE(ods_practice_code("      "));
}

TEST_CASE("maybe_organisation_code: never skips a code, skips most other cells", "[rules][organisation]") {
  // "E54000" has the shape of an ODS code (a letter and five digits).
  for (const char* code : {"A81001", "E54000", " A81001", "A81001 ", "E54000005", " E54000005", "E01000001\t"}) {
    INFO(code);
    CHECK(maybe_organisation_code(code));
  }
  for (const char* other : {"", "5", "12345", "123456", "North East", "Yorkshire", "2021-01-01",
                            "E540000050", "A8100X1", "e54000005"}) {
    INFO(other);
    CHECK_FALSE(maybe_organisation_code(other));
  }
}

TEST_CASE("organisation_code: ODS codes only in a practice column, GSS codes in any", "[rules][organisation]") {
  CHECK(organisation_code("A81001", true) == OrganisationCode::ods_practice);
  CHECK(organisation_code("A81001", false) == OrganisationCode::none);
  CHECK(organisation_code("E54000005", false) == OrganisationCode::icb);
  CHECK(organisation_code("E54000005", true) == OrganisationCode::icb);
  CHECK(organisation_code("E12000001", true) == OrganisationCode::none);
  CHECK(organisation_code("12", true) == OrganisationCode::none);
}

TEST_CASE("practice_header: headers that name a practice", "[rules][organisation]") {
  for (const char* h : {"practice", "Practice", "PRACTICE", "practice_id", "practice-id", "practice id", "practiceId",
                        "practice_code", "Practice Code", "practice_pseudo_id", "practice-pseudo-id", "gp_practice",
                        "GP Practice", "gp_practice_code", "ods_code", "ODS code", "ods", "practice_ods_code",
                        " practice ", "practice.id"}) {
    INFO(h);
    CHECK(practice_header(h));
  }
  for (const char* h : {"", "practices", "practice_count", "n_practices", "practice_list_size", "list_size", "gp",
                        "patient_id", "code", "region", "stp", "practice_type", "pract",
                        "a_very_long_header_that_goes_on_past_thirty_two_characters_practice"}) {
    INFO(h);
    CHECK_FALSE(practice_header(h));
  }
}

TEST_CASE("organisation_code_name describes each kind", "[rules][organisation]") {
  CHECK(std::string(organisation_code_name(OrganisationCode::icb)) == "an ICB/STP code (E54)");
  CHECK(std::string(organisation_code_name(OrganisationCode::lsoa)) == "an LSOA code (E01)");
  CHECK(std::string(organisation_code_name(OrganisationCode::msoa)) == "an MSOA code (E02)");
  CHECK(std::string(organisation_code_name(OrganisationCode::local_authority)) == "a local authority code (E06-E10)");
  CHECK(std::string(organisation_code_name(OrganisationCode::sub_icb)) == "a sub-ICB location code (E38)");
  CHECK(std::string(organisation_code_name(OrganisationCode::ods_practice)) == "an ODS practice code");
  CHECK(std::string(organisation_code_plural(OrganisationCode::icb)) == "ICB/STP codes (E54)");
}

TEST_CASE("OrganisationCodeTally: count, first value and kinds of one column", "[rules][organisation]") {
  OrganisationCodeTally t;
  CHECK(t.empty());
  CHECK(organisation_codes_message("label", t, Outcome::fail).empty());
  CHECK(t.add("North East", false) == OrganisationCode::none);
  CHECK(t.add("E12000001", false) == OrganisationCode::none);
  CHECK(t.add("A81001", false) == OrganisationCode::none);  // not a practice column
  CHECK(t.add(" E54000005 ", false) == OrganisationCode::icb);
  CHECK(t.add("E54000006", false) == OrganisationCode::icb);
  CHECK(t.add("120", false) == OrganisationCode::none);
  CHECK(t.count == 2);
  CHECK(t.first == "E54000005");  // trimmed
  CHECK(t.has(OrganisationCode::icb));
  CHECK_FALSE(t.has(OrganisationCode::lsoa));
  CHECK(t.by_kind[static_cast<std::size_t>(OrganisationCode::icb)] == 2);
  CHECK(organisation_codes_message("label", t, Outcome::fail) ==
        "column \"label\" holds 2 real organisation codes (ICB/STP codes (E54), first E54000005): OpenSAFELY's "
        "permitted study results policy forbids them; aggregate to region or remove them");
}

TEST_CASE("OrganisationCodeTally: 42 codes of one kind make the documented message", "[rules][organisation]") {
  OrganisationCodeTally t;
  for (int i = 0; i < 42; ++i) t.add("E54000" + std::to_string(100 + i), false);
  CHECK(t.count == 42);
  CHECK(t.first == "E54000100");
  CHECK(organisation_codes_message("label", t, Outcome::fail) ==
        "column \"label\" holds 42 real organisation codes (ICB/STP codes (E54), first E54000100): OpenSAFELY's "
        "permitted study results policy forbids them; aggregate to region or remove them");
}

TEST_CASE("OrganisationCodeTally: one code, and codes of several kinds", "[rules][organisation]") {
  SECTION("one code") {
    OrganisationCodeTally t;
    t.add("A81001", true);
    CHECK(t.count == 1);
    CHECK(organisation_codes_message("practice", t, Outcome::fail) ==
          "column \"practice\" holds a real organisation code (an ODS practice code, A81001): OpenSAFELY's "
          "permitted study results policy forbids it; aggregate to region or remove it");
    // Under a policy that only reviews the codes (sdc-handbook), the message does not call them forbidden.
    CHECK(organisation_codes_message("practice", t, Outcome::review) ==
          "column \"practice\" holds a real organisation code (an ODS practice code, A81001): confirm it may be "
          "released, or aggregate to region or remove it");
  }
  SECTION("three kinds") {
    OrganisationCodeTally t;
    t.add("E02000001", false);
    t.add("E01000001", false);
    t.add("E01000002", false);
    t.add("E07000008", false);
    CHECK(t.count == 4);
    CHECK(t.first == "E02000001");
    CHECK(organisation_codes_message("area", t, Outcome::fail) ==
          "column \"area\" holds 4 real organisation codes (2 LSOA codes (E01), 1 MSOA code (E02) and 1 local "
          "authority code (E06-E10), first E02000001): OpenSAFELY's permitted study results policy forbids them; "
          "aggregate to region or remove them");
  }
}

TEST_CASE("practice-keyed tables: at most review, nothing when off", "[rules][organisation]") {
  CHECK(std::string(kPracticeLevelMessage) == "practice-level output: confirm the ids cannot be linked");
  CHECK(std::string(kOrganisationIdentifierRule) == "organisation_identifier");
  CHECK(practice_keyed_outcome(Outcome::fail) == std::optional<Outcome>(Outcome::review));
  CHECK(practice_keyed_outcome(Outcome::review) == std::optional<Outcome>(Outcome::review));
  CHECK(practice_keyed_outcome(std::nullopt) == std::nullopt);
}
