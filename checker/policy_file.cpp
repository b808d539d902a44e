#include "checker/policy_file.h"

#include <charconv>
#include <set>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "checker/output_pattern.h"
#include "checker/policy_keys.h"
#include "checker/yaml_doc.h"

namespace outcheck::checker {

namespace {

using nlohmann::json;
using rules::Policy;

std::string preset_list() {
  std::string s;
  for (const auto& n : rules::preset_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// Applies the keys of one mapping (the file's top level, or one `files` entry) to a policy, and
// records what it set in `set` (keyed as in policy.md) for reports. Every key is one of
// policy_keys(): a section (`small_count`) holding fields, or a key of its own (`totals`).
class Applier {
 public:
  explicit Applier(const YamlDoc& doc) : doc_(doc) {}

  Status apply(const YAML::Node& map, Policy& p, json& set, bool top_level) {
    if (!map.IsMap()) return bad(map, top_level ? "policy" : "files entry", "must be a mapping of policy keys");
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (top_level && (key == "extends" || key == "files")) continue;
      if (!top_level && key == "glob") continue;
      if (const PolicyKey* own = find(key)) {
        OUTCHECK_TRY(apply_key(*own, kv.second, p, set, top_level));
        continue;
      }
      std::vector<std::string> fields = fields_of(key);
      if (fields.empty()) {
        std::string known = top_level ? "extends, files" : "glob";
        for (const auto& k : sections()) known += ", " + k;
        return invalid_input(located(doc_, kv.first.Mark(), "unknown key '" + key + "' (known keys: " + known + ")"));
      }
      if (!kv.second.IsMap()) return bad(kv.second, key, "must be a mapping, not " + node_kind(kv.second));
      for (const auto& field : kv.second) {
        std::string name = key + "." + field.first.Scalar();
        const PolicyKey* k = find(name);
        if (!k) {
          std::string known;
          for (const auto& f : fields) known += (known.empty() ? "" : ", ") + f;
          return invalid_input(located(doc_, field.first.Mark(), "unknown key '" + name + "' (known: " + known + ")"));
        }
        OUTCHECK_TRY(apply_key(*k, field.second, p, set, top_level));
      }
    }
    return Status::OK();
  }

  Error bad_at(const YAML::Node& n, const std::string& key, const std::string& what) {
    return invalid_input(located(doc_, n.Mark(), key + ": " + what));
  }

 private:
  static const PolicyKey* find(const std::string& name) {
    for (const PolicyKey& k : policy_keys()) {
      if (name == k.name) return &k;
    }
    return nullptr;
  }
  // The fields of a section, sorted; none when `section` is no section.
  static std::vector<std::string> fields_of(const std::string& section) {
    std::set<std::string> fields;
    const std::string prefix = section + ".";
    for (const PolicyKey& k : policy_keys()) {
      std::string name = k.name;
      if (name.rfind(prefix, 0) == 0) fields.insert(name.substr(prefix.size()));
    }
    return {fields.begin(), fields.end()};
  }
  // Every top-level key, sorted: the sections and the keys of their own.
  static std::vector<std::string> sections() {
    std::set<std::string> names;
    for (const PolicyKey& k : policy_keys()) {
      std::string name = k.name;
      names.insert(name.substr(0, name.find('.')));
    }
    return {names.begin(), names.end()};
  }

  Status apply_key(const PolicyKey& key, const YAML::Node& n, Policy& p, json& set, bool top_level) {
    // Whether the workspace's manifest is read is decided once per run, not per file.
    if (key.top_level_only && !top_level) {
      return bad(n, key.name, "applies to the whole workspace; set it at the top level, not in `files`");
    }
    OUTCHECK_ASSIGN_OR_RETURN(auto value, read(key, n));
    key.set(p, value);
    set[policy_key_pointer(key.name)] = value;
    return Status::OK();
  }

  // The YAML value as the key's kind, checked.
  Result<json> read(const PolicyKey& key, const YAML::Node& n) {
    const std::string name = key.name;
    switch (key.kind) {
      case PolicyValueKind::whole_number: {
        std::int64_t v = 0;
        OUTCHECK_TRY(integer(n, name, key.min, v));
        return json(v);
      }
      case PolicyValueKind::boolean: {
        bool v = false;
        OUTCHECK_TRY(boolean(n, name, v));
        return json(v);
      }
      case PolicyValueKind::pattern:
        OUTCHECK_TRY(regex(n, name));
        return json(n.Scalar());
      case PolicyValueKind::patterns:
      case PolicyValueKind::strings:
      case PolicyValueKind::extensions: {
        std::vector<std::string> v;
        OUTCHECK_TRY(strings(n, name, v, key.kind == PolicyValueKind::patterns));
        if (key.kind == PolicyValueKind::extensions) {
          for (const auto& t : v) {
            if (t.size() < 2 || t[0] != '.') return bad(n, name, "each type is an extension with its dot, like \".csv\"");
          }
        }
        return json(v);
      }
      case PolicyValueKind::bases: {
        if (!n.IsSequence()) return bad(n, name, "must be a list of whole numbers, not " + node_kind(n));
        std::vector<std::int64_t> values;
        for (const auto& item : n) {
          std::int64_t v = 0;
          OUTCHECK_TRY(integer(item, name, 2, v));
          values.push_back(v);
        }
        return json(values);
      }
      case PolicyValueKind::choice: {
        for (const char* c : key.choices) {
          if (n.IsScalar() && n.Scalar() == c) return json(n.Scalar());
        }
        std::string options;
        for (std::size_t i = 0; i < key.choices.size(); ++i) {
          options += (i == 0 ? "" : i + 1 == key.choices.size() ? " or " : ", ") + std::string(key.choices[i]);
        }
        return bad(n, name, "must be " + options);
      }
    }
    return bad(n, name, "has no reader");
  }

  Error bad(const YAML::Node& n, const std::string& key, const std::string& what) { return bad_at(n, key, what); }

  Status integer(const YAML::Node& n, const std::string& key, std::int64_t min, std::int64_t& out) {
    std::int64_t v = 0;
    std::string s = n.IsScalar() ? n.Scalar() : "";
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
      return bad(n, key, "must be a whole number, not " + (n.IsScalar() ? "'" + s + "'" : node_kind(n)));
    }
    if (v < min) return bad(n, key, "must be at least " + std::to_string(min));
    out = v;
    return Status::OK();
  }

  Status boolean(const YAML::Node& n, const std::string& key, bool& out) {
    std::string s = n.IsScalar() ? n.Scalar() : "";
    if (s == "true" || s == "True" || s == "TRUE") out = true;
    else if (s == "false" || s == "False" || s == "FALSE") out = false;
    else return bad(n, key, "must be true or false");
    return Status::OK();
  }

  Status regex(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) return bad(n, key, "must be a string (an RE2 pattern), not " + node_kind(n));
    RE2::Options o;
    o.set_log_errors(false);
    RE2 re(n.Scalar(), o);
    if (!re.ok()) return bad(n, key, "invalid RE2 pattern '" + n.Scalar() + "': " + re.error());
    return Status::OK();
  }

