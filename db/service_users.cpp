// Identity, users and the site policy.
#include <set>

#include "checker/policy_file.h"
#include "checker/sha256.h"
#include "checker/yaml_doc.h"
#include "db/service_internal.h"
#include "db/visibility.h"

namespace outcheck::db {

namespace {

const std::set<std::string> kRoles = {"researcher", "output-checker", "admin"};

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

// A change to users, the policy or memberships: its audit row is appended inside the change's
// transaction, both are committed together, and then the head is recorded.
Status commit_audited(Home& home, Transaction& tx, const std::string& user, const char* action, nlohmann::json details,
                      const std::string& at) {
  AuditEvent e;
  e.user = user;
  e.action = action;
  e.details = std::move(details);
  OUTCHECK_ASSIGN_OR_RETURN(auto head, home.audit.append(home.db, e, at));
  OUTCHECK_TRY(tx.commit());
  home.audit.record_head(head);
  return Status::OK();
}

}  // namespace

Error Service::refuse(const User* actor, const std::string& action, const std::optional<std::string>& request_id,
                      const Error& why, const std::optional<std::string>& path) {
  AuditEvent e;
  e.user = actor ? actor->name : "(unauthenticated)";
  e.action = "refused";
  e.request_id = request_id;
  e.path = path;
  e.details = {{"attempted", action}, {"reason", why.message}};
  // A reviewer's refused attempt (a vote without --override, say) says how they meant to judge:
  // it belongs to this turn's review and is blinded like their votes (visibility.h).
  if (actor && request_id) {
    auto r = load_request(home_.db, *request_id);
    if (r && *r && can_review(*actor, **r)) e.review_turn = (*r)->review_turn;
  }
  AuditHead head;
  if (append_audit(e, &head).ok()) home_.audit.record_head(head);
  return why;
}

Status Service::append_audit(const AuditEvent& event, AuditHead* head_out) {
  // A read (request show, say) writes its refusal or its file view here: through the home's writer
  // when the read opened the home read-only.
  OUTCHECK_ASSIGN_OR_RETURN(auto db, writable_db(home_));
  Transaction tx(*db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_ASSIGN_OR_RETURN(auto head, home_.audit.append(*db, event, now()));
  OUTCHECK_TRY(tx.commit());
  if (head_out) *head_out = head;
  return Status::OK();
}

Result<Request> Service::require_request(const std::string& id) {
  OUTCHECK_ASSIGN_OR_RETURN(auto r, load_request(home_.db, id));
  if (!r) return not_found("no request " + id + " (outcheck request list shows yours)");
  return std::move(*r);
}

Result<bool> Service::has_users() {
  OUTCHECK_ASSIGN_OR_RETURN(auto users, load_users(home_.db));
  return !users.empty();
}

Result<User> Service::authenticate(const std::optional<std::string>& token) {
  auto fail = [&](const std::string& why) { return refuse(nullptr, "authenticate", std::nullopt, refused(why)); };
  if (!token || token->empty()) {
    return fail("no token: set OUTCHECK_TOKEN or pass --token-file with your personal token");
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto user, user_by_token_hash(home_.db, token_hash(*token)));
  if (!user) return fail("the token is not known here");
  if (user->disabled) return fail("user " + user->name + " is disabled");
  return *user;
}

Result<std::string> Service::add_user(const User* actor, const std::string& name, const std::vector<std::string>& roles) {
  if (!valid_name(name)) {
    return invalid_input("user name '" + name + "': use 1 to 64 letters, digits, '.', '_' or '-'");
  }
  User u;
  u.name = name;
  for (const auto& r : roles) {
    if (!kRoles.count(r)) return invalid_input("role '" + r + "': use researcher, output-checker or admin");
    u.roles.insert(r);
  }
  if (u.roles.empty()) return invalid_input("a user needs at least one --role");
  u.created_at = now();
  std::string token = new_token();
  // Anyone may create the first user (who should be an admin); after that, only admins.
  OUTCHECK_ASSIGN_OR_RETURN(auto before, load_users(home_.db));
  const bool bootstrap = before.empty();
  if (!bootstrap) {
    if (!actor) return refuse(nullptr, "user_add", std::nullopt, refused("no token: only an admin can add users"));
    if (auto s = check_can_manage_users(*actor); !s.ok()) return refuse(actor, "user_add", std::nullopt, s.error());
  }
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_ASSIGN_OR_RETURN(auto users, load_users(home_.db));
  if (bootstrap && !users.empty()) {
    return refused("another user was created at the same moment; ask an admin to add you");
  }
  for (const auto& existing : users) {
    if (existing.name == name) return invalid_input("user " + name + " already exists");
  }
  OUTCHECK_TRY(insert_user(home_.db, u, token_hash(token)));
  AuditEvent e;
  e.user = actor ? actor->name : name;
  e.action = "user_add";
  e.details = {{"name", name}, {"roles", std::vector<std::string>(u.roles.begin(), u.roles.end())}};
  OUTCHECK_ASSIGN_OR_RETURN(auto head, home_.audit.append(home_.db, e, u.created_at));
  OUTCHECK_TRY(tx.commit());
  home_.audit.record_head(head);
  return token;
}

Result<std::vector<User>> Service::list_users(const User& actor) {
  if (auto s = check_can_manage_users(actor); !s.ok()) return refuse(&actor, "user_list", std::nullopt, s.error());
  return load_users(home_.db);
}

Status Service::disable_user(const User& actor, const std::string& name) {
  if (auto s = check_can_manage_users(actor); !s.ok()) return refuse(&actor, "user_disable", std::nullopt, s.error());
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_ASSIGN_OR_RETURN(auto users, load_users(home_.db));
  bool found = false;
  for (const auto& u : users) found |= u.name == name;
  if (!found) return not_found("no user " + name);
  OUTCHECK_TRY(set_user_disabled(home_.db, name, true));
  OUTCHECK_TRY(commit_audited(home_, tx, actor.name, "user_disable", {{"name", name}}, now()));
  return Status::OK();
}

Result<StoredPolicy> Service::set_policy_text(const User& actor, const std::string& name, const std::string& text) {
  if (auto s = check_can_set_policy(actor); !s.ok()) return refuse(&actor, "policy_set", std::nullopt, s.error());
  // A preset is stored as the one-line policy file that names it, so every site policy is a
  // policy file's text, reloaded and validated the same way.
  std::string content = text;
  if (content.empty()) {
    if (!rules::preset_policy(name)) {
      return invalid_input("policy " + name + ": not a preset (opensafely, sdc-handbook); give a policy file");
    }
    content = "extends: " + name + "\n";
  }
  OUTCHECK_TRY(checker::parse_policy_file(name, content));
  StoredPolicy stored{checker::sha256_hex(content), name, content};
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_TRY(store_policy(home_.db, stored));
  OUTCHECK_TRY(set_setting(home_.db, "site_policy", stored.sha256));
  OUTCHECK_TRY(commit_audited(home_, tx, actor.name, "policy_set", {{"name", name}, {"sha256", stored.sha256}}, now()));
  return stored;
}

Result<SitePolicy> load_site_policy(Database& db) {
  OUTCHECK_ASSIGN_OR_RETURN(auto sha, get_setting(db, "site_policy"));
  StoredPolicy stored{"", "opensafely", "extends: opensafely\n"};
  if (sha) {
    OUTCHECK_ASSIGN_OR_RETURN(auto found, load_policy_by_hash(db, *sha));
    if (!found) return io_error("the site policy " + *sha + " is missing from the database");
    stored = *found;
  } else {
    stored.sha256 = checker::sha256_hex(stored.content);
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto set, checker::parse_policy_file(stored.name, stored.content));
  return SitePolicy{stored, std::move(set)};
}

Result<ShownPolicy> Service::show_policy() {
  OUTCHECK_ASSIGN_OR_RETURN(auto site, load_site_policy(home_.db));
  return ShownPolicy{site.stored, site.policies.base->policy()};
}

}  // namespace outcheck::db

// ---- workspace membership (issue 15)

namespace outcheck::db {

namespace {

// Enforced when an admin said so (`workspace access members`), or, unless they said `open`, as soon
// as the home holds any grant (the upgrade of a home with requests grants their authors).
Result<bool> membership_enforced(Database& db) {
  OUTCHECK_ASSIGN_OR_RETURN(auto mode, get_setting(db, "workspace_access"));
  if (mode) return *mode == "members";
  OUTCHECK_ASSIGN_OR_RETURN(auto st, db.prepare("SELECT EXISTS (SELECT 1 FROM workspace_members)"));
  st.step();
  return st.integer(0) != 0;
}

}  // namespace

Status Service::check_workspace_member(const User& actor, const std::string& workspace) {
  OUTCHECK_ASSIGN_OR_RETURN(auto enforced, membership_enforced(home_.db));
  if (!enforced) return Status::OK();
  OUTCHECK_ASSIGN_OR_RETURN(auto st,
      home_.db.prepare("SELECT 1 FROM workspace_members WHERE workspace = ? AND user = ?"));
  st.bind(1, workspace).bind(2, actor.name);
  if (st.step()) return Status::OK();
  if (st.failed()) return st.error();
  return refused("you are not a member of workspace " + workspace +
                 "; an admin grants membership (outcheck workspace grant " + workspace + " " + actor.name + ")");
}

Status Service::grant_workspace(const User& actor, const std::string& workspace, const std::string& user) {
  if (auto s = check_can_manage_users(actor); !s.ok()) return refuse(&actor, "workspace_grant", std::nullopt, s.error());
  OUTCHECK_TRY(check_workspace_name(workspace));
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_ASSIGN_OR_RETURN(auto users, load_users(home_.db));
  bool found = false;
  for (const auto& u : users) found |= u.name == user;
  if (!found) return not_found("no user " + user);
  OUTCHECK_ASSIGN_OR_RETURN(auto st, home_.db.prepare(
      "INSERT OR IGNORE INTO workspace_members (workspace, user, granted_by, granted_at) VALUES (?,?,?,?)"));
  st.bind(1, workspace).bind(2, user).bind(3, actor.name).bind(4, now());
  OUTCHECK_TRY(st.done());
  OUTCHECK_TRY(commit_audited(home_, tx, actor.name, "workspace_grant", {{"workspace", workspace}, {"user", user}}, now()));
  return Status::OK();
}

Status Service::revoke_workspace(const User& actor, const std::string& workspace, const std::string& user) {
  if (auto s = check_can_manage_users(actor); !s.ok()) return refuse(&actor, "workspace_revoke", std::nullopt, s.error());
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_ASSIGN_OR_RETURN(auto st,
      home_.db.prepare("DELETE FROM workspace_members WHERE workspace = ? AND user = ?"));
  st.bind(1, workspace).bind(2, user);
  OUTCHECK_TRY(st.done());
  if (home_.db.changes() == 0) return not_found(user + " is not a member of workspace " + workspace);
  OUTCHECK_TRY(commit_audited(home_, tx, actor.name, "workspace_revoke", {{"workspace", workspace}, {"user", user}}, now()));
  return Status::OK();
}

Result<Membership> Service::list_workspace_members(const User& actor, const std::optional<std::string>& workspace) {
  if (auto s = check_can_manage_users(actor); !s.ok()) return refuse(&actor, "workspace_list", std::nullopt, s.error());
  OUTCHECK_ASSIGN_OR_RETURN(auto enforced, membership_enforced(home_.db));
  OUTCHECK_ASSIGN_OR_RETURN(auto st, home_.db.prepare(
      "SELECT workspace, user, granted_by, granted_at FROM workspace_members WHERE ?1 IS NULL OR workspace = ?1 "
      "ORDER BY workspace, user"));
  st.bind(1, workspace);
  Membership m{enforced, {}};
  while (st.step()) m.members.push_back({st.text(0), st.text(1), st.text(2), st.text(3)});
  if (st.failed()) return st.error();
  return m;
}

Status Service::set_workspace_access(const User& actor, const std::string& mode) {
  if (auto s = check_can_manage_users(actor); !s.ok()) return refuse(&actor, "workspace_access", std::nullopt, s.error());
  if (mode != "members" && mode != "open") return invalid_input("workspace access " + mode + ": use members or open");
  Transaction tx(home_.db);
  OUTCHECK_TRY(tx.begin());
  OUTCHECK_TRY(set_setting(home_.db, "workspace_access", mode));
  OUTCHECK_TRY(commit_audited(home_, tx, actor.name, "workspace_access", {{"mode", mode}}, now()));
  return Status::OK();
}

}  // namespace outcheck::db
