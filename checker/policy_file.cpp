#include "checker/policy_file.h"

#include <charconv>
#include <functional>
#include <map>

#include <re2/re2.h>

#include "checker/output_pattern.h"
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
// records what it set in `set` (keyed as in policy.md) for reports.
class Applier {
 public:
  explicit Applier(const YamlDoc& doc) : doc_(doc) {}

  Status apply(const YAML::Node& map, Policy& p, json& set, bool top_level) {
    using Setter = std::function<Status(const YAML::Node&, const std::string&)>;
    std::map<std::string, Setter> keys = {
        {"small_count", [&](const YAML::Node& n, const std::string& k) -> Status {
           return sub(n, k, {{"threshold", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                return integer(v, kk, 0, p.small_count_threshold, set["small_count"]["threshold"]); }},
                             {"zeros_disclosive", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                return boolean(v, kk, p.zeros_disclosive, set["small_count"]["zeros_disclosive"]); }}});
         }},
        {"rounding", [&](const YAML::Node& n, const std::string& k) -> Status {
           return sub(n, k, {{"base", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                return integer(v, kk, 1, p.rounding_base, set["rounding"]["base"]); }},
                             {"accept", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                return bases(v, kk, p.rounding_accept, set["rounding"]["accept"]); }}});
         }},
        {"midpoint6", [&](const YAML::Node& n, const std::string& k) -> Status {
           return sub(n, k, {{"columns", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                OUTCHECK_TRY(regex(v, kk));
                                p.midpoint6_columns = v.Scalar();
                                set["midpoint6"]["columns"] = p.midpoint6_columns;
                                return Status::OK(); }}});
         }},
        {"limits", [&](const YAML::Node& n, const std::string& k) -> Status {
           return sub(n, k, {{"max_file_bytes", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                return integer(v, kk, 1, p.max_file_bytes, set["limits"]["max_file_bytes"]); }},
                             {"max_csv_rows", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                return integer(v, kk, 0, p.max_csv_rows, set["limits"]["max_csv_rows"]); }},
                             {"release_types", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                std::vector<std::string> types;
                                OUTCHECK_TRY(strings(v, kk, types, false));
                                for (const auto& t : types) {
                                  if (t.size() < 2 || t[0] != '.') return bad(v, kk, "each type is an extension with its dot, like \".csv\"");
                                }
                                p.release_types = std::move(types);
                                set["limits"]["release_types"] = p.release_types;
                                return Status::OK(); }}});
         }},
        {"redaction_markers", [&](const YAML::Node& n, const std::string& k) -> Status {
           OUTCHECK_TRY(strings(n, k, p.redaction_markers, false));
           set["redaction_markers"] = p.redaction_markers;
           return Status::OK();
         }},
        {"columns", [&](const YAML::Node& n, const std::string& k) -> Status {
           auto list = [&](std::vector<std::string>& target, const char* name) {
             return [&, name](const YAML::Node& v, const std::string& kk) -> Status {
               OUTCHECK_TRY(strings(v, kk, target, true));
               set["columns"][name] = target;
               return Status::OK();
             };
           };
           return sub(n, k, {{"patient_identifier", list(p.patient_identifier_columns, "patient_identifier")},
                             {"identifier", list(p.identifier_columns, "identifier")},
                             {"dimension", list(p.dimension_columns, "dimension")},
                             {"count", list(p.count_columns, "count")},
                             {"rate", list(p.rate_columns, "rate")},
                             {"measure", list(p.measure_columns, "measure")},
                             {"unsafe_statistic", list(p.unsafe_statistic_columns, "unsafe_statistic")}});
         }},
        {"totals", [&](const YAML::Node& n, const std::string& k) -> Status {
           OUTCHECK_TRY(strings(n, k, p.totals, true));
           set["totals"] = p.totals;
           return Status::OK();
         }},
        {"identifier_values", [&](const YAML::Node& n, const std::string& k) -> Status {
           return sub(n, k, {{"nhs_number", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                return boolean(v, kk, p.nhs_number_values, set["identifier_values"]["nhs_number"]); }},
                             {"patterns", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                OUTCHECK_TRY(strings(v, kk, p.identifier_value_patterns, true));
                                set["identifier_values"]["patterns"] = p.identifier_value_patterns;
                                return Status::OK(); }}});
         }},
        {"outcomes", [&](const YAML::Node& n, const std::string& k) -> Status {
           return sub(n, k, {{"unsafe_statistic", [&](const YAML::Node& v, const std::string& kk) -> Status {
                                if (!v.IsScalar() || (v.Scalar() != "fail" && v.Scalar() != "review")) {
                                  return bad(v, kk, "must be fail or review");
                                }
                                p.unsafe_statistic_outcome = v.Scalar() == "fail" ? rules::Outcome::fail : rules::Outcome::review;
                                set["outcomes"]["unsafe_statistic"] = v.Scalar();
                                return Status::OK(); }}});
         }},
        {"organisation_identifier", [&](const YAML::Node& n, const std::string& k) -> Status {
           if (!n.IsScalar() || (n.Scalar() != "fail" && n.Scalar() != "review" && n.Scalar() != "off")) {
             return bad(n, k, "must be fail, review or off");
           }
           if (n.Scalar() == "off") p.organisation_identifier = std::nullopt;
           else p.organisation_identifier = n.Scalar() == "fail" ? rules::Outcome::fail : rules::Outcome::review;
           set["organisation_identifier"] = n.Scalar();
           return Status::OK();
         }},
        {"provenance", [&](const YAML::Node& n, const std::string& k) -> Status {
           // Whether the workspace's manifest is read is decided once per run, not per file.
           if (!top_level) return bad(n, k, "applies to the whole workspace; set it at the top level, not in `files`");
           auto setting = n.IsScalar() ? rules::provenance_from_name(n.Scalar()) : std::nullopt;
           if (!setting) return bad(n, k, "must be if_present, required or off");
           p.provenance = *setting;
           set["provenance"] = n.Scalar();
           return Status::OK();
         }},
    };
    if (!map.IsMap()) return bad(map, top_level ? "policy" : "files entry", "must be a mapping of policy keys");
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (top_level && (key == "extends" || key == "files")) continue;
      if (!top_level && key == "glob") continue;
      auto it = keys.find(key);
      if (it == keys.end()) {
        std::string known;
        for (const auto& [k, _] : keys) known += (known.empty() ? "" : ", ") + k;
        if (top_level) known = "extends, files, " + known;
        else known = "glob, " + known;
        return invalid_input(located(doc_, kv.first.Mark(), "unknown key '" + key + "' (known keys: " + known + ")"));
      }
      OUTCHECK_TRY(it->second(kv.second, key));
    }
    return Status::OK();
  }

  Error bad_at(const YAML::Node& n, const std::string& key, const std::string& what) {
    return invalid_input(located(doc_, n.Mark(), key + ": " + what));
  }

 private:
  using Sub = std::map<std::string, std::function<Status(const YAML::Node&, const std::string&)>>;

  Status bad(const YAML::Node& n, const std::string& key, const std::string& what) { return bad_at(n, key, what); }

  Status sub(const YAML::Node& n, const std::string& key, const Sub& fields) {
    if (!n.IsMap()) return bad(n, key, "must be a mapping, not " + node_kind(n));
    for (const auto& kv : n) {
      std::string k = kv.first.Scalar();
      auto it = fields.find(k);
      if (it == fields.end()) {
        std::string known;
        for (const auto& [f, _] : fields) known += (known.empty() ? "" : ", ") + f;
        return invalid_input(located(doc_, kv.first.Mark(), "unknown key '" + key + "." + k + "' (known: " + known + ")"));
      }
      OUTCHECK_TRY(it->second(kv.second, key + "." + k));
    }
    return Status::OK();
  }

  Status integer(const YAML::Node& n, const std::string& key, std::int64_t min, std::int64_t& out, json& rec) {
    std::int64_t v = 0;
    std::string s = n.IsScalar() ? n.Scalar() : "";
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
      return bad(n, key, "must be a whole number, not " + (n.IsScalar() ? "'" + s + "'" : node_kind(n)));
    }
    if (v < min) return bad(n, key, "must be at least " + std::to_string(min));
    out = v;
    rec = v;
    return Status::OK();
  }

  // A list of rounding bases, each a whole number of at least 2.
  Status bases(const YAML::Node& n, const std::string& key, std::vector<std::int64_t>& out, json& rec) {
    if (!n.IsSequence()) return bad(n, key, "must be a list of whole numbers, not " + node_kind(n));
    std::vector<std::int64_t> values;
    for (const auto& item : n) {
      std::int64_t v = 0;
      json ignored;
      OUTCHECK_TRY(integer(item, key, 2, v, ignored));
      values.push_back(v);
    }
    out = values;
    rec = values;
    return Status::OK();
  }

  Status boolean(const YAML::Node& n, const std::string& key, bool& out, json& rec) {
    std::string s = n.IsScalar() ? n.Scalar() : "";
    if (s == "true" || s == "True" || s == "TRUE") out = true;
    else if (s == "false" || s == "False" || s == "FALSE") out = false;
    else return bad(n, key, "must be true or false");
    rec = out;
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
      auto compiled = rules::CompiledPolicy::compile(std::move(p));
      if (!compiled) return compiled.error();
      overrides.push_back({glob.Scalar(), *compiled, keys});
    }
  }
  auto compiled = rules::CompiledPolicy::compile(std::move(base));
  if (!compiled) return compiled.error();
  set.base = *compiled;
  set.overrides = std::move(overrides);
  return set;
}

}  // namespace

Result<PolicySet> parse_policy_file(const std::string& path, std::string text) {
  auto doc = load_yaml_text(path, std::move(text));
  if (!doc) return doc.error();
  return parse_policy_doc(&*doc);
}

Result<PolicySet> load_policy(const std::string& name_or_file, const std::filesystem::path& cwd) {
  if (auto preset = rules::preset_policy(name_or_file)) {
    auto compiled = rules::CompiledPolicy::compile(std::move(*preset));
    if (!compiled) return compiled.error();
    PolicySet set;
    set.base = *compiled;
    return set;
  }
  std::filesystem::path p(name_or_file);
  if (p.is_relative()) p = cwd / p;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) {
    return not_found(name_or_file + ": not a policy preset (" + preset_list() + ") nor a policy file");
  }
  auto doc = load_yaml_file(p.string());
  if (!doc) return doc.error();
  return parse_policy_doc(&*doc);
}

}  // namespace outcheck::checker
