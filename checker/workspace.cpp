#include "checker/workspace.h"

namespace fs = std::filesystem;

namespace outcheck::checker {

Result<fs::path> find_workspace_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  while (true) {
    if (fs::is_regular_file(dir / "project.yaml", ec)) return dir;
    if (!dir.has_relative_path()) break;
    dir = dir.parent_path();
  }
  return not_found(fs::absolute(start, ec).string() +
                   ": no project.yaml here or in any parent folder; run from inside a workspace or pass --workspace DIR");
}

Result<Workspace> open_workspace(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return not_found(dir.string() + ": not a folder (--workspace needs the folder holding project.yaml)");
  fs::path root = fs::canonical(dir, ec);
  if (ec) return io_error(dir.string() + ": " + ec.message());
  fs::path yaml = root / "project.yaml";
  if (!fs::is_regular_file(yaml, ec)) return not_found(yaml.string() + ": no project.yaml in the workspace");
  // Only the workspace is read: a project.yaml that is a link out of it is not followed (its
  // errors would quote another file's lines).
  if (fs::path real = fs::canonical(yaml, ec); ec || !relative_inside(root, real)) {
    return invalid_input(yaml.string() + ": a link that leads outside the workspace; it is not read");
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto project, load_project(yaml.string()));
  return Workspace{root, std::move(project)};
}

Result<Workspace> folder_without_project(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return not_found(dir.string() + ": not a folder");
  fs::path root = fs::canonical(dir, ec);
  if (ec) return io_error(dir.string() + ": " + ec.message());
  Workspace ws;
  ws.root = std::move(root);
  ws.project.path = "(none)";
  ws.no_project = true;
  return ws;
}

const char* workspace_word(const Workspace& ws) { return ws.no_project ? "the folder checked" : "the workspace"; }

Classification classify(const Project& project, std::string_view relpath) {
  Classification c;
  for (const auto& out : project.outputs) {
    if (!glob_match(out.pattern, relpath)) continue;
    if (!c.pattern || protection_rank(out.privacy) > protection_rank(c.privacy)) {
      c.privacy = out.privacy;
      c.pattern = &out;
    }
  }
  return c;
}

std::optional<std::string> relative_inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // trailing separator of root
    if (p == path.end() || *p != *r) return std::nullopt;
  }
  std::string rel;
  for (; p != path.end(); ++p) {
    if (p->empty()) continue;
    if (!rel.empty()) rel += '/';
    rel += p->string();
  }
  if (rel.empty()) return std::nullopt;  // the root itself is not a file inside it
  return rel;
}

}  // namespace outcheck::checker