  Status strings(const YAML::Node& n, const std::string& key, std::vector<std::string>& out, bool are_regexes) {
    if (!n.IsSequence()) return bad(n, key, "must be a list of strings, not " + node_kind(n));
    std::vector<std::string> values;
    for (const auto& item : n) {
      if (!item.IsScalar() && !item.IsNull()) return bad(item, key, "each entry must be a string, not " + node_kind(item));
      if (are_regexes) OUTCHECK_TRY(regex(item, key));
      values.push_back(item.IsNull() ? "" : item.Scalar());
    }
    out = std::move(values);
    return Status::OK();
  }

  const YamlDoc& doc_;
};

}  // namespace

namespace {

Result<PolicySet> parse_policy_doc(const YamlDoc* doc) {
  const std::string& path = doc->path;
  const YAML::Node& root = doc->root;
  if (!root.IsMap()) {
    return invalid_input(path + ": a policy file must be a mapping of policy keys (policy.md), not " + node_kind(root));
  }
  std::string base_name = "opensafely";
  if (YAML::Node e = root["extends"]) {
    if (!e.IsScalar() || !rules::preset_policy(e.Scalar())) {
      return invalid_input(located(*doc, e.Mark(), "extends: must name a preset (" + preset_list() + ")"));
    }
    base_name = e.Scalar();
  }
  Policy base = *rules::preset_policy(base_name);
  base.name = path;
  Applier applier(*doc);
  json top_keys = json::object();
  OUTCHECK_TRY(applier.apply(root, base, top_keys, true));

  PolicySet set;
  std::vector<PolicyOverride> overrides;
  if (YAML::Node files = root["files"]) {
    if (!files.IsSequence()) return applier.bad_at(files, "files", "must be a list of {glob: pattern, ...} entries");
    for (const auto& entry : files) {
      YAML::Node glob = entry.IsMap() ? entry["glob"] : YAML::Node();
      if (!glob || !glob.IsScalar()) {
        return applier.bad_at(entry, "files", "each entry needs a `glob` naming the files it applies to");
      }
      if (auto problem = glob_pattern_problem(glob.Scalar(), true)) {
        return applier.bad_at(glob, "files.glob", *problem);
      }
      Policy p = base;
      json keys = json::object();
      OUTCHECK_TRY(applier.apply(entry, p, keys, false));
      OUTCHECK_ASSIGN_OR_RETURN(auto compiled, rules::CompiledPolicy::compile(std::move(p)));
      overrides.push_back({glob.Scalar(), compiled, keys});
    }
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto compiled, rules::CompiledPolicy::compile(std::move(base)));
  set.base = compiled;
  set.overrides = std::move(overrides);
  return set;
}

}  // namespace

Result<PolicySet> parse_policy_file(const std::string& path, std::string text) {
  OUTCHECK_ASSIGN_OR_RETURN(auto doc, load_yaml_text(path, std::move(text)));
  return parse_policy_doc(&doc);
}

Result<PolicySet> load_policy(const std::string& name_or_file, const std::filesystem::path& cwd) {
  if (auto preset = rules::preset_policy(name_or_file)) {
    OUTCHECK_ASSIGN_OR_RETURN(auto compiled, rules::CompiledPolicy::compile(std::move(*preset)));
    PolicySet set;
    set.base = compiled;
    return set;
  }
  std::filesystem::path p(name_or_file);
  if (p.is_relative()) p = cwd / p;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) {
    return not_found(name_or_file + ": not a policy preset (" + preset_list() + ") nor a policy file");
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto doc, load_yaml_file(p.string()));
  return parse_policy_doc(&doc);
}

}  // namespace outcheck::checker
