#include "rules/organisation_codes.h"

namespace outcheck::rules {

namespace {

// The kinds a message lists, in the order it lists them.
constexpr OrganisationCode kKinds[] = {OrganisationCode::ods_practice, OrganisationCode::lsoa,
                                       OrganisationCode::msoa,         OrganisationCode::local_authority,
                                       OrganisationCode::sub_icb,      OrganisationCode::icb};

// A header's letters and digits, lower case, without the separators `_`, `-`, `.` and space.
// Practice headers are short: anything longer than the buffer is not one.
struct Squeezed {
  char text[32];
  std::size_t size = 0;
  bool fits = true;
};

Squeezed squeeze(std::string_view header) {
  Squeezed s;
  for (char c : header) {
    if (c == '_' || c == '-' || c == '.' || c == ' ' || c == '\t') continue;
    if (s.size == sizeof s.text) {
      s.fits = false;
      break;
    }
    s.text[s.size++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return s;
}

// Practice headers with their separators removed.
constexpr std::string_view kPracticeHeaders[] = {
    "practice",          "practiceid",        "practicecode",      "practiceidentifier",
    "practicepseudoid",  "practicepseudocode", "pseudopracticeid", "practiceods",
    "practiceodscode",   "gppractice",        "gppracticeid",      "gppracticecode",
    "gppracticepseudoid", "gppracticeodscode", "ods",              "odscode",
    "odspracticecode",
};

}  // namespace

OrganisationCode ons_code(std::string_view cell) {
  const std::string_view s = trim_spaces(cell);
  if (s.size() != 9 || s[0] != 'E') return OrganisationCode::none;
  for (std::size_t i = 1; i < 9; ++i) {
    if (!is_digit(s[i])) return OrganisationCode::none;
  }
  switch ((s[1] - '0') * 10 + (s[2] - '0')) {
    case 1: return OrganisationCode::lsoa;
    case 2: return OrganisationCode::msoa;
    case 6:
    case 7:
    case 8:
    case 9:
    case 10: return OrganisationCode::local_authority;
    case 38: return OrganisationCode::sub_icb;
    case 54: return OrganisationCode::icb;
    default: return OrganisationCode::none;
  }
}

bool ods_practice_code(std::string_view cell) {
  const std::string_view s = trim_spaces(cell);
  if (s.size() != 6 || s[0] < 'A' || s[0] > 'Z') return false;
  for (std::size_t i = 1; i < 6; ++i) {
    if (!is_digit(s[i])) return false;
  }
  return true;
}

bool practice_header(std::string_view header) {
  const Squeezed s = squeeze(header);
  if (!s.fits || s.size == 0) return false;
  const std::string_view h(s.text, s.size);
  for (std::string_view form : kPracticeHeaders) {
    if (h == form) return true;
  }
  return false;
}

const char* organisation_code_name(OrganisationCode kind) {
  switch (kind) {
    case OrganisationCode::none: return "not an organisation code";
    case OrganisationCode::ods_practice: return "an ODS practice code";
    case OrganisationCode::lsoa: return "an LSOA code (E01)";
    case OrganisationCode::msoa: return "an MSOA code (E02)";
    case OrganisationCode::local_authority: return "a local authority code (E06-E10)";
    case OrganisationCode::sub_icb: return "a sub-ICB location code (E38)";
    case OrganisationCode::icb: return "an ICB/STP code (E54)";
  }
  return "not an organisation code";
}

const char* organisation_code_plural(OrganisationCode kind) {
  switch (kind) {
    case OrganisationCode::none: return "not organisation codes";
    case OrganisationCode::ods_practice: return "ODS practice codes";
    case OrganisationCode::lsoa: return "LSOA codes (E01)";
    case OrganisationCode::msoa: return "MSOA codes (E02)";
    case OrganisationCode::local_authority: return "local authority codes (E06-E10)";
    case OrganisationCode::sub_icb: return "sub-ICB location codes (E38)";
    case OrganisationCode::icb: return "ICB/STP codes (E54)";
  }
  return "not organisation codes";
}

void OrganisationCodeTally::note(std::string_view cell, OrganisationCode k) {
  if (count == 0) first.assign(trim_spaces(cell));
  ++count;
  ++by_kind[static_cast<std::size_t>(k)];
}

namespace {

// What to do, as the policy's outcome says it: a policy that fails the codes forbids them (both
// presets' source, OpenSAFELY's permitted study results policy, does); one that only reviews them
// leaves a person to decide, and a message must not say they are forbidden.
std::string organisation_codes_advice(Outcome outcome, bool plural) {
  const std::string them = plural ? "them" : "it";
  if (outcome == Outcome::review) {
    return std::string(": confirm ") + (plural ? "they" : "it") + " may be released, or aggregate to region or remove " +
           them;
  }
  return ": OpenSAFELY's permitted study results policy forbids " + them + "; aggregate to region or remove " + them;
}

}  // namespace

std::string organisation_codes_message(std::string_view column, const OrganisationCodeTally& tally, Outcome outcome) {
  if (tally.empty()) return {};
  std::string m = "column \"";
  m += column;
  m += "\" holds ";
  if (tally.count == 1) {
    OrganisationCode only = OrganisationCode::none;
    for (OrganisationCode k : kKinds) {
      if (tally.has(k)) only = k;
    }
    m += "a real organisation code (";
    m += organisation_code_name(only);
    m += ", ";
    m += tally.first;
    m += ")" + organisation_codes_advice(outcome, false);
    return m;
  }
  std::size_t kinds = 0;
  for (OrganisationCode k : kKinds) kinds += tally.has(k) ? 1 : 0;
  m += std::to_string(tally.count);
  m += " real organisation codes (";
  std::size_t listed = 0;
  for (OrganisationCode k : kKinds) {
    if (!tally.has(k)) continue;
    if (listed > 0) m += listed + 1 == kinds ? " and " : ", ";
    ++listed;
    const std::int64_t n = tally.by_kind[static_cast<std::size_t>(k)];
    if (kinds == 1) {
      m += organisation_code_plural(k);
    } else if (n == 1) {
      m += "1 ";
      // The singular name without its article: "an LSOA code (E01)" -> "LSOA code (E01)".
      std::string_view name = organisation_code_name(k);
      name.remove_prefix(name.find(' ') + 1);
      m += name;
    } else {
      m += std::to_string(n);
      m += ' ';
      m += organisation_code_plural(k);
    }
  }
  m += ", first ";
  m += tally.first;
  m += ")" + organisation_codes_advice(outcome, true);
  return m;
}

}  // namespace outcheck::rules
