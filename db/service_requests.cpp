// Authoring a request: create, add, remove, update, groups, submit, withdraw.
#include "checker/json_text.h"
#include <sys/stat.h>

#include "checker/check_run.h"
#include "checker/file_check.h"
#include "checker/report.h"
#include "checker/targets.h"
#include "db/crash_point.h"
#include "db/service_internal.h"

namespace fs = std::filesystem;

namespace outcheck::db {

namespace {

// A PATH argument as the request's workspace-relative path: through the current directory when that
// names a file of the request (as written, or with its folders' links resolved), otherwise as
// written. Nothing outside the workspace is named by the answer.
std::string request_relpath(const Request& r, const fs::path& root, const std::string& path, const fs::path& cwd) {
  const fs::path abs = client_abs(path, cwd);
  if (auto rel = checker::relative_inside(root, abs); rel && r.file(*rel)) return *rel;
  if (ClientPath p = place_of(root, abs); p.place != ClientPath::outside && r.file(p.rel)) return p.rel;
  return fs::path(path).lexically_normal().generic_string();
}

struct CheckedFile {
  RequestFile file;
  StagedFile staged;
};

// What the checker found, recorded against the staged copy it judged.
void record_check(RequestFile& f, const StagedFile& staged, const checker::FileReport& report, const std::string& at) {
  f.sha256 = staged.sha256;
  f.size = staged.size;
  f.mtime = staged.mtime;
  f.device = static_cast<std::int64_t>(staged.device);
  f.inode = static_cast<std::int64_t>(staged.inode);
  f.privacy = checker::privacy_name(report.privacy);
  f.outcome = rules::outcome_name(report.outcome());
  f.report = checker::json_text(checker::file_report_to_json(report));
  f.added_at = at;
}

// "path (rule: message; ...)" for a refusal that lists blocked files. Where a file leads outside the
// workspace (it changed after it was placed), the gate's words would name the place: the one outside
// answer is given instead.
std::string blocked_line(const std::string& path, const checker::FileReport& report) {
  std::string reasons;
  for (const auto& f : report.findings.kept()) {
    if (f.outcome != rules::Outcome::blocked) continue;
    if (f.rule == "outside_workspace") return outside_line(path, true);
    reasons += (reasons.empty() ? "" : "; ") + f.rule + ": " + f.message;
  }
  return path + " (" + reasons + ")";
}

}  // namespace

// Workspace names are one safe path segment, so that no name can climb out of the folder a release
// is written under: letters, digits, '.', '_' and '-'; not "." or ".."; at most 100 characters.
Status check_workspace_name(const std::string& name) {
  bool safe = !name.empty() && name.size() <= 100 && name != "." && name != "..";
  for (char c : name) {
    safe = safe && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-');
  }
  if (safe) return Status::OK();
  return invalid_input("workspace name \"" + (name.size() > 100 ? name.substr(0, 100) + "..." : name) +
                       "\": use letters, digits, '.', '_' and '-' only (not \".\" or \"..\"), at most 100 "
                       "characters");
}

Result<Service::Created> Service::create_request(const User& actor, const fs::path& workspace,
                                                 const std::optional<std::string>& name) {
  if (auto s = check_can_author(actor); !s.ok()) return refuse(&actor, "request_create", std::nullopt, s.error());
  if (name) OUTCHECK_TRY(check_workspace_name(*name));
  if (!workspaces_root_.empty()) {
    // Resolved before anything in it is looked at: a path outside the served folder gets one
    // answer, whether or not it exists.
    std::error_code ec, root_ec;
    fs::path real = fs::canonical(workspace, ec), root = fs::canonical(workspaces_root_, root_ec);
    if (ec || root_ec || !checker::relative_inside(root, real)) {
      return refuse(&actor, "request_create", std::nullopt,
                    refused(workspace.string() + ": this server serves workspaces under " +
                            (root_ec ? workspaces_root_ : root).string() + " only"));
    }
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto ws, checker::open_workspace(workspace));
  std::string ws_name = name.value_or(ws.root.filename().string());
  OUTCHECK_TRY(check_workspace_name(ws_name));
  if (auto s = check_workspace_member(actor, ws_name); !s.ok()) {  // issue 15: workspace membership
    return s.error().kind == ErrorKind::refused ? refuse(&actor, "request_create", std::nullopt, s.error()) : s.error();
  }
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_ASSIGN_OR_RETURN(auto active, active_request_for(home_.db, actor.name, ws_name));
  if (active) return Created{*active, true};
  Request r;
  r.id = new_ulid(clock_());
  r.workspace = ws_name;
  r.workspace_path = ws.root.string();
  r.author = actor.name;
  r.created_at = r.updated_at = now();
  OUTCHECK_TRY(insert_request(home_.db, r));
  OUTCHECK_ASSIGN_OR_RETURN(auto head,
      home_.audit.append(home_.db, make_event(actor, "request_create", r, {{"workspace", ws_name},
                                                                                    {"workspace_path", r.workspace_path}}),
                                 r.created_at));
  OUTCHECK_TRY(tx.commit());
  home_.audit.record_head(head);
  return Created{r.id, false};
}

Result<FileChanges> Service::add_files(const User& actor, const std::string& id, const std::vector<std::string>& paths,
                                          const fs::path& cwd, const AddOptions& options) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, require_request(id));
  if (auto s = check_can_edit(actor, r); !s.ok()) return refuse(&actor, "file_add", id, s.error());
  if (options.filetype != "output" && options.filetype != "supporting") {
    return invalid_input("--type " + options.filetype + ": use output or supporting");
  }
  if (options.group.empty()) return invalid_input("--group needs a name");
  auto root = request_workspace(r);
  if (!root) return refuse(&actor, "file_add", id, root.error());
  OUTCHECK_ASSIGN_OR_RETURN(auto ws, checker::open_workspace(*root));
  OUTCHECK_ASSIGN_OR_RETURN(auto site, load_site_policy(home_.db));
  // Every path is placed by its names first: one outside the workspace gets the one outside answer
  // whether or not anything is there, and no folder outside is ever listed.
  std::vector<std::string> blocked, inside;
  for (const auto& p : paths) {
    const fs::path abs = client_abs(p, cwd);
    ClientPath place = place_of(*root, abs);
    if (place.place == ClientPath::outside) {
      blocked.push_back(outside_line(place.via_link ? place.rel : abs.string(), place.via_link));
    } else if (place.place == ClientPath::missing) {
      return not_found(p + ": no such file or folder");
    } else {
      // Named as written when that lies in the workspace (a link keeps its own name); through its
      // resolved folders otherwise (a workspace reached through a link to it).
      inside.push_back(checker::relative_inside(*root, abs) || abs == *root ? abs.string() : place.location.string());
    }
  }
  checker::ScanOptions scan{{home_.dir}};
  std::vector<checker::Target> targets;
  if (!inside.empty()) {
    OUTCHECK_ASSIGN_OR_RETURN(auto found, checker::targets_from_args(ws, inside, cwd, scan));
    // A link found in a folder is followed by its names too, and judged no further if it leads out.
    for (auto& t : found) {
      ClientPath place = t.inside ? place_of(*root, t.location) : ClientPath{};
      if (place.place == ClientPath::outside) blocked.push_back(outside_line(t.display, true));
      else targets.push_back(std::move(t));
    }
  }
  if (targets.empty() && blocked.empty()) return invalid_input("no files to add under the paths given");

  // Each file is copied into the store's staging area first, and the copy is what is checked, so
  // the bytes reviewed are the bytes that were judged; the gate also checks that the name still
  // leads to the file that was copied.
  checker::HardLinkIndex links(ws.root);
  checker::CheckContext ctx{ws, site.policies, links, 100};
  // job-runner's manifest, as the site policy's `provenance` asks: the same rules as `check`.
  std::vector<std::string> relpaths;
  for (const auto& t : targets) {
    if (t.inside) relpaths.push_back(t.display);
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto provenance, checker::read_provenance(ws, site.policies.base->policy(), relpaths));
  ctx.manifest = provenance.manifest ? &*provenance.manifest : nullptr;
  ctx.manifest_required = provenance.required;
  std::vector<CheckedFile> checked;
  auto discard_all = [&] {
    for (const auto& c : checked) home_.store.discard(c.staged);
  };
  // First the gate alone, reading nothing: a file that may never leave is not even copied into the
  // store's staging area.
  for (auto target : targets) {
    target.gate_only = true;
    checker::FileReport gate = checker::check_file(ctx, target);
    if (gate.outcome() == rules::Outcome::blocked) blocked.push_back(blocked_line(target.display, gate));
  }
  if (!blocked.empty()) {
    return refuse(&actor, "file_add", id,
                  refused("nothing was added: " + std::to_string(blocked.size()) + " file(s) may never leave" +
                          capped_lines(blocked)));
  }
  home_.store.sweep_staging();  // copies left by processes that ended mid-add
  for (auto target : targets) {
    struct stat st;
    std::optional<StagedFile> staged;
    if (::stat(target.location.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      auto s = home_.store.stage(target.location);
      if (!s) {
        discard_all();
        return s.error();
      }
      staged = *s;
      target.content_from = staged->temp;
      target.expected_file = std::make_pair(staged->device, staged->inode);
    }
    checker::FileReport report = checker::check_file(ctx, target);
    if (report.outcome() == rules::Outcome::blocked || !staged) {
      blocked.push_back(blocked_line(target.display, report));
      if (staged) home_.store.discard(*staged);
      continue;
    }
    RequestFile f;
    f.relpath = target.display;
    f.group = options.group;
    f.filetype = options.filetype;
    record_check(f, *staged, report, now());
    checked.push_back({std::move(f), *staged});
  }
  if (!blocked.empty()) {
    discard_all();
    return refuse(&actor, "file_add", id,
                  refused("nothing was added: " + std::to_string(blocked.size()) + " file(s) may never leave" +
                          capped_lines(blocked)));
  }

  crash_point("add.after_stage");
  FileChanges result{id, {}, {}};
  std::vector<std::string>& unchanged = result.unchanged;
  Status s = in_request_transaction(actor, "file_add", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_edit(actor, req));
    for (const auto& c : checked) {
      const RequestFile* existing = req.file(c.file.relpath);
      if (existing && existing->filetype != "withdrawn") {
        if (existing->sha256 == c.file.sha256 && existing->group == c.file.group && existing->filetype == c.file.filetype) {
          unchanged.push_back(c.file.relpath);
          continue;
        }
        return refused(c.file.relpath + " is already in request " + id +
                       (existing->sha256 != c.file.sha256 ? "; it changed since: use outcheck request update"
                                                          : "; remove it first to change its group or type"));
      }
    }
    if (!req.group(options.group)) OUTCHECK_TRY(upsert_group(home_.db, id, FileGroup{options.group, "", ""}));
    for (const auto& c : checked) {
      if (std::find(unchanged.begin(), unchanged.end(), c.file.relpath) != unchanged.end()) continue;
      // The stored copy exists before the database points at it.
      OUTCHECK_TRY(home_.store.commit(c.staged));
      OUTCHECK_TRY(delete_votes(home_.db, id, c.file.relpath));
      OUTCHECK_TRY(upsert_file(home_.db, id, c.file));
      events.push_back(make_event(actor, "file_add", req,
                                  {{"sha256", c.file.sha256}, {"size", c.file.size}, {"outcome", c.file.outcome},
                                   {"group", c.file.group}, {"filetype", c.file.filetype}},
                                  c.file.relpath));
      result.changed.push_back({c.file.relpath, c.file.outcome, c.file.sha256});
    }
    crash_point("add.after_store");  // the copies are in the store, the transaction not committed
    req.updated_at = now();
    return update_request_status(home_.db, req);
  });
  for (const auto& c : checked) home_.store.discard(c.staged);  // those committed were renamed away
  if (!s.ok()) return s.error();
  return result;
}

