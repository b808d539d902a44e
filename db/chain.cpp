#include "db/chain.h"

#include <nlohmann/json.hpp>

#include "db/request_store.h"

namespace outcheck::db {

namespace {

std::string text_of(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

void clear_turn(ChainRequest& r, std::int64_t turn) {
  r.turn = turn;
  r.reviews.clear();
}

}  // namespace

void ChainReplay::feed(const AuditRow& row) {
  ChainState& s = state_;
  {
    const AuditEvent& e = row.event;
    const std::string& a = e.action;
    if (a == "refused" || a == "file_view" || a == "comment" || a == "file_upload" || a == "release_stopped") return;
    if (!e.request_id && a != "user_add" && a != "user_disable") return;
    static const std::set<std::string> kReadsDetails = {"user_add", "user_disable", "request_create", "file_add",
                                                        "file_update", "vote", "status_change"};
    const nlohmann::json details =
        kReadsDetails.count(a) ? nlohmann::json::parse(row.details, nullptr, false) : nlohmann::json();
    if (a == "user_add") {
      ChainUser& u = s.users[text_of(details, "name")];
      u.roles.clear();
      if (details.is_object() && details.contains("roles") && details["roles"].is_array()) {
        for (const auto& r : details["roles"]) {
          if (r.is_string()) u.roles.insert(r.get<std::string>());
        }
      }
      return;
    }
    if (a == "user_disable") {
      s.users[text_of(details, "name")].disabled = true;
      return;
    }
    if (!e.request_id) return;
    if (a == "request_create") {
      ChainRequest& r = s.requests[*e.request_id];
      r.author = e.user;
      r.workspace = text_of(details, "workspace");
      r.status = "pending";
      r.turn = e.review_turn.value_or(1);
      return;
    }
    auto it = s.requests.find(*e.request_id);
    if (it == s.requests.end()) return;  // a request with no creation row: compare_with_tables says so
    ChainRequest& r = it->second;
    const std::int64_t turn = e.review_turn.value_or(r.turn);
    const std::string path = e.path.value_or("");
    if (a == "file_add") {
      r.files[path] = ChainFile{text_of(details, "sha256"), text_of(details, "filetype"), {}};
    } else if (a == "file_update") {
      auto f = r.files.find(path);
      if (f != r.files.end()) {
        f->second.sha256 = text_of(details, "sha256");
        f->second.votes.clear();
      }
    } else if (a == "file_remove") {
      if (r.status == "pending") r.files.erase(path);
      else if (auto f = r.files.find(path); f != r.files.end()) f->second.filetype = "withdrawn";
    } else if (a == "request_submit" || a == "request_resubmit") {
      if (a == "request_resubmit") {
        for (auto& [p, f] : r.files) {
          for (auto& [who, v] : f.votes) {
            if (v == "changes_requested") v = "undecided";
          }
        }
      }
      clear_turn(r, turn);
      r.status = "submitted";
    } else if (a == "vote") {
      if (auto f = r.files.find(path); f != r.files.end()) f->second.votes[e.user] = text_of(details, "vote");
      r.turn = turn;
    } else if (a == "review_submit") {
      r.reviews.insert(e.user);
    } else if (a == "status_change") {
      r.status = text_of(details, "to");
    } else if (a == "request_return" || a == "request_early_return") {
      if (a == "request_early_return") {
        // This turn's votes were undone; votes of earlier turns that carried over stay.
        for (auto& [p, f] : r.files) {
          for (auto& [who, v] : f.votes) {
            if (r.vote_turns.count({p, who}) && r.vote_turns[{p, who}] == r.turn) v = "undecided";
          }
        }
      }
      clear_turn(r, turn);
      r.status = "returned";
    } else if (a == "request_reject") {
      r.status = "rejected";
    } else if (a == "request_withdraw") {
      r.status = "withdrawn";
    } else if (a == "request_approve") {
      r.status = "approved";
    } else if (a == "request_released") {
      r.status = "released";
    }
    if (a == "vote") r.vote_turns[{path, e.user}] = turn;
  }
}

Result<std::vector<std::string>> compare_with_tables(Database& db, const ChainState& chain) {
  std::vector<std::string> problems;
  std::set<std::string> tables;  // each named once, with its first disagreement
  auto disagree = [&](const std::string& table, const std::string& what) {
    if (tables.insert(table).second) problems.push_back(table + " disagrees with the audit chain: " + what);
  };
  OUTCHECK_ASSIGN_OR_RETURN(auto users, load_users(db));
  for (const auto& u : users) {
    auto c = chain.users.find(u.name);
    if (c == chain.users.end()) {
      disagree("users", "user " + u.name + " was never added");
    } else if (c->second.roles != u.roles) {
      disagree("users", "user " + u.name + "'s roles are not those they were added with");
    } else if (c->second.disabled && !u.disabled) {
      disagree("users", "user " + u.name + " was disabled");
    }
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto ids, request_ids(db));
  for (const auto& id : ids) {
    OUTCHECK_ASSIGN_OR_RETURN(auto loaded, load_request(db, id));
    if (!loaded) continue;
    const Request& r = *loaded;
    auto c = chain.requests.find(id);
    if (c == chain.requests.end()) {
      disagree("requests", "request " + id + " was never created");
      continue;
    }
    const ChainRequest& h = c->second;
    if (h.author != r.author) disagree("requests", "request " + id + "'s author is " + h.author + ", not " + r.author);
    if (h.status != status_name(r.status)) {
      disagree("requests", "request " + id + " is " + h.status + ", not " + status_name(r.status));
    }
    if (h.turn != r.review_turn) disagree("requests", "request " + id + "'s review turn is " + std::to_string(h.turn));
    std::set<std::string> reviews;
    for (const auto& [who, at] : r.submitted_reviews) reviews.insert(who);
    if (reviews != h.reviews) disagree("submitted_reviews", "request " + id + "'s reviews of this turn differ");
    std::size_t files = 0;
    for (const auto& f : r.files) {
      auto cf = h.files.find(f.relpath);
      if (cf == h.files.end()) {
        disagree("request_files", "request " + id + " has " + f.relpath + ", which was never added");
        continue;
      }
      ++files;
      if (cf->second.sha256 != f.sha256 || cf->second.filetype != f.filetype) {
        disagree("request_files", "request " + id + "'s " + f.relpath + " is not the file added");
      }
      std::map<std::string, std::string> votes;
      for (const auto& v : f.votes) votes[v.reviewer] = vote_name(v.vote);
      if (votes != cf->second.votes) disagree("votes", "request " + id + "'s votes on " + f.relpath + " differ");
    }
    if (files != h.files.size()) disagree("request_files", "request " + id + " lost a file");
  }
  return problems;
}

std::string release_disproved(const ChainState& chain, const Request& r, const std::string& actor) {
  auto c = chain.requests.find(r.id);
  if (c == chain.requests.end()) return "the audit log has no record of request " + r.id + " being created";
  const ChainRequest& h = c->second;
  if (h.status != status_name(r.status) || h.turn != r.review_turn || h.author != r.author) {
    return "the audit log says request " + r.id + " is " + h.status + " in turn " + std::to_string(h.turn) +
           " by " + h.author + "; the database says " + status_name(r.status) + " in turn " +
           std::to_string(r.review_turn) + " by " + r.author;
  }
  if (h.status != "reviewed" && h.status != "approved" && h.status != "released") {
    return "the audit log shows request " + r.id + " " + h.status + ", not reviewed";
  }
  auto is_checker = [&](const std::string& name) {
    auto u = chain.users.find(name);
    return u != chain.users.end() && !u->second.disabled && u->second.roles.count("output-checker");
  };
  if (!is_checker(actor) || actor == h.author) {
    return "the audit log does not show " + actor + " as an output checker who may release this request";
  }
  std::size_t outputs = 0;
  for (const auto& [path, f] : h.files) outputs += f.filetype == "output";
  std::size_t matched = 0;
  for (const auto& f : r.files) {
    if (f.filetype != "output") continue;
    auto cf = h.files.find(f.relpath);
    if (cf == h.files.end() || cf->second.filetype != "output" || cf->second.sha256 != f.sha256) {
      return f.relpath + ": the audit log does not show this file (sha256 " + f.sha256 + ") added as an output";
    }
    ++matched;
    std::set<std::string> approvers;
    for (const auto& [who, v] : cf->second.votes) {
      if (v == "approved" && h.reviews.count(who) && who != h.author && is_checker(who)) approvers.insert(who);
    }
    if (approvers.size() < 2) {
      return f.relpath + ": the audit log shows " + std::to_string(approvers.size()) +
             " approval(s) in this turn by output checkers other than the author; two are needed";
    }
  }
  if (matched != outputs) return "the audit log shows output files that the database no longer lists";
  return "";
}

}  // namespace outcheck::db
