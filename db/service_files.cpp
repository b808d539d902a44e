// What a user may do to a request now, reading a stored file for review, and where the paths a
// client sends lead (the request's workspace and nothing else).
#include "checker/sha256.h"
#include "checker/workspace.h"
#include "db/service_internal.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace outcheck::db {

namespace {

std::optional<fs::path> real_path(const fs::path& p) {
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) return std::nullopt;
  return fs::path(buf);
}

// Whether `dir`, lexically inside `root`, is reached from it through real folders only (no link on
// the way); the first component that is not there ends the walk.
bool no_link_on_the_way(const fs::path& root, const fs::path& dir) {
  auto rel = checker::relative_inside(root, dir);
  if (!rel) return dir == root;
  fs::path at = root;
  for (const auto& part : fs::path(*rel)) {
    at /= part;
    struct stat st;
    if (::lstat(at.c_str(), &st) != 0) return true;
    if (S_ISLNK(st.st_mode)) return false;
  }
  return true;
}

// Symbolic links followed at most (the kernel's own limit): a longer chain, or a loop, is left to
// the gate, which reports it as a file that cannot be resolved.
constexpr int kMaxLinks = 40;

ClientPath place_at(const fs::path& root, const fs::path& abs, int depth) {
  ClientPath out;
  if (abs == root) {
    out.place = ClientPath::inside;
    out.location = root;
    return out;
  }
  if (abs.filename().empty() || abs.filename() == "..") return out;
  auto parent = real_path(abs.parent_path());
  if (!parent) {
    // A folder that is not there: a missing name of the workspace only when reached through real
    // folders of it; through a link it leads who knows where, and gets the outside answer.
    auto rel = checker::relative_inside(root, abs);
    if (rel && no_link_on_the_way(root, abs.parent_path())) {
      out.place = ClientPath::missing;
      out.rel = *rel;
    }
    return out;
  }
  const fs::path loc = *parent / abs.filename();
  auto rel = checker::relative_inside(root, loc);
  if (!rel) return out;
  out.rel = *rel;
  struct stat st;
  if (::lstat(loc.c_str(), &st) != 0) {
    out.place = ClientPath::missing;
    return out;
  }
  out.place = ClientPath::inside;
  out.location = loc;
  if (S_ISLNK(st.st_mode) && depth < kMaxLinks) {
    std::error_code ec;
    fs::path target = fs::read_symlink(loc, ec);
    if (ec) return out;
    fs::path next = (target.is_absolute() ? target : loc.parent_path() / target).lexically_normal();
    if (place_at(root, next, depth + 1).place == ClientPath::outside) {
      ClientPath o;
      o.rel = *rel;
      o.via_link = true;
      return o;
    }
  }
  return out;
}

}  // namespace

ClientPath place_of(const fs::path& ws_root, const fs::path& abs) { return place_at(ws_root, abs, 0); }

fs::path client_abs(const std::string& arg, const fs::path& cwd) {
  fs::path p = (fs::path(arg).is_absolute() ? fs::path(arg) : cwd / arg).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

std::string outside_line(const std::string& shown, bool via_link) {
  return shown + (via_link ? " (outside_workspace: is a link that leads outside the workspace)"
                           : " (outside_workspace: lies outside the workspace)");
}

std::string capped_lines(const std::vector<std::string>& lines, std::size_t cap) {
  std::string out;
  for (std::size_t i = 0; i < lines.size() && i < cap; ++i) out += "\n  " + lines[i];
  if (lines.size() > cap) out += "\n  ... and " + std::to_string(lines.size() - cap) + " more";
  return out;
}

Result<fs::path> Service::request_workspace(const Request& r) const {
  const fs::path stored(r.workspace_path);
  auto real = real_path(stored);
  struct stat st;
  bool ok = real && *real == stored && ::lstat(stored.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (ok && !workspaces_root_.empty()) {
    auto served = real_path(workspaces_root_);
    ok = served && checker::relative_inside(*served, stored).has_value();
  }
  if (ok) return stored;
  // One answer whatever happened to it: nothing about where it now leads is said.
  return refused("the workspace of request " + r.id + " (" + r.workspace +
                 ") is no longer the folder the request was created for (moved, removed, replaced by a link, or "
                 "outside the served workspaces); nothing is read from it");
}

Result<RequestActions> Service::actions(const User& actor, const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, require_request(id));
  if (auto s = check_can_view(actor, r); !s.ok()) return refuse(&actor, "request_actions", id, s.error());
  RequestActions a;
  a.submit = check_can_transition(actor, r, RequestStatus::submitted).ok();
  a.withdraw = check_can_transition(actor, r, RequestStatus::withdrawn).ok();
  a.edit = check_can_edit(actor, r).ok();
  for (const auto& f : r.files) {
    if (check_can_vote(actor, r, f).ok()) a.vote.push_back(f.relpath);
  }
  a.submit_review = check_can_submit_review(actor, r).ok();
  a.return_request = check_can_transition(actor, r, RequestStatus::returned).ok();
  a.reject = check_can_transition(actor, r, RequestStatus::rejected).ok();
  a.release = check_can_release(actor, r).ok();
  a.comment = check_can_comment(actor, r, false).ok();
  a.comment_private = check_can_comment(actor, r, true).ok();
  return a;
}

Result<Service::FileContents> Service::read_file(const User& actor, const std::string& id, const std::string& relpath) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, require_request(id));
  if (auto s = check_can_view(actor, r); !s.ok()) return refuse(&actor, "file_view", id, s.error());
  const RequestFile* f = r.file(relpath);
  if (!f) return not_found("request " + id + " has no file " + relpath);
  std::ifstream in(home_.store.path_of(f->sha256), std::ios::binary);
  if (!in) return io_error("the stored copy of " + relpath + " is missing from the store (" + home_.dir.string() + ")");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  FileContents out{*f, std::move(bytes).str()};
  if (checker::sha256_hex(out.bytes) != f->sha256) {
    return io_error("the stored copy of " + relpath + " no longer has the bytes that were checked (sha256 " +
                    f->sha256 + "); it is not shown");
  }
  // Recorded before the bytes are handed out: no view without its audit row.
  AuditHead head;
  OUTCHECK_TRY(append_audit(make_event(actor, "file_view", r, {{"sha256", f->sha256}}, relpath), &head));
  home_.audit.record_head(head);
  return out;
}

}  // namespace outcheck::db