Result<FileChanges> Service::remove_files(const User& actor, const std::string& id,
                                             const std::vector<std::string>& paths, const fs::path& cwd) {
  FileChanges result{id, {}, {}};
  Status s = in_request_transaction(actor, "file_remove", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_edit(actor, req));
    OUTCHECK_ASSIGN_OR_RETURN(auto root, request_workspace(req));
    for (const auto& p : paths) {
      std::string rel = request_relpath(req, root, p, cwd);
      const RequestFile* f = req.file(rel);
      if (!f || f->filetype == "withdrawn") return invalid_input(p + ": not a file of request " + id);
      // Pending: the file goes; returned: it stays, withdrawn, so its review history is kept.
      if (req.status == RequestStatus::pending) OUTCHECK_TRY(delete_file(home_.db, id, rel));
      else OUTCHECK_TRY(set_filetype(home_.db, id, rel, "withdrawn"));
      events.push_back(make_event(actor, "file_remove", req, {{"sha256", f->sha256}}, rel));
      result.changed.push_back({rel, "", ""});
    }
    req.updated_at = now();
    return update_request_status(home_.db, req);
  });
  if (!s.ok()) return s.error();
  return result;
}

Result<FileChanges> Service::update_files(const User& actor, const std::string& id,
                                             const std::vector<std::string>& paths, const fs::path& cwd) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, require_request(id));
  if (auto s = check_can_edit(actor, r); !s.ok()) return refuse(&actor, "file_update", id, s.error());
  auto root = request_workspace(r);
  if (!root) return refuse(&actor, "file_update", id, root.error());
  OUTCHECK_ASSIGN_OR_RETURN(auto ws, checker::open_workspace(*root));
  OUTCHECK_ASSIGN_OR_RETURN(auto site, load_site_policy(home_.db));
  checker::HardLinkIndex links(ws.root);
  checker::CheckContext ctx{ws, site.policies, links, 100};
  std::vector<std::string> relpaths;
  for (const auto& p : paths) relpaths.push_back(request_relpath(r, *root, p, cwd));
  OUTCHECK_ASSIGN_OR_RETURN(auto provenance, checker::read_provenance(ws, site.policies.base->policy(), relpaths));
  ctx.manifest = provenance.manifest ? &*provenance.manifest : nullptr;
  ctx.manifest_required = provenance.required;
  std::vector<CheckedFile> changed;
  std::vector<std::string> blocked, unchanged;
  home_.store.sweep_staging();  // copies left by processes that ended mid-add
  auto discard_all = [&] {
    for (const auto& c : changed) home_.store.discard(c.staged);
  };
  for (const auto& p : paths) {
    std::string rel = request_relpath(r, *root, p, cwd);
    const RequestFile* existing = r.file(rel);
    if (!existing || existing->filetype == "withdrawn") {
      discard_all();
      return invalid_input(p + ": not a file of request " + id);
    }
    checker::Target target;
    target.display = rel;
    target.location = ws.root / rel;
    target.inside = true;
    target.gate_only = true;
    if (place_of(*root, target.location).place == ClientPath::outside) {
      blocked.push_back(outside_line(rel, true));
      continue;
    }
    if (checker::FileReport gate = checker::check_file(ctx, target); gate.outcome() == rules::Outcome::blocked) {
      blocked.push_back(blocked_line(rel, gate));
      continue;
    }
    target.gate_only = false;
    auto staged = home_.store.stage(target.location);
    if (!staged) {
      discard_all();
      return staged.error();
    }
    if (staged->sha256 == existing->sha256) {
      home_.store.discard(*staged);
      unchanged.push_back(rel);
      continue;
    }
    target.content_from = staged->temp;
    target.expected_file = std::make_pair(staged->device, staged->inode);
    checker::FileReport report = checker::check_file(ctx, target);
    if (report.outcome() == rules::Outcome::blocked) {
      home_.store.discard(*staged);
      blocked.push_back(blocked_line(rel, report));
      continue;
    }
    RequestFile f = *existing;
    f.votes.clear();
    record_check(f, *staged, report, now());
    changed.push_back({std::move(f), *staged});
  }
  if (!blocked.empty()) {
    discard_all();
    return refuse(&actor, "file_update", id,
                  refused("nothing was updated: the new version of these files may never leave:" + capped_lines(blocked)));
  }
  FileChanges result{id, {}, std::move(unchanged)};
  Status s = in_request_transaction(actor, "file_update", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_edit(actor, req));
    for (const auto& c : changed) {
      OUTCHECK_TRY(home_.store.commit(c.staged));
      // A new version must be reviewed afresh: every vote on the file is reset.
      OUTCHECK_TRY(delete_votes(home_.db, id, c.file.relpath));
      OUTCHECK_TRY(upsert_file(home_.db, id, c.file));
      events.push_back(make_event(actor, "file_update", req, {{"sha256", c.file.sha256}, {"outcome", c.file.outcome}},
                                  c.file.relpath));
      result.changed.push_back({c.file.relpath, c.file.outcome, c.file.sha256});
    }
    req.updated_at = now();
    return update_request_status(home_.db, req);
  });
  for (const auto& c : changed) home_.store.discard(c.staged);
  if (!s.ok()) return s.error();
  return result;
}

