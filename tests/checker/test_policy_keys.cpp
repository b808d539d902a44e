// The one policy key table (checker/policy_keys.h, issue 17 item 3): policy.md documents exactly
// its keys, and every key is read from a policy file and shown in the effective policy.
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/policy_file.h"
#include "checker/policy_keys.h"
#include "checker/policy_set.h"
#include "rules/policy.h"
#include "tests/support/markdown_table.h"
#include "tests/support/workspace_fixture.h"

using namespace outcheck;
using namespace outcheck::checker;
using nlohmann::json;

namespace {

struct Row {
  std::string name;  // `small_count`, or `columns.count`
  std::string type;  // `{threshold: int, zeros_disclosive: bool}`
};

// The rows of policy.md's "All keys" table.
std::vector<Row> all_keys_rows() {
  std::vector<Row> rows;
  for (const auto& cells : test::markdown_table_rows(test::slurp(test::shared_dir() + "/spec/policy.md"), "## All keys")) {
    REQUIRE(cells.size() >= 2);
    rows.push_back({test::unquote_code(cells[0]), cells[1]});
  }
  return rows;
}

std::string section_of(const std::string& name) { return name.substr(0, name.find('.')); }
std::string field_of(const std::string& name) {
  auto dot = name.find('.');
  return dot == std::string::npos ? "" : name.substr(dot + 1);
}

}  // namespace

TEST_CASE("policy keys: policy.md's All keys table lists every key, and every key it lists is one", "[policy]") {
  const std::vector<Row> rows = all_keys_rows();
  REQUIRE(rows.size() >= 15);
  std::set<std::string> documented;
  for (const Row& row : rows) documented.insert(row.name);

  for (const PolicyKey& key : policy_keys()) {
    const std::string name = key.name;
    INFO("key " << name);
    bool listed = documented.count(name) > 0;
    if (!listed) {
      // Listed as its section, with the field in the row's type: `small_count` | `{threshold: int, ...}`.
      for (const Row& row : rows) {
        if (row.name == section_of(name) && test::contains(row.type, field_of(name) + ":")) listed = true;
      }
    }
    CHECK(listed);
    CHECK(std::string(key.doc).size() > 10);
  }
  for (const Row& row : rows) {
    if (row.name == "extends" || row.name == "files") continue;  // the file's structure, not a setting
    INFO("policy.md row " << row.name);
    bool known = false;
    for (const PolicyKey& key : policy_keys()) {
      const std::string name = key.name;
      if (name == row.name || section_of(name) == row.name) known = true;
    }
    CHECK(known);
  }
}

TEST_CASE("policy keys: a file setting every key to another value reads back as that value in the effective policy",
          "[policy]") {
  const rules::Policy base = *rules::preset_policy("opensafely");
  const json before = policy_to_json(base);
  // Every key's value changed: a number raised, a flag flipped, a list grown, another choice.
  json file = json::object();
  json expected = before;
  for (const PolicyKey& key : policy_keys()) {
    const auto at = policy_key_pointer(key.name);
    json value = before.at(at);
    switch (key.kind) {
      case PolicyValueKind::whole_number: value = value.get<std::int64_t>() + 3; break;
      case PolicyValueKind::boolean: value = !value.get<bool>(); break;
      case PolicyValueKind::pattern: value = "(?i)^changed$"; break;
      case PolicyValueKind::patterns: value.push_back("(?i)^changed$"); break;
      case PolicyValueKind::strings: value.push_back("withheld"); break;
      case PolicyValueKind::extensions: value.push_back(".parquet"); break;
      case PolicyValueKind::bases: value.push_back(11); break;
      case PolicyValueKind::choice:
        for (const char* c : key.choices) {
          if (value != c) {
            value = c;
            break;
          }
        }
        break;
    }
    INFO("key " << key.name);
    REQUIRE(value != before.at(at));
    file[at] = value;
    expected[at] = value;
  }
  // JSON is YAML: the file is the changed values as one flow mapping.
  auto set = parse_policy_file("every-key.yaml", file.dump());
  INFO((set ? "" : set.error().message));
  REQUIRE(set.ok());
  json after = policy_to_json(set->base->policy());
  expected["name"] = "every-key.yaml";
  CHECK(after == expected);
  // And the effective policy shows each key where policy.md puts it.
  for (const PolicyKey& key : policy_keys()) CHECK(after.contains(policy_key_pointer(key.name)));
}

TEST_CASE("policy keys: a key read only at the top level is refused in a files entry, naming it", "[policy]") {
  for (const PolicyKey& key : policy_keys()) {
    if (!key.top_level_only) continue;
    INFO("key " << key.name);
    json entry = json::object();
    entry["glob"] = "output/*.csv";
    entry[policy_key_pointer(key.name)] = policy_to_json(*rules::preset_policy("opensafely")).at(policy_key_pointer(key.name));
    auto set = parse_policy_file("site.yaml", json{{"files", json::array({entry})}}.dump());
    REQUIRE(!set.ok());
    CHECK(test::contains(set.error().message, std::string(key.name) +
                                                  ": applies to the whole workspace; set it at the top level, not in `files`"));
  }
}
