#include "web/pages.h"

#include <set>

#include "checker/report.h"
#include "checker/sha256.h"
#include "release/release_record.h"
#include "web/csv_table.h"
#include "web/html.h"

using nlohmann::json;

namespace outcheck::web {

namespace {

std::string str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// A list field, or an empty list (never a temporary to iterate over).
const json& items(const json& j, const char* key) {
  static const json empty = json::array();
  return j.is_object() && j.contains(key) && (j[key].is_array() || j[key].is_object()) ? j[key] : empty;
}

std::string csrf_field(const PageContext& ctx) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(ctx.csrf) + "\">";
}

// Links only admins can use: membership is theirs to manage.
std::string admin_links(const PageContext& ctx) {
  if (!ctx.me.is_object() || !ctx.me.contains("roles")) return "";
  for (const auto& r : ctx.me["roles"]) {
    if (r == "admin") return "<a class=\"nav-link\" href=\"/workspaces\">workspaces</a>";
  }
  return "";
}

std::string layout(const PageContext& ctx, const std::string& title, const std::string& body) {
  std::string h =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + escape(title) + " - outcheck</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body>"
      "<header class=\"top\"><a class=\"brand\" href=\"/requests\">outcheck</a>";
  if (ctx.me.is_object()) {
    std::string roles;
    for (const auto& r : ctx.me["roles"]) roles += (roles.empty() ? "" : ", ") + r.get<std::string>();
    h += "<span class=\"who\">signed in as <strong id=\"me\">" + escape(str(ctx.me, "name")) + "</strong> (" + escape(roles) +
         ")</span><a class=\"nav-link\" href=\"/audit\">audit log</a>" + admin_links(ctx) + "<form class=\"inline\" method=\"post\" action=\"/logout\">" + csrf_field(ctx) +
         "<button type=\"submit\">Sign out</button></form>";
  }
  h += "</header><main>";
  if (!ctx.flash.empty()) {
    h += std::string("<div class=\"flash") + (ctx.flash_is_error ? " error" : "") + "\" role=\"" +
         (ctx.flash_is_error ? "alert" : "status") + "\">" + escape(ctx.flash) + "</div>";
  }
  h += body + "</main><script src=\"/static/app.js\"></script></body></html>";
  return h;
}

std::string outcome_badge(const std::string& outcome) {
  const char* icon = outcome == "fail" ? "&#x2716; " : outcome == "review" ? "&#x26A0; " : outcome == "pass" ? "&#x2714; " : "";
  return "<span class=\"outcome-" + escape(outcome) + "\">" + icon + escape(outcome) + "</span>";
}

std::string file_link(const std::string& id, const std::string& path) {
  return "/requests/" + url_encode(id) + "/file?path=" + url_encode(path);
}

const char* kStatuses[] = {"submitted", "partially_reviewed", "reviewed", "returned", "pending",
                           "approved", "released", "rejected", "withdrawn"};

}  // namespace

std::string login_page(const std::string& login_csrf, const std::string& error) {
  PageContext ctx;
  ctx.flash = error;
  ctx.flash_is_error = !error.empty();
  return layout(ctx, "Sign in",
                "<h1>Sign in</h1><form method=\"post\" action=\"/login\" class=\"action\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(login_csrf) + "\">"
                "<label for=\"token\">Personal token</label> <input id=\"token\" name=\"token\" type=\"password\" "
                "autocomplete=\"off\" size=\"50\" required> <button type=\"submit\">Sign in</button></form>"
                "<p class=\"muted\">Your token was shown once when your account was made (outcheck user add).</p>");
}

namespace {

// The list's address with these parameters (empty values left out).
std::string list_url(const std::string& path, const ListQuery& q) {
  std::string url = path;
  char sep = '?';
  for (const auto& [k, v] : q) {
    if (v.empty()) continue;
    url += sep + url_encode(k) + "=" + url_encode(v);
    sep = '&';
  }
  return url;
}

std::string value_of(const ListQuery& q, const char* key) {
  auto it = q.find(key);
  return it == q.end() ? "" : it->second;
}

std::string text_input(const ListQuery& q, const char* name, const char* label) {
  return "<label>" + std::string(label) + " <input name=\"" + name + "\" size=\"14\" value=\"" +
         escape(value_of(q, name)) + "\"></label> ";
}

// "Next page" while more remain, and a way back to the first.
std::string pager(const std::string& path, const ListQuery& q, const std::optional<std::string>& next, bool on_later_page) {
  std::string b = "<p class=\"nav pager\">";
  if (on_later_page) {
    ListQuery first = q;
    first.erase("cursor");
    b += "<a id=\"first-page\" href=\"" + escape(list_url(path, first)) + "\">first page</a>";
  }
  if (next) {
    ListQuery after = q;
    after["cursor"] = *next;
    b += "<a id=\"next-page\" rel=\"next\" href=\"" + escape(list_url(path, after)) + "\">next page &rarr;</a>";
  }
  return b + "</p>";
}

}  // namespace

