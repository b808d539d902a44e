#include "release/release_run.h"

#include <fstream>
#include <sstream>

#include "checker/policy_file.h"
#include "checker/sha256.h"
#include "checker/workspace.h"
#include "db/crash_point.h"
#include "db/permissions.h"
#include "db/service_json.h"
#include "release/release_record.h"

namespace outcheck::release {

namespace {

Result<std::string> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return io_error(p.string() + ": the stored copy cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The message when a stored copy no longer holds the bytes that were reviewed.
std::string tampered(const std::string& relpath, const std::string& reviewed, const std::string& now) {
  return relpath + ": the stored copy no longer matches the reviewed hash (reviewed " + reviewed + ", now " + now +
         "); nothing more is published";
}

// Why a file may not leave under the workspace's project.yaml as it is now, or "".
std::string privacy_problem(const checker::Workspace& ws, const std::string& relpath) {
  auto c = checker::classify(ws.project, relpath);
  if (c.privacy != checker::Privacy::moderately_sensitive) {
    return std::string("project.yaml now declares it ") + checker::privacy_name(c.privacy);
  }
  return "";
}

}  // namespace

Result<nlohmann::json> release_request(db::Service& service, const db::User& actor, const std::string& id,
                                       const std::string& to, const PublisherOptions& options, const Progress& progress) {
  OUTCHECK_ASSIGN_OR_RETURN(auto request, service.begin_release(actor, id));
  if (request.status == db::RequestStatus::released) {
    // Running it again is harmless: nothing is sent, the target is not contacted, and a folder
    // release keeps the manifest (and audit head) it was published with.
    nlohmann::json all = nlohmann::json::array();
    for (const auto& f : request.files) {
      if (f.filetype == "output") all.push_back(f.relpath);
    }
    return nlohmann::json{{"request", id}, {"target", request.release_target.value_or(to)}, {"status", "released"},
                          {"sent", nlohmann::json::array()}, {"already_sent", all}, {"audit_head", ""}};
  }
  // One release of a request at a time: a second caller is refused before anything is contacted.
  OUTCHECK_ASSIGN_OR_RETURN(auto holder, service.take_release_lock(actor, id));
  struct Unlock {
    db::Service& service;
    const std::string& id;
    const std::string& holder;
    ~Unlock() { service.free_release_lock(id, holder); }
  } unlock{service, id, holder};
  // As it is now that this release holds the lock.
  OUTCHECK_ASSIGN_OR_RETURN(request, service.begin_release(actor, id));
  if (request.status == db::RequestStatus::released) {
    return nlohmann::json{{"request", id}, {"target", request.release_target.value_or(to)}, {"status", "released"},
                          {"sent", nlohmann::json::array()}, {"already_sent", nlohmann::json::array()}, {"audit_head", ""}};
  }
  // The approvals are proved from the verified audit chain, not taken from the tables: editing the
  // database without audit.key is not enough to release.
  db::AuditHead head;
  OUTCHECK_TRY(service.prove_release(actor, request, &head));

  OUTCHECK_ASSIGN_OR_RETURN(auto publisher, make_publisher(to, options));

  // The workspace may have changed since review: a file must still be releasable under its current
  // project.yaml.
  OUTCHECK_ASSIGN_OR_RETURN(auto ws, checker::open_workspace(request.workspace_path));
  for (const auto& f : request.files) {
    if (f.filetype != "output") continue;
    if (std::string why = privacy_problem(ws, f.relpath); !why.empty()) {
      std::string msg = f.relpath + ": " + why + "; it may not be released";
      (void)service.record_release_problem(actor, id, f.relpath, msg);
      return db::refused("release stopped: " + msg);
    }
  }

  // Every stored copy must still hold the reviewed bytes before the release is created or the
  // request moves; each is hashed again immediately before it is sent, too.
  for (const auto& f : request.files) {
    if (f.filetype != "output") continue;
    auto actual = service.home().store.rehash(f.sha256);
    std::string msg = !actual ? f.relpath + ": " + actual.error().message
                              : (*actual != f.sha256 ? tampered(f.relpath, f.sha256, *actual) : "");
    if (msg.empty()) continue;
    (void)service.record_release_problem(actor, id, f.relpath, msg);
    return db::refused("release stopped: " + msg);
  }

  ReleasePlan plan;
  plan.workspace = request.workspace;
  plan.request_id = request.id;
  plan.releasing_user = actor.name;
  plan.audit_head = head.hash;
  plan.audit_seq = head.seq;
  for (const auto& f : request.files) {
    if (f.filetype != "output") continue;  // supporting files are never published
    ReleaseFile rf{f.relpath, f.size, f.sha256, f.mtime, nlohmann::json::array()};
    for (const auto& v : f.votes) {
      if (v.vote != db::Vote::approved) continue;
      nlohmann::json r{{"reviewer", v.reviewer}, {"approved_at", v.updated_at}};
      if (v.override_reason) r["override"] = *v.override_reason;
      rf.reviewers.push_back(r);
    }
    plan.files.push_back(std::move(rf));
  }
  {
    OUTCHECK_ASSIGN_OR_RETURN(auto policy, service.show_policy());
    OUTCHECK_ASSIGN_OR_RETURN(auto votes, service.vote_history(id));
    RecordInputs inputs{&request, db::shown_policy_json(policy), std::move(votes), actor.name, service.now(), head};
    plan.record = build_release_record(inputs);
  }

  OUTCHECK_TRY(publisher->create_release(plan));
  OUTCHECK_TRY(service.mark_approved(actor, id, publisher->target()));

  nlohmann::json sent = nlohmann::json::array(), already = nlohmann::json::array();
  for (std::size_t i = 0; i < plan.files.size(); ++i) {
    const ReleaseFile& file = plan.files[i];
    const db::RequestFile* stored = request.file(file.name);
    // Immediately before a file leaves, its stored bytes are hashed again: only the reviewed bytes
    // may go. The bytes hashed are the bytes sent.
    auto bytes = read_all(service.home().store.path_of(file.sha256));
    if (!bytes) {
      (void)service.record_release_problem(actor, id, file.name, bytes.error().message);
      return db::refused("release stopped: " + bytes.error().message);
    }
    std::string actual = checker::sha256_hex(*bytes);
    if (actual != file.sha256) {
      std::string msg = tampered(file.name, file.sha256, actual);
      (void)service.record_release_problem(actor, id, file.name, msg);
      return db::refused("release stopped: " + msg);
    }
    if (stored && stored->uploaded_at) {
      already.push_back(file.name);
      if (!publisher->resend_on_resume()) continue;
      if (auto up = publisher->upload(plan, file, *bytes); !up.ok()) {
        (void)service.record_release_problem(actor, id, file.name, up.error().message);
        return up.error();
      }
      continue;
    }
    OUTCHECK_TRY(service.renew_release_lock(id, holder));
    if (progress) progress(i, plan.files.size(), file);
    if (auto up = publisher->upload(plan, file, *bytes); !up.ok()) {
      // Recorded (a full destination included), so `request show` and the audit log say why the
      // release stopped; the request stays approved and a later run resumes.
      (void)service.record_release_problem(actor, id, file.name, up.error().message);
      return up.error();
    }
    OUTCHECK_TRY(service.record_upload(actor, id, file.name));
    sent.push_back(file.name);
    db::crash_point("release.after_upload");
  }
  db::crash_point("release.before_finish");
  if (auto done = publisher->finish(plan); !done.ok()) {
    (void)service.record_release_problem(actor, id, "", done.error().message);
    return done.error();
  }
  db::crash_point("release.before_mark_released");
  db::ReleaseRecordText record;
  record.text = publisher->published_record(plan);
  record.sha256 = checker::sha256_hex(record.text);
  record.head = head;
  if (auto published = nlohmann::json::parse(record.text, nullptr, false); published.is_object()) {
    // A folder published by an earlier run keeps the head it was proved at.
    const auto& h = published.value("audit_head", nlohmann::json::object());
    if (h.is_object() && h.value("hash", nlohmann::json()).is_string() && h.value("seq", nlohmann::json()).is_number_integer()) {
      record.head = db::AuditHead{h["seq"].get<std::int64_t>(), h["hash"].get<std::string>()};
    }
  }
  OUTCHECK_TRY(service.mark_released(actor, id, &record));
  return nlohmann::json{{"request", id}, {"target", publisher->target()}, {"status", "released"},
                        {"sent", sent}, {"already_sent", already}, {"audit_head", plan.audit_head}};
}

}  // namespace outcheck::release
