// Publishing, as seen by the database: preconditions and the state changes of a release.
#include "db/service_internal.h"

namespace outcheck::db {

Result<Request> Service::begin_release(const User& actor, const std::string& id) {
  auto r = require_request(id);
  if (!r) return r.error();
  if (auto s = check_can_release(actor, *r); !s.ok()) return refuse(&actor, "request_release", id, s.error());
  return r;
}

Status Service::mark_approved(const User& actor, const std::string& id, const std::string& target) {
  return in_request_transaction(actor, "request_release", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    OUTCHECK_TRY(check_can_release(actor, req));
    if (req.status != RequestStatus::reviewed) return Status::OK();  // resuming, or already released
    req.status = RequestStatus::approved;
    req.release_target = target;
    req.updated_at = now();
    OUTCHECK_TRY(update_request_status(home_.db, req));
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : req.files) {
      if (f.filetype == "output") files.push_back({{"path", f.relpath}, {"sha256", f.sha256}});
    }
    events.push_back(make_event(actor, "request_approve", req, {{"target", target}, {"files", files}}));
    return Status::OK();
  });
}

Status Service::record_upload(const User& actor, const std::string& id, const std::string& relpath) {
  return in_request_transaction(actor, "file_upload", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    const RequestFile* f = req.file(relpath);
    if (!f) return invalid_input(relpath + ": not a file of request " + id);
    if (f->uploaded_at) return Status::OK();
    OUTCHECK_TRY(set_uploaded(home_.db, id, relpath, now()));
    events.push_back(make_event(actor, "file_upload", req, {{"sha256", f->sha256}, {"target", req.release_target.value_or("")}},
                                relpath));
    return Status::OK();
  });
}

Status Service::record_release_problem(const User& actor, const std::string& id, const std::string& relpath,
                                       const std::string& problem) {
  return in_request_transaction(actor, "release_stopped", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    events.push_back(make_event(actor, "release_stopped", req, {{"problem", problem}}, relpath));
    return Status::OK();
  });
}

Status Service::mark_released(const User& actor, const std::string& id) {
  return in_request_transaction(actor, "request_released", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    if (req.status == RequestStatus::released) return Status::OK();
    if (req.status != RequestStatus::approved) return refused("request " + id + " is " + status_name(req.status));
    for (const auto& f : req.files) {
      if (f.filetype == "output" && !f.uploaded_at) return refused(f.relpath + " has not been uploaded yet");
    }
    req.status = RequestStatus::released;
    req.updated_at = now();
    OUTCHECK_TRY(update_request_status(home_.db, req));
    events.push_back(make_event(actor, "request_released", req));
    return Status::OK();
  });
}

}  // namespace outcheck::db
