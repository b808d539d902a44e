#pragma once
// Real organisation codes (interface.md rule `organisation_identifier`, policy.md key
// `organisation_identifier`). OpenSAFELY's permitted study results policy forbids releasing them:
// ODS practice codes (a letter and five digits, `A81001`) in a practice column, and the ONS GSS codes
// of small areas and local organisations: E01 (LSOA), E02 (MSOA), E06-E10 (local authorities), E38
// (sub-ICB locations) and E54 (ICBs and STPs), each the 3-character entity code and 6 digits
// (`E54000005`). Regions (E12), NHS regions (E40) and England (E92) are allowed.
// Pure functions: no I/O, and nothing on the per-cell path allocates.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rules/cell_value.h"
#include "rules/finding.h"
#include "rules/record_batch.h"

namespace outcheck::rules {

inline constexpr const char* kOrganisationIdentifierRule = "organisation_identifier";

// The message of the finding (outcome: practice_keyed_outcome) for a table keyed by practice (a row
// per practice, or per practice and period) under pseudonymous ids.
inline constexpr const char* kPracticeLevelMessage = "practice-level output: confirm the ids cannot be linked";

enum class OrganisationCode : std::uint8_t {
  none = 0,
  ods_practice,     // A81001, only in a practice column
  lsoa,             // E01
  msoa,             // E02
  local_authority,  // E06, E07, E08, E09, E10
  sub_icb,          // E38
  icb,              // E54 (ICBs, and STPs before them)
};
inline constexpr std::size_t kOrganisationCodeKinds = 7;  // including none

// The forbidden GSS code `cell` is (surrounding spaces and tabs ignored): `E`, the two digits of a
// forbidden entity, and six digits, upper case only; none for anything else (E12, E40, E92, ...).
OrganisationCode ons_code(std::string_view cell);

// An ODS practice code (surrounding spaces and tabs ignored): one upper-case letter A-Z and exactly
// five digits. Only meaningful in a practice column (practice_header).
bool ods_practice_code(std::string_view cell);

// False for every cell that cannot be a code of either kind, so a caller may skip it: shorter than
// six bytes, or starting with something other than an upper-case letter followed by a digit (or a
// space or tab, left for the full test to trim), or a letter-first cell neither 6 nor 9 bytes long
// without trailing space. True does not mean it is a code.
inline bool maybe_organisation_code(std::string_view cell) {
  if (cell.size() < 6) return false;
  const char c = cell.front();
  if (c == ' ' || c == '\t') return true;
  if (c < 'A' || c > 'Z' || !is_digit(cell[1])) return false;
  const char last = cell.back();
  return cell.size() == 6 || cell.size() == 9 || last == ' ' || last == '\t';
}

// False when no cell of a column of this shape (in a batch) can pass maybe_organisation_code: none
// has six bytes, or none starts with a capital letter, a space or a tab.
inline bool may_hold_organisation_code(const ColumnShape& shape) {
  return shape.longest >= 6 && (shape.first_bytes & (kFirstUpper | kFirstBlank)) != 0;
}

// ons_code, then (only in a practice column) ods_practice_code. Includes the pre-filter.
inline OrganisationCode organisation_code(std::string_view cell, bool practice_column) {
  if (!maybe_organisation_code(cell)) return OrganisationCode::none;
  OrganisationCode k = ons_code(cell);
  if (k == OrganisationCode::none && practice_column && ods_practice_code(cell)) k = OrganisationCode::ods_practice;
  return k;
}

// A header that names a practice: `practice`, `practice_id`, `practice_code`, `practice_pseudo_id`,
// `gp_practice`, `ods_code`, `Practice Code`, `practiceId`, ... Case-insensitive; the words may be
// separated by `_`, `-`, `.`, space or nothing. Counts of practices (`practice_count`, `practices`)
// are not practice headers.
bool practice_header(std::string_view header);

// "an ICB/STP code (E54)", "an LSOA code (E01)", ...; "not an organisation code" for none.
const char* organisation_code_name(OrganisationCode kind);
// "ICB/STP codes (E54)", "LSOA codes (E01)", ...
const char* organisation_code_plural(OrganisationCode kind);

// The codes one column holds, for ONE column-level finding.
struct OrganisationCodeTally {
  std::int64_t count = 0;                                   // cells that are codes
  std::string first;                                        // the first one, trimmed (at most 9 bytes: no allocation)
  std::array<std::int64_t, kOrganisationCodeKinds> by_kind{};  // cells of each kind, indexed by OrganisationCode

  // Tallies one cell; returns its kind (none for most cells, cheaply), so a caller can note its row.
  OrganisationCode add(std::string_view cell, bool practice_column) {
    const OrganisationCode k = organisation_code(cell, practice_column);
    if (k != OrganisationCode::none) note(cell, k);
    return k;
  }
  bool empty() const { return count == 0; }
  bool has(OrganisationCode k) const { return by_kind[static_cast<std::size_t>(k)] != 0; }

 private:
  void note(std::string_view cell, OrganisationCode k);
};

// The finding's message under the policy's outcome for it, e.g. `column "label" holds 42 real
// organisation codes (ICB/STP codes (E54), first E54000005): OpenSAFELY's permitted study results
// policy forbids them; aggregate to region or remove them` (fail), or `...: confirm they may be
// released, or aggregate to region or remove them` (review). Empty when the tally is.
std::string organisation_codes_message(std::string_view column, const OrganisationCodeTally& tally,
                                       Outcome outcome);

// Outcomes under the policy key Policy::organisation_identifier (nullopt is off: no finding at all).
// Real codes take the setting itself; a table keyed by pseudonymous practice ids takes this: at most
// review, nothing when off.
inline std::optional<Outcome> practice_keyed_outcome(std::optional<Outcome> setting) {
  if (!setting) return std::nullopt;
  return *setting < Outcome::review ? *setting : Outcome::review;
}

}  // namespace outcheck::rules