std::string requests_page(const PageContext& ctx, const json& requests, const ListQuery& filters,
                          const std::optional<std::string>& next) {
  const std::string status = value_of(filters, "state");
  ListQuery nav = filters;
  nav.erase("cursor");
  nav.erase("state");
  std::string b = "<h1>Release requests</h1><p class=\"nav\">Status: <a href=\"" + escape(list_url("/requests", nav)) + "\"" +
                  std::string(status.empty() ? " class=\"current\"" : "") + ">all</a>";
  for (const char* s : kStatuses) {
    ListQuery with = nav;
    with["state"] = s;
    b += "<a href=\"" + escape(list_url("/requests", with)) + "\"" + (status == s ? " class=\"current\"" : "") + ">" + s + "</a>";
  }
  b += "</p><form class=\"filters\" method=\"get\" action=\"/requests\">";
  if (!status.empty()) b += "<input type=\"hidden\" name=\"state\" value=\"" + escape(status) + "\">";
  b += text_input(filters, "workspace", "workspace") + text_input(filters, "author", "author") +
       "<label><input type=\"checkbox\" name=\"needs\" value=\"my-vote\"" +
       (value_of(filters, "needs") == "my-vote" ? " checked" : "") + "> needs my vote</label> "
       "<button type=\"submit\">Filter</button></form>";
  const bool later = filters.count("cursor") > 0;
  if (requests.empty()) {
    return layout(ctx, "Requests", b + "<p>No requests" + (later ? " after these" : filters.size() > 0 ? " match" : "") + ".</p>" +
                                       pager("/requests", filters, next, later));
  }
  // Grouped by status, in the order a reviewer works through them.
  for (const char* s : kStatuses) {
    std::string rows;
    for (const auto& r : requests) {
      if (str(r, "status") != s) continue;
      rows += "<tr><td><a href=\"/requests/" + url_encode(str(r, "id")) + "\">" + escape(str(r, "id")) + "</a></td><td>" +
              escape(str(r, "workspace")) + "</td><td>" + escape(str(r, "author")) + "</td><td>" +
              std::to_string(r.value("output_files", 0)) + "</td><td>" + escape(str(r, "updated_at")) + "</td></tr>";
    }
    if (rows.empty()) continue;
    b += "<h2 id=\"status-" + std::string(s) + "\">" + s + "</h2><table class=\"list\"><thead><tr><th>request</th>"
         "<th>workspace</th><th>author</th><th>output files</th><th>updated</th></tr></thead><tbody>" + rows + "</tbody></table>";
  }
  return layout(ctx, "Requests", b + pager("/requests", filters, next, later));
}

std::string audit_page(const PageContext& ctx, const json& rows, const ListQuery& filters,
                       const std::optional<std::string>& next) {
  std::string b = "<h1>Audit log</h1><form class=\"filters\" method=\"get\" action=\"/audit\">" +
                  text_input(filters, "request", "request") + text_input(filters, "user", "user") +
                  text_input(filters, "event", "event (or changes)") + text_input(filters, "since", "since") +
                  text_input(filters, "until", "until") + "<button type=\"submit\">Filter</button></form>";
  const bool later = filters.count("cursor") > 0;
  b += "<table class=\"list audit\" id=\"audit-rows\"><thead><tr><th>#</th><th>when</th><th>who</th><th>what</th>"
       "<th>request</th><th>file</th></tr></thead><tbody>";
  for (const auto& a : rows) {
    const std::string rid = a["request"].is_string() ? a["request"].get<std::string>() : "";
    b += "<tr><td>" + std::to_string(a.value("seq", 0)) + "</td><td>" + escape(str(a, "at")) + "</td><td>" +
         escape(str(a, "user")) + "</td><td>" + escape(str(a, "action")) + "</td><td>" +
         (rid.empty() ? "" : "<a href=\"/requests/" + url_encode(rid) + "\">" + escape(rid) + "</a>") + "</td><td>" +
         (a["path"].is_string() ? escape(a["path"].get<std::string>()) : "") + "</td></tr>";
  }
  b += "</tbody></table>";
  if (rows.empty()) b += "<p>No audit rows" + std::string(later ? " after these" : "") + ".</p>";
  return layout(ctx, "Audit log", b + pager("/audit", filters, next, later));
}

