#include "db/service_json.h"

#include <optional>
#include <string_view>

#include "checker/policy_set.h"

namespace outcheck::db {

nlohmann::json file_changes_json(const FileChanges& changes, const char* verb) {
  nlohmann::json files = nlohmann::json::array();
  const bool removed = std::string_view(verb) == "removed";
  for (const ChangedFile& f : changes.changed) {
    if (removed) files.push_back(f.path);
    else files.push_back({{"path", f.path}, {"outcome", f.outcome}, {"sha256", f.sha256}});
  }
  nlohmann::json j{{"request", changes.request}, {verb, std::move(files)}};
  if (!removed) j["unchanged"] = changes.unchanged;
  return j;
}

nlohmann::json stored_policy_json(const StoredPolicy& policy) {
  return {{"name", policy.name}, {"sha256", policy.sha256}};
}

nlohmann::json shown_policy_json(const ShownPolicy& policy) {
  return {{"name", policy.stored.name},
          {"sha256", policy.stored.sha256},
          {"content", policy.stored.content},
          {"effective", checker::policy_to_json(policy.effective)}};
}

nlohmann::json membership_json(const Membership& membership) {
  nlohmann::json members = nlohmann::json::array();
  for (const WorkspaceMember& m : membership.members) {
    members.push_back(
        {{"workspace", m.workspace}, {"user", m.user}, {"granted_by", m.granted_by}, {"granted_at", m.granted_at}});
  }
  return {{"enforced", membership.enforced}, {"members", std::move(members)}};
}

nlohmann::json request_actions_json(const RequestActions& a) {
  return nlohmann::json{
      {"submit", a.submit},
      {"withdraw", a.withdraw},
      {"edit", a.edit},
      {"vote", a.vote},
      {"submit_review", a.submit_review},
      {"return", a.return_request},
      {"reject", a.reject},
      {"release", a.release},
      {"comment", a.comment},
      {"comment_private", a.comment_private},
  };
}

namespace {

template <class T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// The list row's keys, which the request view begins with.
nlohmann::json summary_fields(const Request& r, std::int64_t output_files) {
  return {{"id", r.id},
          {"workspace", r.workspace},
          {"author", r.author},
          {"status", status_name(r.status)},
          {"review_turn", r.review_turn},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at},
          {"submitted_at", or_null(r.submitted_at)},
          {"output_files", output_files}};
}

}  // namespace

nlohmann::json request_summary_json(const RequestSummary& row) { return summary_fields(row.head, row.output_files); }

nlohmann::json audit_row_json(const AuditRowView& row) {
  return {{"seq", row.seq},
          {"at", row.at},
          {"user", row.user},
          {"action", row.action},
          {"request", or_null(row.request)},
          {"path", or_null(row.path)},
          {"details", nlohmann::json::parse(row.details, nullptr, false)}};
}

nlohmann::json request_view_json(const RequestView& view) {
  const Request& r = view.request;
  nlohmann::json j = summary_fields(r, view.output_files);
  j["workspace_path"] = r.workspace_path;
  nlohmann::json groups = nlohmann::json::array();
  for (const GroupView& g : view.groups) {
    nlohmann::json comments = nlohmann::json::array();
    for (const CommentView& c : g.comments) {
      comments.push_back({{"author", c.author}, {"text", c.text}, {"visibility", c.visibility},
                          {"review_turn", c.review_turn}, {"created_at", c.created_at}});
    }
    groups.push_back({{"name", g.name}, {"context", g.context}, {"controls", g.controls}, {"comments", comments}});
  }
  j["groups"] = groups;
  nlohmann::json files = nlohmann::json::array();
  for (const FileView& fv : view.files) {
    const RequestFile& f = view.file_of(fv);
    // The check's report as stored when the file was added.
    const nlohmann::json report = nlohmann::json::parse(f.report, nullptr, false);
    const auto from_report = [&](const char* key, nlohmann::json fallback) {
      return report.is_object() ? report.value(key, fallback) : fallback;
    };
    nlohmann::json votes = nlohmann::json::array();
    for (const VoteView& v : fv.votes) {
      nlohmann::json vj{{"reviewer", v.reviewer}, {"vote", v.vote}, {"review_turn", v.review_turn}};
      if (v.comment) vj["comment"] = *v.comment;
      if (v.override_reason) vj["override"] = *v.override_reason;
      votes.push_back(vj);
    }
    files.push_back({{"path", f.relpath},
                     {"group", f.group},
                     {"type", f.filetype},
                     {"sha256", f.sha256},
                     {"size", f.size},
                     {"privacy", f.privacy},
                     {"outcome", f.outcome},
                     {"findings", from_report("findings", nlohmann::json::array())},
                     {"finding_counts", from_report("finding_counts", nlohmann::json::object())},
                     // The job that wrote it, from job-runner's manifest when the workspace had one.
                     {"job", from_report("job", nlohmann::json(nullptr))},
                     {"decision", or_null(fv.decision)},
                     {"votes", votes},
                     {"workspace_status", fv.workspace_status}});
  }
  j["files"] = files;
  nlohmann::json reviews = nlohmann::json::array();
  for (const auto& [name, at] : view.reviews_submitted) reviews.push_back({{"reviewer", name}, {"submitted_at", at}});
  j["reviews_submitted"] = reviews;
  j["workspace_problem"] = or_null(view.workspace_problem);
  j["release_target"] = or_null(r.release_target);
  j["release_problem"] = view.release_problem ? nlohmann::json{{"at", view.release_problem->at},
                                                               {"problem", view.release_problem->problem}}
                                              : nlohmann::json(nullptr);
  j["release_interrupted"] = view.release_interrupted ? view.release_interrupted->to_json() : nlohmann::json(nullptr);
  return j;
}

}  // namespace outcheck::db
