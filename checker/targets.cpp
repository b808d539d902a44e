#include "checker/targets.h"

#include <algorithm>
#include <set>

namespace fs = std::filesystem;

namespace outcheck::checker {

namespace {

bool excluded_name(const std::string& name) { return !name.empty() && name[0] == '.'; }

bool never_enter(const fs::path& dir, const ScanOptions& options) {
  std::error_code ec;
  for (const auto& skip : options.never_enter) {
    if (fs::equivalent(dir, skip, ec)) return true;
  }
  return false;
}

Target make_target(const Workspace& ws, const fs::path& location) {
  Target t;
  t.location = location.lexically_normal();
  if (auto rel = relative_inside(ws.root, t.location)) {
    t.display = *rel;
    t.inside = true;
  } else {
    t.display = t.location.string();
  }
  return t;
}

// Adds every file under `dir` (links to folders are listed as entries, never followed, so a scan
// cannot loop or leave the tree).
void walk(const Workspace& ws, const fs::path& dir, const ScanOptions& options, std::vector<Target>& out) {
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (excluded_name(name)) continue;
    auto rel = relative_inside(ws.root, p.lexically_normal());
    // job-runner's logs and manifest, never outputs (without a project, a folder like any other)
    if (rel && *rel == "metadata" && !ws.no_project) continue;
    std::error_code sec;
    if (it->is_directory(sec) && !it->is_symlink(sec)) {
      if (never_enter(p, options)) continue;
      walk(ws, p, options, out);
    } else {
      out.push_back(make_target(ws, p));
    }
  }
}

// A workspace file may be named through another path to it (an absolute path through a symlinked
// folder above the workspace, /tmp for /private/tmp): resolve the folders of a path that does not
// lie lexically inside, so it is judged as the workspace file it is. The last component is never
// resolved (a link is reported under its own name); a folder (not a link) is resolved whole.
fs::path inside_if_aliased(const Workspace& ws, const fs::path& p, bool is_dir) {
  if (relative_inside(ws.root, p) || p == ws.root) return p;
  std::error_code ec;
  fs::path resolved = is_dir ? fs::canonical(p, ec) : fs::canonical(p.parent_path(), ec) / p.filename();
  return ec ? p : resolved.lexically_normal();
}

void sort_unique(std::vector<Target>& targets) {
  std::sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) { return a.display < b.display; });
  targets.erase(std::unique(targets.begin(), targets.end(),
                            [](const Target& a, const Target& b) { return a.display == b.display; }),
                targets.end());
}

}  // namespace

std::vector<Target> scan_workspace(const Workspace& ws, const ScanOptions& options) {
  std::vector<Target> out;
  std::set<std::string> roots;
  for (const auto& o : ws.project.outputs) roots.insert(pattern_root(o.pattern));
  bool root_patterns = roots.erase("") > 0;
  // Patterns at the workspace root make only their matches reportable there.
  if (root_patterns) {
    std::error_code ec;
    for (fs::directory_iterator it(ws.root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (excluded_name(name)) continue;
      std::error_code sec;
      if (it->is_directory(sec) && !it->is_symlink(sec)) continue;
      if (classify(ws.project, name).pattern) out.push_back(make_target(ws, it->path()));
    }
  }
  for (const auto& root : roots) {
    // A folder pattern inside another one is covered by the outer walk.
    bool nested = false;
    for (const auto& other : roots) {
      if (other != root && root.rfind(other + "/", 0) == 0) nested = true;
    }
    if (nested) continue;
    bool hidden = false;
    for (const auto& part : fs::path(root)) hidden |= excluded_name(part.string());
    if (hidden || root == "metadata" || root.rfind("metadata/", 0) == 0) continue;
    fs::path dir = ws.root / root;
    std::error_code ec;
    auto st = fs::symlink_status(dir, ec);
    if (fs::is_symlink(st)) {
      // A linked output folder is not entered, but it must not vanish from the report either.
      out.push_back(make_target(ws, dir));
      continue;
    }
    if (!fs::is_directory(st)) continue;  // not produced yet
    if (never_enter(dir, options)) continue;
    walk(ws, dir, options, out);
  }
  sort_unique(out);
  return out;
}

Result<std::vector<Target>> targets_from_args(const Workspace& ws, const std::vector<std::string>& args,
                                              const fs::path& cwd, const ScanOptions& options) {
  std::vector<Target> out;
  for (const auto& arg : args) {
    fs::path p = fs::path(arg).is_absolute() ? fs::path(arg) : cwd / arg;
    p = p.lexically_normal();
    if (p.has_filename() == false && p.has_parent_path()) p = p.parent_path();
    std::error_code ec;
    auto st = fs::symlink_status(p, ec);
    if (ec || !fs::exists(st)) return not_found(arg + ": no such file or folder");
    p = inside_if_aliased(ws, p, fs::is_directory(st));
    if (fs::is_directory(st)) {
      walk(ws, p, options, out);
    } else {
      out.push_back(make_target(ws, p));
    }
  }
  sort_unique(out);
  return out;
}

}  // namespace outcheck::checker