std::string workspaces_page(const PageContext& ctx, const json& members) {
  const bool enforced = members.value("enforced", false);
  std::string b = "<h1>Workspace membership</h1><p id=\"workspace-access\">" +
                  std::string(enforced ? "Researchers create requests only for workspaces they are members of."
                                       : "Not enforced yet: any researcher may create a request for any workspace "
                                         "(granting a membership, or the button below, turns it on).") +
                  "</p>";
  b += "<form class=\"action\" method=\"post\" action=\"/workspaces/access\">" + csrf_field(ctx) +
       "<input type=\"hidden\" name=\"mode\" value=\"" + std::string(enforced ? "open" : "members") +
       "\"><button type=\"submit\">" + (enforced ? "Open every workspace to every researcher" : "Enforce membership") +
       "</button></form>";
  b += "<h2>Grant</h2><form class=\"action\" id=\"grant\" method=\"post\" action=\"/workspaces/grant\">" +
       csrf_field(ctx) +
       "<label>workspace <input name=\"workspace\" required></label> <label>user <input name=\"user\" required></label> "
       "<button type=\"submit\">Grant</button></form>";
  b += "<h2>Members</h2><table class=\"list\" id=\"members\"><thead><tr><th>workspace</th><th>user</th><th>granted by</th>"
       "<th>when</th><th></th></tr></thead><tbody>";
  for (const auto& m : members.value("members", json::array())) {
    b += "<tr><td>" + escape(str(m, "workspace")) + "</td><td>" + escape(str(m, "user")) + "</td><td>" +
         escape(str(m, "granted_by")) + "</td><td>" + escape(str(m, "granted_at")) + "</td><td>" +
         "<form class=\"inline\" method=\"post\" action=\"/workspaces/revoke\">" + csrf_field(ctx) +
         "<input type=\"hidden\" name=\"workspace\" value=\"" + escape(str(m, "workspace")) +
         "\"><input type=\"hidden\" name=\"user\" value=\"" + escape(str(m, "user")) +
         "\"><button type=\"submit\">Revoke</button></form></td></tr>";
  }
  b += "</tbody></table>";
  if (members.value("members", json::array()).empty()) b += "<p>No memberships granted.</p>";
  return layout(ctx, "Workspace membership", b);
}

namespace {

// Once released, the record (issue 16): its sha256 from the request_released row, and the copy the
// viewer may see (`record`, GET /api/requests/ID/release-record: as released for the request's
// reviewers, without private comments for its author) to download as JSON or HTML from the
// server's own pages, or to open in place.
std::string release_record_section(const std::string& id, const json& record, const json& audit) {
  std::string sha;
  for (const auto& a : audit) {
    if (!a.is_object() || !a.contains("details") || !a["details"].is_object()) continue;
    const json& d = a["details"];
    if (str(a, "action") == "request_released" && d.contains("release_record_sha256")) sha = str(d, "release_record_sha256");
  }
  if (!record.is_object() && sha.empty()) return "";
  std::string b = "<h2>Release record</h2><p id=\"release-record\">";
  if (!sha.empty()) b += "sha256 of the record as released: <code>" + escape(sha) + "</code>. ";
  if (!record.is_object()) return b + "</p>";
  const std::string text = release::release_record_text(record);
  const bool whole = !sha.empty() && checker::sha256_hex(text) == sha;
  const std::string base = "/requests/" + url_encode(id) + "/release-record";
  b += "<a id=\"release-record-json\" href=\"" + escape(base) + ".json\">Download release-record.json</a> &middot; "
       "<a id=\"release-record-html\" href=\"" + escape(base) + ".html\">Download release-record.html</a>";
  if (!whole) b += " (the copy you may see: private comments are left out)";
  b += "</p><details><summary>Open the record</summary><pre class=\"release-record\">" +
       escape(text) + "</pre></details>";
  return b;
}

}  // namespace

