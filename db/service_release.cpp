// Publishing, as seen by the database: preconditions and the state changes of a release.
#include "checker/sha256.h"
#include "db/service_internal.h"
#include "db/visibility.h"

namespace outcheck::db {

Result<Request> Service::begin_release(const User& actor, const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, require_request(id));
  if (auto s = check_can_release(actor, r); !s.ok()) return refuse(&actor, "request_release", id, s.error());
  // The workspace is checked again (its project.yaml is read next); a released request sends nothing.
  if (auto ws = request_workspace(r); !ws && r.status != RequestStatus::released) {
    return refuse(&actor, "request_release", id, ws.error());
  }
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
    events.push_back(make_event(actor, "release_stopped", req, {{"problem", problem}},
                                relpath.empty() ? std::nullopt : std::optional<std::string>(relpath)));
    return Status::OK();
  });
}

Status Service::mark_released(const User& actor, const std::string& id, const ReleaseRecordText* record) {
  return in_request_transaction(actor, "request_released", id, [&](Request& req, std::vector<AuditEvent>& events) -> Status {
    if (req.status == RequestStatus::released) return Status::OK();
    if (req.status != RequestStatus::approved) return refused("request " + id + " is " + status_name(req.status));
    for (const auto& f : req.files) {
      if (f.filetype == "output" && !f.uploaded_at) return refused(f.relpath + " has not been uploaded yet");
    }
    req.status = RequestStatus::released;
    req.updated_at = now();
    OUTCHECK_TRY(update_request_status(home_.db, req));
    if (!record) {
      events.push_back(make_event(actor, "request_released", req));
      return Status::OK();
    }
    events.push_back(make_event(actor, "request_released", req,
                                {{"release_record_sha256", record->sha256},
                                 {"audit_head", record->head.hash},
                                 {"audit_seq", record->head.seq}}));
    // The text itself holds private comments: output checkers only.
    events.push_back(make_event(actor, "release_record", req, {{"sha256", record->sha256}, {"text", record->text}},
                                std::nullopt, "private"));
    return Status::OK();
  });
}

Result<std::vector<PastVote>> Service::vote_history(const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto st, home_.db.prepare(
      "SELECT user, path, details, review_turn, at FROM audit_log WHERE request_id = ? AND action = 'vote' ORDER BY seq"));
  st.bind(1, id);
  std::vector<PastVote> out;
  while (st.step()) {
    auto details = nlohmann::json::parse(st.text(2), nullptr, false);
    if (!details.is_object() || st.is_null(1)) continue;
    PastVote p;
    p.path = st.text(1);
    p.vote.reviewer = st.text(0);
    auto v = vote_from_name(details.value("vote", ""));
    if (!v) continue;
    p.vote.vote = *v;
    if (details.contains("comment") && details["comment"].is_string()) p.vote.comment = details["comment"].get<std::string>();
    if (details.contains("override") && details["override"].is_string()) {
      p.vote.override_reason = details["override"].get<std::string>();
    }
    p.vote.review_turn = st.is_null(3) ? 0 : st.integer(3);
    p.vote.updated_at = st.text(4);
    out.push_back(std::move(p));
  }
  if (st.failed()) return st.error();
  return out;
}

Result<StoredReleaseRecord> Service::release_record(const User& actor, const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, require_request(id));
  if (auto s = check_can_view(actor, r); !s.ok()) return refuse(&actor, "release_record_show", id, s.error());
  if (r.status != RequestStatus::released) {
    return not_found("request " + id + " is " + status_name(r.status) + ": it has no release record until it is released");
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto st, home_.db.prepare(
      "SELECT details FROM audit_log WHERE request_id = ? AND action = 'release_record' ORDER BY seq DESC LIMIT 1"));
  st.bind(1, id);
  if (!st.step()) {
    if (st.failed()) return st.error();
    return not_found("request " + id + " was released without a release record (by an older outcheck)");
  }
  auto details = nlohmann::json::parse(st.text(0), nullptr, false);
  if (!details.is_object() || !details.contains("text") || !details["text"].is_string() || !details.contains("sha256") ||
      !details["sha256"].is_string()) {
    return io_error("the release record of request " + id + " in the audit log is damaged");
  }
  StoredReleaseRecord out{details["text"].get<std::string>(), details["sha256"].get<std::string>(), can_review(actor, r)};
  if (checker::sha256_hex(out.text) != out.sha256) {
    return io_error("the release record of request " + id + " in the audit log does not match its sha256");
  }
  return out;
}

}  // namespace outcheck::db

// ---- issue 15: one release at a time, and approvals proved from the chain

#include <unistd.h>

#include <csignal>
#include <fstream>

#include <openssl/rand.h>

#include "db/chain.h"
#include "db/release_state.h"
#include "db/request_store.h"

namespace outcheck::db {

namespace {

std::string lock_holder() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  unsigned char raw[8];
  RAND_bytes(raw, sizeof raw);
  std::string nonce;
  for (unsigned char c : raw) nonce += "0123456789abcdef"[c >> 4], nonce += "0123456789abcdef"[c & 15];
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + nonce;
}

bool holder_gone(const std::string& holder) { return release_holder_gone(holder); }

std::string later(const Clock& clock, int seconds) {
  return iso_utc(clock() + std::chrono::seconds(seconds));
}

}  // namespace

