#pragma once
// Output patterns of project.yaml: the pipeline's validation rules and its matching semantics
// (`*` is the only wildcard and never crosses `/`, as pathlib's glob).
#include <optional>
#include <string>
#include <string_view>

namespace outcheck::checker {

// `unclassified`: `check --no-project`, where no project declares anything; each file is judged as a
// moderately sensitive output would be (never a pattern's level: privacy_from_name does not return it).
enum class Privacy { highly_sensitive, moderately_sensitive, minimally_sensitive, undeclared, unclassified };

const char* privacy_name(Privacy p);
std::optional<Privacy> privacy_from_name(std::string_view name);
// Higher protects more. Only moderately_sensitive may be released, so a pattern that blocks
// (highly, then minimally) wins over one that would let a file through.
int protection_rank(Privacy p);

// The reason a pattern is invalid, worded as the pipeline's validate_glob_pattern, or nullopt.
// `skip_type_rules`: check 3 (an extension is required) and check 4 (the level-4 types) are left
// to the caller, which words them per project version.
std::optional<std::string> glob_pattern_problem(std::string_view pattern, bool skip_type_rules);

// pathlib-style suffix of the last path component: ".csv" for "a/b.csv", "" for "a/b" or "a/.x".
std::string path_suffix(std::string_view path);

// True when `path` (workspace-relative, forward slashes) matches `pattern`.
bool glob_match(std::string_view pattern, std::string_view path);
// `s` against `pat` where `*` matches any run of characters, `/` included, and every other
// character itself: one path component, or (as Python's fnmatch on the pipeline's patterns) a whole
// path.
bool match_component(std::string_view pat, std::string_view s);

// The folder a pattern's matches live under: its components before the first one holding `*`
// ("output/x/counts_*.csv" -> "output/x", "*.csv" -> "").
std::string pattern_root(std::string_view pattern);

// posixpath.normpath.
std::string normpath(std::string_view path);

}  // namespace outcheck::checker
