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
};

// The nearest ancestor of `start` (itself included) that holds a project.yaml.
Result<std::filesystem::path> find_workspace_root(const std::filesystem::path& start);

// Loads `dir`/project.yaml. `dir` must exist.
Result<Workspace> open_workspace(const std::filesystem::path& dir);

struct Classification {
  Privacy privacy = Privacy::undeclared;
  const OutputPattern* pattern = nullptr;  // the pattern that decided, null when undeclared
};

// The privacy level of a workspace-relative path: the most protective of the patterns it matches.
Classification classify(const Project& project, std::string_view relpath);

// `path` relative to `root` with forward slashes, when `path` (absolute, normalised) lies inside it.
std::optional<std::string> relative_inside(const std::filesystem::path& root, const std::filesystem::path& path);

}  // namespace outcheck::checker
