#pragma once
// The JSON each typed result of the service is given as: the API's replies (interface.md) and the
// release record's copy of the site policy. One place, so the server and the record agree.
#include <nlohmann/json.hpp>

#include "db/service.h"

namespace outcheck::db {

// {"request", "<verb>": [{"path", "outcome", "sha256"}], "unchanged": [paths]}, verb "added" or
// "updated"; for "removed" the list holds the paths alone and there is no "unchanged".
nlohmann::json file_changes_json(const FileChanges& changes, const char* verb);
// {"name", "sha256"}: what policy set stored.
nlohmann::json stored_policy_json(const StoredPolicy& policy);
// {"name", "sha256", "content", "effective"}: the site policy and every key it puts in force.
nlohmann::json shown_policy_json(const ShownPolicy& policy);
// {"enforced", "members": [{"workspace", "user", "granted_by", "granted_at"}]}
nlohmann::json membership_json(const Membership& membership);

}  // namespace outcheck::db
