#pragma once
// Every rule, once, as ninja's kTools names every tool: its id (interface.md "Rule ids"), where it
// looks, the outcome it gives as interface.md states it, one line on what it finds, and the file
// that decides it. Reports, `outcheck rules` and the tests read this table; a finding whose rule is
// not in it is a bug (FindingList::add checks it in debug builds, so the sanitized suite does).
#include <memory>
#include <string_view>
#include <vector>

namespace outcheck::rules {

class TableRule;
struct TableFacts;
struct TableFix;
// Makes a table rule's unit (rules/table_rule.h) for a table, or nothing when it gives it no work.
using MakeTableRule = std::unique_ptr<TableRule> (*)(const TableFacts& facts);
// Redact's fix for a rule's findings, over the held table (rules/table_rule.h).
using FixTable = void (*)(const TableFix& fix);

enum class RuleScope {
  file,   // the gate: privacy level, declaration, links, type, size, provenance, the CSV's shape
  table,  // a CSV's headers and cells
};

struct Rule {
  const char* id;
  RuleScope scope;
  const char* outcome;  // as interface.md states it: "blocked", "fail (opensafely) / review (sdc-handbook)", ...
  const char* summary;  // one line
  const char* decided_in;
  // Where the contract states it: interface.md's "Rule ids" table, or for a rule outcheck added
  // where the spec is silent, the README's "Decisions where the spec is silent".
  bool in_interface = true;
  // A table rule written as a unit: TableCheck makes one from every entry that has this, once the
  // table's roles are decided. The rules of TableCheck's column loop (small_count, unrounded,
  // identifier_value), patient_id and unsafe_statistic (read from the roles) have none.
  MakeTableRule make_unit = nullptr;
  // What redact does about the rule's findings; rules that share one fix (small_count and unrounded:
  // a count is suppressed or rounded) name the same function, and redact runs it once a pass.
  FixTable fix = nullptr;
};

const std::vector<Rule>& rule_registry();
const Rule* find_rule(std::string_view id);
const char* rule_scope_name(RuleScope scope);

}  // namespace outcheck::rules