Result<std::string> Service::take_release_lock(const User& actor, const std::string& id) {
  std::string holder = lock_holder();
  Error busy{ErrorKind::refused, ""};
  {
    Transaction tx(home_.db);
    OUTCHECK_TRY(tx.begin());
    OUTCHECK_ASSIGN_OR_RETURN(auto st,
        home_.db.prepare("SELECT holder, expires_at FROM release_locks WHERE request_id = ?"));
    st.bind(1, id);
    if (st.step()) {
      std::string other = st.text(0), expires = st.text(1);
      if (expires > now() && !holder_gone(other)) {
        busy.message = "a release of request " + id + " is in progress (since it holds the release lock until " +
                       expires + "); nothing was sent: run it again once that release has finished";
      }
    } else if (st.failed()) {
      return st.error();
    }
    AuditHead found_head;
    bool found = false;
    if (busy.message.empty()) {
      // A release that stopped part-way (killed, or its process gone) is found and recorded once
      // per run that resumes it.
      OUTCHECK_ASSIGN_OR_RETURN(auto req, load_request(home_.db, id));
      if (req) {
        OUTCHECK_ASSIGN_OR_RETURN(auto interrupted, release_interruption(home_.db, *req, now()));
        if (interrupted) {
          OUTCHECK_ASSIGN_OR_RETURN(auto h, home_.audit.append(
              home_.db, make_event(actor, "release_interrupted", *req, interrupted->to_json()), now()));
          found_head = h;
          found = true;
        }
      }
    }
    if (busy.message.empty()) {
      OUTCHECK_ASSIGN_OR_RETURN(auto put, home_.db.prepare(
          "INSERT INTO release_locks (request_id, holder, taken_at, expires_at) VALUES (?,?,?,?) "
          "ON CONFLICT(request_id) DO UPDATE SET holder = excluded.holder, taken_at = excluded.taken_at, "
          "expires_at = excluded.expires_at"));
      put.bind(1, id).bind(2, holder).bind(3, now()).bind(4, later(clock_, kReleaseLockSeconds));
      OUTCHECK_TRY(put.done());
      OUTCHECK_TRY(tx.commit());
      if (found) home_.audit.record_head(found_head);
      return holder;
    }
  }
  return refuse(&actor, "request_release", id, busy);
}

Status Service::renew_release_lock(const std::string& id, const std::string& holder) {
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_ASSIGN_OR_RETURN(auto st,
      home_.db.prepare("UPDATE release_locks SET expires_at = ? WHERE request_id = ? AND holder = ?"));
  st.bind(1, later(clock_, kReleaseLockSeconds)).bind(2, id).bind(3, holder);
  OUTCHECK_TRY(st.done());
  OUTCHECK_ASSIGN_OR_RETURN(auto check,
      home_.db.prepare("SELECT count(*) FROM release_locks WHERE request_id = ? AND holder = ?"));
  check.bind(1, id).bind(2, holder);
  check.step();
  if (check.integer(0) != 1) return refused("this release lost its lock on request " + id + "; nothing more is sent");
  return tx.commit();
}

void Service::free_release_lock(const std::string& id, const std::string& holder) {
  Transaction tx(home_.db);
  if (!tx.begin().ok()) return;
  auto st = home_.db.prepare("DELETE FROM release_locks WHERE request_id = ? AND holder = ?");
  if (!st) return;
  st->bind(1, id).bind(2, holder);
  if (st->done().ok()) (void)tx.commit();
}

Status Service::prove_release(const User& actor, const Request& r, AuditHead* head) {
  ChainReplay chain;
  AuditHead last{0, kGenesisHash};
  auto problems = home_.audit.verify(home_.db, {}, [&](const AuditRow& row) {
    chain.feed(row);
    last = AuditHead{row.seq, row.hash};
  });
  if (!problems) return problems.error();
  std::string why;
  if (!problems->empty()) {
    why = "the audit log does not verify (" + problems->front() + ")";
  } else {
    why = release_disproved(chain.state(), r, actor.name);
  }
  if (!why.empty()) {
    return refuse(&actor, "request_release", r.id, refused("release refused: " + why + "; nothing was sent"));
  }
  if (head) *head = last;
  return Status::OK();
}

Result<std::vector<std::string>> Service::verify_record(const User& actor) {
  if (auto s = check_can_read_audit(actor); !s.ok()) return refuse(&actor, "audit_verify", std::nullopt, s.error());
  // Folder releases keep their manifest: its audit head must be a row of the chain.
  std::vector<AuditAnchor> anchors;
  OUTCHECK_ASSIGN_OR_RETURN(auto ids, request_ids(home_.db));
  for (const auto& id : ids) {
    auto r = load_request(home_.db, id);
    if (!r || !*r || !(*r)->release_target) continue;
    const std::string& target = *(*r)->release_target;
    if (target.empty() || target.find("://") != std::string::npos) continue;
    std::filesystem::path manifest = std::filesystem::path(target) / (*r)->workspace / id / "manifest.json";
    std::ifstream in(manifest);
    if (!in) continue;  // not written yet (an interrupted release), or the folder is elsewhere now
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("audit_seq") || !j["audit_seq"].is_number_integer() || !j.contains("audit_head") ||
        !j["audit_head"].is_string()) {
      continue;  // manifests of 0.1.0 carry the head's hash alone
    }
    anchors.push_back({"the manifest of release " + id, j["audit_seq"].get<std::int64_t>(), j["audit_head"].get<std::string>()});
  }
  ChainReplay chain;
  OUTCHECK_ASSIGN_OR_RETURN(auto problems,
      home_.audit.verify(home_.db, anchors, [&](const AuditRow& row) { chain.feed(row); }));
  OUTCHECK_ASSIGN_OR_RETURN(auto tables, compare_with_tables(home_.db, chain.state()));
  problems.insert(problems.end(), tables.begin(), tables.end());
  return problems;
}

}  // namespace outcheck::db
