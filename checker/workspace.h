#pragma once
// A workspace: the folder holding project.yaml, its loaded project, and how each path in it is
// classified by the output patterns.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "checker/project.h"

namespace outcheck::checker {

struct Workspace {
  std::filesystem::path root;  // canonical (symbolic links resolved)
  Project project;
  // `check --no-project`: `root` is the folder checked from and `project` is empty; every file in it
  // is an unclassified output, judged as a moderately sensitive one, and no manifest is read.
  bool no_project = false;
};

// The nearest ancestor of `start` (itself included) that holds a project.yaml.
Result<std::filesystem::path> find_workspace_root(const std::filesystem::path& start);

// Loads `dir`/project.yaml. `dir` must exist.
Result<Workspace> open_workspace(const std::filesystem::path& dir);

// `check --no-project`: `dir` (canonical) as the folder files must lie in; no project.yaml is read or
// looked for.
Result<Workspace> folder_without_project(const std::filesystem::path& dir);

// "the workspace", or "the folder checked" without a project: for messages.
const char* workspace_word(const Workspace& ws);

struct Classification {
  Privacy privacy = Privacy::undeclared;
  const OutputPattern* pattern = nullptr;  // the pattern that decided, null when undeclared
};

// The privacy level of a workspace-relative path: the most protective of the patterns it matches.
Classification classify(const Project& project, std::string_view relpath);

// `path` relative to `root` with forward slashes, when `path` (absolute, normalised) lies inside it.
std::optional<std::string> relative_inside(const std::filesystem::path& root, const std::filesystem::path& path);

}  // namespace outcheck::checker
