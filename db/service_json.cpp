#include "db/service_json.h"

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

}  // namespace outcheck::db