std::string request_page(const PageContext& ctx, const json& r, const json& actions, const json& audit,
                         const std::string& release_to, const std::string& audit_more, const json& release_record) {
  const std::string id = str(r, "id");
  const std::string base = "/requests/" + url_encode(id) + "/";
  auto form = [&](const std::string& action, const std::string& inner) {
    return "<form class=\"action\" method=\"post\" action=\"" + base + action + "\">" + csrf_field(ctx) + inner + "</form>";
  };
  std::string b = "<h1>Request <span id=\"request-id\">" + escape(id) + "</span></h1><p>Workspace <strong>" +
                  escape(str(r, "workspace")) + "</strong>, by <strong>" + escape(str(r, "author")) +
                  "</strong>. Status: <span class=\"status\" id=\"request-status\">" + escape(str(r, "status")) +
                  "</span>, review turn " + std::to_string(r.value("review_turn", 0)) + ".</p>";
  if (r.contains("release_interrupted") && r["release_interrupted"].is_object()) {
    b += "<div class=\"flash error\" role=\"alert\">" + escape(str(r["release_interrupted"], "message")) + "</div>";
  }
  if (r.contains("release_problem") && r["release_problem"].is_object()) {
    b += "<div class=\"flash error\" role=\"alert\">Release stopped at " + escape(str(r["release_problem"], "at")) + ": " +
         escape(str(r["release_problem"], "problem")) + "</div>";
  }
  if (r.contains("workspace_problem") && r["workspace_problem"].is_string()) {
    b += "<div class=\"flash error\" role=\"alert\">" + escape(r["workspace_problem"].get<std::string>()) + "</div>";
  }
  std::set<std::string> votable;
  for (const auto& p : items(actions, "vote")) votable.insert(p.get<std::string>());

  for (const auto& g : items(r, "groups")) {
    const std::string gname = str(g, "name");
    b += "<section class=\"group\"><h2>Group " + escape(gname) + "</h2><p><strong>Context:</strong> " +
         (str(g, "context").empty() ? "<em class=\"muted\">none yet</em>" : escape(str(g, "context"))) +
         "</p><p><strong>Disclosure controls:</strong> " +
         (str(g, "controls").empty() ? "<em class=\"muted\">none yet</em>" : escape(str(g, "controls"))) + "</p>";
    b += "<table class=\"list files\"><thead><tr><th>file</th><th>type</th><th>check</th><th>findings</th><th>decision</th>"
         "<th>votes</th></tr></thead><tbody>";
    for (const auto& f : items(r, "files")) {
      if (str(f, "group") != gname) continue;
      const std::string path = str(f, "path");
      std::string findings;
      int shown = 0;
      for (const auto& x : items(f, "findings")) {
        if (shown++ == 5) break;
        std::string title = escape(finding_title(x));
        if (x.contains("row") && x["row"].is_number_integer()) {  // a link to the row in the file view
          title = "<a href=\"" + file_link(id, path) + "#r" + std::to_string(x["row"].get<std::int64_t>()) + "\">" + title + "</a>";
        }
        findings += "<li>" + title + "</li>";
      }
      const std::int64_t total = finding_total(f);
      if (total > 5) findings += "<li class=\"muted\">" + std::to_string(total - 5) + " more in the file view</li>";
      std::string votes;
      for (const auto& v : items(f, "votes")) {
        votes += "<div>" + escape(str(v, "reviewer")) + ": " + escape(str(v, "vote"));
        if (v.contains("comment")) votes += " &ldquo;" + escape(str(v, "comment")) + "&rdquo;";
        if (v.contains("override")) votes += " (override: " + escape(str(v, "override")) + ")";
        votes += "</div>";
      }
      b += "<tr data-path=\"" + escape(path) + "\"><td><a class=\"file-link\" href=\"" + file_link(id, path) + "\">" + escape(path) + "</a>" +
           (str(f, "workspace_status") == "updated" ? " <em class=\"muted\">(changed in the workspace)</em>" : "") +
           (f.contains("job") && f["job"].is_object() ? "<div class=\"muted job\">" + escape(checker::job_sentence(f["job"])) + "</div>" : "") +
           "</td><td>" + escape(str(f, "type")) + "</td><td>" + outcome_badge(str(f, "outcome")) + "</td><td>" +
           (findings.empty() ? "" : "<ul class=\"findings\">" + findings + "</ul>") + "</td><td>" +
           (f["decision"].is_string() ? escape(f["decision"].get<std::string>()) : "") + "</td><td>" + votes + "</td></tr>";
      if (votable.count(path)) {
        const bool fails = str(f, "outcome") == "fail";
        b += "<tr class=\"vote-row\"><td colspan=\"6\">" +
             form("vote", "<input type=\"hidden\" name=\"path\" value=\"" + escape(path) + "\">"
                  "<strong>Vote on " + escape(path) + ":</strong> "
                  "<label><input type=\"radio\" name=\"vote\" value=\"approve\" required> approve</label>"
                  "<label><input type=\"radio\" name=\"vote\" value=\"request-changes\"> request changes</label>"
                  "<label>comment <input name=\"comment\" size=\"40\"></label>" +
                  (fails ? "<label>override reason (the file has fail findings) <input name=\"override\" size=\"40\"></label>" : "") +
                  "<button type=\"submit\">Vote</button>") +
             "</td></tr>";
      }
    }
    b += "</tbody></table>";
    for (const auto& c : items(g, "comments")) {
      b += "<p class=\"comment\"><strong>" + escape(str(c, "author")) + "</strong> <span class=\"muted\">(" +
           escape(str(c, "visibility")) + ", turn " + std::to_string(c.value("review_turn", 0)) + ", " +
           escape(str(c, "created_at")) + ")</span>: " + escape(str(c, "text")) + "</p>";
    }
    if (actions.value("comment", false)) {
      b += form("comment", "<input type=\"hidden\" name=\"group\" value=\"" + escape(gname) + "\">"
                "<label for=\"comment-" + escape(gname) + "\">Comment on " + escape(gname) + "</label>"
                "<textarea id=\"comment-" + escape(gname) + "\" name=\"text\" required></textarea>" +
                (actions.value("comment_private", false) ? "<label><input type=\"checkbox\" name=\"private\" value=\"1\"> "
                                                           "private (output checkers only)</label>" : "") +
                "<button type=\"submit\">Add comment</button>");
    }
    b += "</section>";
  }

  std::string buttons;
  auto button = [&](const char* key, const char* action, const char* label, const std::string& extra = "") {
    if (actions.value(key, false)) buttons += form(action, extra + "<button type=\"submit\">" + std::string(label) + "</button>");
  };
  button("submit", "submit", "Submit for review");
  button("submit_review", "review", "Submit my review");
  button("return", "return", "Return to author");
  button("reject", "reject", "Reject");
  if (!release_to.empty()) button("release", "release", ("Release to " + escape(release_to)).c_str());
  button("withdraw", "withdraw", "Withdraw");
  if (!buttons.empty()) b += "<h2>Actions</h2>" + buttons;

  b += release_record_section(id, release_record, audit);

  b += "<h2>Audit trail</h2><table class=\"list audit\"><thead><tr><th>#</th><th>when</th><th>who</th><th>what</th>"
       "<th>file</th></tr></thead><tbody>";
  for (const auto& a : audit) {
    b += "<tr><td>" + std::to_string(a.value("seq", 0)) + "</td><td>" + escape(str(a, "at")) + "</td><td>" +
         escape(str(a, "user")) + "</td><td>" + escape(str(a, "action")) + "</td><td>" +
         (a["path"].is_string() ? escape(a["path"].get<std::string>()) : "") + "</td></tr>";
  }
  b += "</tbody></table>";
  if (!audit_more.empty()) b += "<p><a id=\"audit-more\" href=\"" + escape(audit_more) + "\">more of this trail in the audit log</a></p>";
  return layout(ctx, "Request " + id, b);
}

