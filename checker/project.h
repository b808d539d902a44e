#pragma once
// A workspace's project.yaml: loaded and validated as the OpenSAFELY pipeline does (versions 1 to
// 5, its checks in its order, the first error stops), reduced to what classification needs.
#include <string>
#include <vector>

#include "base/result.h"
#include "checker/output_pattern.h"

namespace outcheck::checker {

inline constexpr int kLatestProjectVersion = 5;

struct OutputPattern {
  std::string action;
  std::string output_name;
  std::string pattern;
  Privacy privacy = Privacy::undeclared;
};

struct Project {
  std::string path;      // as given, for messages
  double version = 0;
  std::vector<OutputPattern> outputs;  // in document order
  std::vector<std::string> warnings;   // each `path:line:col: ...`
};

// Loads `path` (a project.yaml file). Errors are `path:line:col: message` with the source line.
Result<Project> load_project(const std::string& path);
Result<Project> parse_project(const std::string& path, std::string text);

}  // namespace outcheck::checker
