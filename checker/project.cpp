#include "checker/project.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <re2/re2.h>

#include "checker/shell_split.h"
#include "checker/yaml_doc.h"

namespace outcheck::checker {

namespace {

const char* const kLevels[] = {"highly_sensitive", "moderately_sensitive", "minimally_sensitive"};
const std::set<std::string> kLevel4Types = {".csv", ".jpg", ".jpeg", ".png", ".svg", ".svgz",
                                            ".html", ".txt", ".log", ".json", ".md"};

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Python's float() on a YAML scalar, for the finite values a version can take.
std::optional<double> parse_float(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  std::string s = trim(node.Scalar());
  if (s.empty()) return std::nullopt;
  double v = 0;
  const char* b = s.data();
  if (*b == '+') ++b;
  auto [ptr, ec] = std::from_chars(b, s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Python's repr of a float: 3.0 -> "3.0", 3.5 -> "3.5".
std::string float_repr(double v) {
  std::ostringstream out;
  out.precision(15);
  out << v;
  std::string s = out.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

// str(pathlib.PurePosixPath(p)): empty and `.` components dropped, one leading slash kept (two
// when there are exactly two), "." for nothing.
std::string pathlib_str(std::string_view p) {
  std::string out;
  if (!p.empty() && p.front() == '/') out = (p.size() >= 2 && p[1] == '/' && (p.size() == 2 || p[2] != '/')) ? "//" : "/";
  std::size_t root = out.size();
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view comp = p.substr(i, j - i);
    if (!comp.empty() && comp != ".") {
      if (out.size() > root) out += '/';
      out += comp;
    }
    i = j + 1;
  }
  return out.empty() ? "." : out;
}

struct Action {
  std::string name;
  YAML::Node key;   // for its mark
  YAML::Node body;
  std::vector<std::string> run;  // shlex tokens
  std::string run_text;
  std::vector<std::pair<std::string, YAML::Node>> needs;
};

class Validator {
 public:
  explicit Validator(YamlDoc doc) : doc_(std::move(doc)) {}

  Result<Project> run() {
    project_.path = doc_.path;
    const YAML::Node& root = doc_.root;
    if (!root.IsMap()) {
      std::string what = root.IsNull() || !root.IsDefined() ? "is empty" : "is " + node_kind(root);
      // An empty document has no mark: point at its start.
      YAML::Mark at = root.Mark().is_null() ? YAML::Mark() : root.Mark();
      return invalid_input(located(doc_, at, "the document " + what +
                                                 "; a project.yaml must be a mapping with `version` and `actions`"));
    }
    OUTCHECK_TRY(check_top_level(root));
    OUTCHECK_TRY(check_actions(root));
    OUTCHECK_TRY(check_project_rules());
    OUTCHECK_TRY(check_expectations(root));
    return std::move(project_);
  }

 private:
  // The pipeline's words, with its lead ("Invalid project: FILE" then the message; our prefix names
  // the file and the place).
  Error fail(const YAML::Node& at, const std::string& message) {
    return invalid_input(located(doc_, at.Mark(), "Invalid project: " + message));
  }
  void warn(const YAML::Node& at, const std::string& message) {
    project_.warnings.push_back(located(doc_, at.Mark(), message));
  }
  bool version_at_least(double v) const { return project_.version >= v; }

  Status check_top_level(const YAML::Node& root) {
    std::vector<std::string> unknown;
    YAML::Node first_unknown;
    for (const auto& kv : root) {
      std::string key = kv.first.Scalar();
      if (key != "version" && key != "actions" && key != "expectations") {
        if (unknown.empty()) first_unknown = kv.first;
        unknown.push_back(key);
      }
    }
    if (!unknown.empty()) return fail(first_unknown, "Unexpected parameters (" + join(unknown) + ") in project");
    YAML::Node version = root["version"];
    if (!version || version.IsNull()) {  // Python's None, as a missing key
      return fail(root, "Project file must have a `version` attribute specifying which version of the project "
                        "configuration format it uses (current latest version is 5)");
    }
    auto v = parse_float(version);
    if (!v || *v < 1) return fail(version, "`version` must be a number between 1 and 5");
    project_.version = *v;
    if (*v > kLatestProjectVersion) {
      return fail(version, "The latest version is v5, but got v" + float_repr(*v));
    }
    if (*v < kLatestProjectVersion) {
      warn(version, "Your project file is using an old version (" + float_repr(*v) +
                        "); consider updating to version 5");
    }
    return Status::OK();
  }

  Status check_actions(const YAML::Node& root) {
    YAML::Node actions = root["actions"];
    if (!actions || !actions.IsMap()) {
      return fail(actions ? actions : root, "Project `actions` section must be a dictionary of key/value pairs");
    }
    for (const auto& kv : actions) {
      Action a{kv.first.Scalar(), kv.first, kv.second, {}, {}, {}};
      OUTCHECK_TRY(check_action(a));
      actions_.push_back(std::move(a));
    }
    return Status::OK();
  }

  Status check_action(Action& a) {
    const std::string& name = a.name;
    if (name == "run_all") {
      std::string msg = "`run_all` is a reserved action name and is not allowed for user-defined actions.";
      if (version_at_least(5)) return fail(a.key, msg);
      warn(a.key, msg);
    }
    const YAML::Node& body = a.body;
    if (!body.IsMap()) return fail(a.key, "Configuration for action " + name + " must be a dictionary of key/value pairs");
    for (const char* required : {"run", "outputs"}) {
      if (!body[required]) {
        return fail(a.key, "Action " + name + " must contain a configuration for '" + required + "'");
      }
    }
    std::vector<std::string> unknown;
    YAML::Node first_unknown;
    for (const auto& kv : body) {
      std::string key = kv.first.Scalar();
      if (key != "run" && key != "outputs" && key != "needs" && key != "config" && key != "dummy_data_file") {
        if (unknown.empty()) first_unknown = kv.first;
        unknown.push_back(key);
      }
    }
    if (!unknown.empty()) return fail(first_unknown, "Unexpected parameters (" + join(unknown) + ") in action " + name);

    YAML::Node run = body["run"];
    if (!run.IsScalar() && !run.IsNull()) return fail(run, "`run` section for action " + name + " must be a string");
    YAML::Node needs = body["needs"];
    if (needs && !needs.IsNull() && !needs.IsSequence()) {
      return fail(needs, "`needs` section for action " + name + " must be a list");
    }
    if (needs && needs.IsSequence()) {
      for (const auto& n : needs) {
        if (!n.IsScalar()) return fail(n, "`needs` section for action " + name + " must be a list of action names");
        a.needs.emplace_back(n.Scalar(), n);
      }
    }
    YAML::Node config = body["config"];
    if (config && !config.IsNull() && !config.IsMap()) {
      return fail(config, "`config` section for action " + name + " must be a dictionary of key/value pairs");
    }
    YAML::Node dummy = body["dummy_data_file"];
    if (dummy && !dummy.IsScalar()) {
      return fail(dummy, "`dummy_data_file` section for action " + name + " must be a string");
    }
    OUTCHECK_TRY(check_outputs(a));

    a.run_text = run.IsScalar() ? run.Scalar() : "";
    auto tokens = shell_split(a.run_text);
    if (!tokens) return fail(run, "`run` section for action " + name + " cannot be split into words: " + tokens.error().message);
    a.run = std::move(*tokens);
    if (a.run.empty()) return fail(run.IsNull() ? a.key : run, "run must have a value, " + name + " has an empty run key");
    OUTCHECK_TRY(check_image(a, run));
    for (const auto& [need, node] : a.needs) {
      if (need.find(' ') != std::string::npos) {
        return fail(node, "`needs` actions should be separated with commas, but " + name + " needs `" + need + "`");
      }
    }
    OUTCHECK_TRY(check_cohort_rules(a));
    OUTCHECK_TRY(check_dataset_rules(a, run));
    return Status::OK();
  }

  Status check_image(const Action& a, const YAML::Node& run) {
    const std::string& first = a.run[0];
    auto colon = first.find(':');
    std::string image = first.substr(0, colon);
    static const RE2 kTag("^((v[\\d.]+(-pre)?)|dev|latest)$");
    if (colon == std::string::npos || !RE2::FullMatch(first.substr(colon + 1), kTag)) {
      return fail(run, "Action command " + image + " must have a version specified in the form :vN (e.g. " +
                           image + ":v2)");
    }
    return Status::OK();
  }

  Status check_outputs(const Action& a) {
    const std::string& name = a.name;
    YAML::Node outputs = a.body["outputs"];
    if (!outputs.IsMap()) {
      return fail(outputs, "`outputs` section for action " + name + " must be a dictionary of key/value pairs");
    }
    bool any_level = false;
    std::vector<std::string> unknown;
    YAML::Node first_unknown;
    for (const auto& kv : outputs) {
      if (privacy_from_name(kv.first.Scalar())) {
        any_level = true;
      } else {
        if (unknown.empty()) first_unknown = kv.first;
        unknown.push_back(kv.first.Scalar());
      }
    }
    if (!any_level) {
      return fail(outputs, "must specify at least one output of: highly_sensitive, moderately_sensitive, "
                           "minimally_sensitive");
    }
    if (!unknown.empty()) {
      return fail(first_unknown, "Unexpected parameters (" + join(unknown) + ") in `outputs` section for action " + name);
    }
    for (const char* level_name : kLevels) {
      YAML::Node level = outputs[level_name];
      if (!level) continue;
      if (!level.IsMap()) {
        return fail(level, std::string("`") + level_name + "` section for action " + name +
                               " must be a dictionary of key/value pairs");
      }
      for (const auto& kv : level) {
        std::string output_name = kv.first.Scalar();
        if (!kv.second.IsScalar()) {
          return fail(kv.second, "`" + output_name + "` output for action " + name + " must be a string");
        }
        std::string pattern = kv.second.Scalar();
        OUTCHECK_TRY(check_pattern(pattern, *privacy_from_name(level_name), kv.second));
        project_.outputs.push_back({name, output_name, pattern, *privacy_from_name(level_name)});
      }
    }
    return Status::OK();
  }

  Status check_pattern(const std::string& pattern, Privacy privacy, const YAML::Node& at) {
    auto invalid = [&](const std::string& reason) {
      return fail(at, "Output path " + pattern + " is invalid: " + reason);
    };
    // The pipeline's check order: characters, extension, level-4 type, then form. Before v4 a
    // pattern without a fixed extension is a warning (projects like the seed predate that rule);
    // every file it matches is still type-checked by `check`.
    if (auto p = glob_pattern_problem(pattern, /*skip_type_rules=*/true);
        p && p->rfind("contains", 0) == 0) {
      return invalid(*p);
    }
    // The pipeline takes the suffix from pathlib.Path(pattern), which drops empty and `.`
    // components (so "output/a.csv/" has suffix ".csv"), and names the path as pathlib prints it.
    std::string as_pathlib = pathlib_str(pattern);
    std::string suffix = path_suffix(as_pathlib);
    bool no_fixed_type = suffix.empty() || suffix.back() == '*';
    if (no_fixed_type) {
      std::string reason = "output paths must have a file type extension at the end";
      if (version_at_least(4)) return invalid(reason);
      warn(at, "Output path " + pattern + " is invalid: " + reason +
                   " (accepted in version " + float_repr(project_.version) +
                   " projects; every file it matches is checked for its type)");
    } else if (privacy == Privacy::moderately_sensitive && !kLevel4Types.count(suffix)) {
      return invalid(as_pathlib + " is not an allowed file type for moderately_sensitive outputs");
    }
    if (auto p = glob_pattern_problem(pattern, /*skip_type_rules=*/true)) return invalid(*p);
    return Status::OK();
  }

  static std::string image_name(const Action& a) { return a.run[0].substr(0, a.run[0].find(':')); }

  Status check_cohort_rules(const Action& a) {
    if (image_name(a) != "cohortextractor" || a.run.size() < 2 || a.run[1] != "generate_cohort") {
      return Status::OK();
    }
    YAML::Node outputs = a.body["outputs"];
    if (outputs.size() != 1) {
      return fail(outputs, "A `generate_cohort` action must have exactly one output; " + a.name + " had " +
                               std::to_string(outputs.size()));
    }
    bool has_output_dir = false;
    for (const auto& t : a.run) has_output_dir |= t == "--output-dir" || t.rfind("--output-dir=", 0) == 0;
    if (has_output_dir) return Status::OK();
    std::set<std::string> dirs;
    for (const auto& level : outputs) {
      for (const auto& kv : level.second) {
        std::string p = kv.second.Scalar();
        auto slash = p.rfind('/');
        dirs.insert(slash == std::string::npos ? "" : p.substr(0, slash));
      }
    }
    if (dirs.size() > 1) {
      std::string msg = "generate_cohort command should produce output in only one directory, found " +
                        std::to_string(dirs.size()) + ":";
      for (const auto& d : dirs) msg += "\n - " + d + "/";
      return fail(outputs, msg);
    }
    return Status::OK();
  }

  Status check_dataset_rules(const Action& a, const YAML::Node& run) {
    static const RE2 kDataset("(ehrql|databuilder):\\S+ generate[-_]dataset");
    if (!RE2::PartialMatch(join(a.run, " "), kDataset)) return Status::OK();
    YAML::Node outputs = a.body["outputs"];
    if (outputs["moderately_sensitive"] || outputs["minimally_sensitive"]) {
      return fail(outputs, "`" + a.name + "` action uses `generate-dataset` and so all outputs must be labelled "
                           "`highly_sensitive`");
    }
    std::string output;
    for (std::size_t i = 0; i < a.run.size(); ++i) {
      if (a.run[i] == "--output" && i + 1 < a.run.size()) output = a.run[i + 1];
      else if (a.run[i].rfind("--output=", 0) == 0) output = a.run[i].substr(9);
    }
    if (output.empty()) {
      return fail(run, "`" + a.name + "` action does not provide an `--output` argument specifying where the "
                       "results of `generate-dataset` should be stored");
    }
    // As the pipeline reads the spec (ehrQL's split_directory_and_extension over the path as
    // pathlib prints it): `DIR:ext`, or `DIR/:ext`, names a folder of .ext files, and every
    // highly_sensitive pattern, read as a name, must fnmatch `DIR/*.ext`; anything else names one
    // file, which must be one of the patterns exactly.
    const std::string spec = pathlib_str(output);
    const std::size_t slash = spec.rfind('/');
    const std::string dir_part = slash == std::string::npos ? "" : spec.substr(0, slash);
    const std::string last = slash == std::string::npos ? spec : spec.substr(slash + 1);
    const std::size_t colon = last.rfind(':');
    std::vector<std::string> patterns;
    for (const auto& kv : outputs["highly_sensitive"]) patterns.push_back(kv.second.Scalar());
    bool ok = false;
    std::string expected = output;
    if (colon != std::string::npos) {
      const std::string ext = last.substr(colon + 1);
      std::string directory = last.substr(0, colon).empty()
                                  ? (dir_part.empty() ? (spec.front() == '/' ? "/" : ".") : dir_part)
                                  : (dir_part.empty() ? "" : dir_part + "/") + last.substr(0, colon);
      if (directory.empty()) directory = ".";
      const std::string glob = directory + "/*." + ext;
      ok = std::all_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return fnmatch(p, glob); });
      expected = directory + "/:" + ext;
    } else {
      ok = std::find(patterns.begin(), patterns.end(), output) != patterns.end();
    }
    if (!ok) {
      std::string got;
      for (std::size_t i = 0; i < patterns.size(); ++i) got += (i ? "                   \n" : "") + patterns[i];
      YAML::Node at = outputs["highly_sensitive"] ? outputs["highly_sensitive"] : outputs;
      return fail(at, "output specification must match the `--output` argument in the `run` command\n"
                      "              got: " + got + "\nbut was expecting: " + expected);
    }
    return Status::OK();
  }

  // Python's fnmatch.fnmatch on POSIX for the patterns a project may hold (`?` and `[` are refused
  // earlier): `*` matches any run of characters, `/` included.
  static bool fnmatch(std::string_view name, std::string_view glob) { return match_component(glob, name); }

  Status check_project_rules() {
    if (version_at_least(4)) {
      for (const auto& a : actions_) {
        if (image_name(a).rfind("cohortextractor", 0) == 0) {
          return fail(a.key, "Action " + a.name + " uses cohortextractor actions, which are not supported in this version.");
        }
      }
    }
    if (version_at_least(5)) {
      for (const auto& a : actions_) {
        if (a.run[0].size() > 7 && a.run[0].substr(a.run[0].size() - 7) == ":latest") {
          return fail(a.key, "Action " + a.name + " uses `" + a.run[0] +
                                 "`, which is not supported. Provide a version e.g. `:v2` instead");
        }
      }
    }
    std::map<std::string, std::string> seen_runs;
    for (const auto& a : actions_) {
      // The pipeline compares the raw `run` strings, not their words.
      auto [it, inserted] = seen_runs.emplace(a.run_text, a.name);
      if (!inserted) {
        return fail(a.key, "Action " + a.name + " has the same 'run' command as other actions: " + it->second);
      }
    }
    if (version_at_least(2)) {
      std::set<std::string> patterns;
      for (const auto& a : actions_) {
        for (const auto& level : a.body["outputs"]) {
          for (const auto& kv : level.second) {
            if (!patterns.insert(kv.second.Scalar()).second) {
              return fail(kv.second, "Output path " + kv.second.Scalar() + " is not unique");
            }
          }
        }
      }
    }
    std::set<std::string> names;
    for (const auto& a : actions_) names.insert(a.name);
    for (const auto& a : actions_) {
      for (const auto& [need, node] : a.needs) {
        if (!names.count(need)) {
          return fail(node, "Action `" + a.name + "` references an unknown action in its `needs` list: " + need);
        }
      }
    }
    return Status::OK();
  }

  Status check_expectations(const YAML::Node& root) {
    YAML::Node e = root["expectations"];
    if (version_at_least(4)) {
      if (e) {
        return fail(e, "Project includes `expectations` section, which is not supported in this version. This "
                       "section is only applicable to deprecated cohortextractor actions; you can safely remove it.");
      }
      return Status::OK();
    }
    // Versions 1 and 2: whatever the section holds is replaced by the default (population_size 1000).
    if (!version_at_least(3)) return Status::OK();
    if (!e) return fail(root, "Project must include `expectations` section");
    if (!e.IsMap()) return fail(e, "Project `expectations` section must be a dictionary of key/value pairs");
    if (!e["population_size"]) {
      return fail(e, "Project `expectations` section must include `population_size` section");
    }
    std::vector<std::string> unknown;
    for (const auto& kv : e) {
      if (kv.first.Scalar() != "population_size") unknown.push_back(kv.first.Scalar());
    }
    if (!unknown.empty()) return fail(e, "Unexpected parameters (" + join(unknown) + ") in project `expectations` section");
    YAML::Node size = e["population_size"];
    if (!python_int_accepts(size)) return fail(size, "Project expectations population size must be a number");
    return Status::OK();
  }

  // Whether Python's int() takes the value YAML gives: an integer, a float (truncated), a boolean, or
  // a string of decimal digits (spaces around allowed); not null, a list or a mapping.
  static bool python_int_accepts(const YAML::Node& node) {
    if (!node.IsScalar()) return false;
    const std::string s = trim(node.Scalar());
    const bool plain = node.Tag() != "!";
    if (plain) {
      if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return false;
      if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") return true;
      if (parse_float(node)) return true;  // ints and floats alike
    }
    std::string digits = s;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.erase(0, 1);
    if (digits.empty()) return false;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      const bool digit = std::isdigit(static_cast<unsigned char>(digits[i])) != 0;
      // Python allows single underscores between digits ("1_000").
      const bool underscore = digits[i] == '_' && i > 0 && i + 1 < digits.size() &&
                              std::isdigit(static_cast<unsigned char>(digits[i - 1])) &&
                              std::isdigit(static_cast<unsigned char>(digits[i + 1]));
      if (!digit && !underscore) return false;
    }
    return true;
  }

  YamlDoc doc_;
  Project project_;
  std::vector<Action> actions_;
};

}  // namespace

Result<Project> parse_project(const std::string& path, std::string text) {
  OUTCHECK_ASSIGN_OR_RETURN(auto doc, load_yaml_text(path, std::move(text)));
  return Validator(std::move(doc)).run();
}

Result<Project> load_project(const std::string& path) {
  OUTCHECK_ASSIGN_OR_RETURN(auto doc, load_yaml_file(path));
  return Validator(std::move(doc)).run();
}

}  // namespace outcheck::checker