std::string file_page(const PageContext& ctx, const json& r, const json& f, const std::string& body,
                      const std::string& toolbar) {
  const std::string id = str(r, "id");
  std::string b = "<p><a href=\"/requests/" + url_encode(id) + "\">&larr; request " + escape(id) + "</a></p><h1>" +
                  escape(str(f, "path")) + "</h1><p>" + escape(str(f, "type")) + " file, " +
                  std::to_string(f.value("size", 0)) + " bytes, sha256 <code>" + escape(str(f, "sha256")) +
                  "</code>. Check: " + outcome_badge(str(f, "outcome")) + "</p>";
  // Provenance: the job that wrote it, from job-runner's manifest when the workspace had one.
  if (f.contains("job") && f["job"].is_object()) {
    b += "<p class=\"job\" id=\"job\">" + escape(checker::job_sentence(f["job"])) + "</p>";
  }
  std::string file_level;
  for (const auto& x : items(f, "findings")) {
    if (!x.contains("row") && !x.contains("column")) file_level += "<li>" + escape(finding_title(x)) + "</li>";
  }
  if (!file_level.empty()) b += "<h2>File findings</h2><ul class=\"findings\">" + file_level + "</ul>";
  return layout(ctx, str(f, "path"), b + toolbar + body);
}

std::string error_page(const PageContext& ctx, int status, const std::string& message) {
  return layout(ctx, "Error", "<h1>" + std::to_string(status) + "</h1><div class=\"flash error\" role=\"alert\">" +
                                  escape(message) + "</div><p><a href=\"/requests\">Requests</a></p>");
}

}  // namespace outcheck::web