Status Service::set_group(const User& actor, const std::string& id, const std::string& group, const std::string& context,
                          const std::string& controls) {
  return in_request_transaction(actor, "group_update", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_edit(actor, req));
    if (!req.group(group)) return invalid_input("request " + id + " has no file group \"" + group + "\"");
    OUTCHECK_TRY(upsert_group(home_.db, id, FileGroup{group, context, controls}));
    events.push_back(make_event(actor, "group_update", req, {{"group", group}, {"context", context}, {"controls", controls}}));
    return Status::OK();
  });
}

Status Service::submit(const User& actor, const std::string& id) {
  return in_request_transaction(actor, "request_submit", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_submit(actor, req));
    bool resubmission = req.status == RequestStatus::returned;
    req.updated_at = now();
    if (resubmission) OUTCHECK_TRY(reset_changes_requested(home_.db, id, req.updated_at));
    // Every submission starts a new review turn: the reviewers review afresh.
    ++req.review_turn;
    req.status = RequestStatus::submitted;
    req.submitted_at = req.updated_at;
    OUTCHECK_TRY(update_request_status(home_.db, req));
    events.push_back(make_event(actor, resubmission ? "request_resubmit" : "request_submit", req));
    return Status::OK();
  });
}

Status Service::withdraw(const User& actor, const std::string& id) {
  return in_request_transaction(actor, "request_withdraw", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_transition(actor, req, RequestStatus::withdrawn));
    req.status = RequestStatus::withdrawn;
    req.updated_at = now();
    OUTCHECK_TRY(update_request_status(home_.db, req));
    events.push_back(make_event(actor, "request_withdraw", req));
    return Status::OK();
  });
}

}  // namespace outcheck::db
