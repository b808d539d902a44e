#include "release/release_record.h"

#include <map>
#include <tuple>

#include "checker/html_text.h"
#include "checker/json_text.h"

namespace outcheck::release {

using nlohmann::json;

namespace {

json opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json vote_json(const db::VoteRecord& v) {
  json j{{"reviewer", v.reviewer}, {"vote", db::vote_name(v.vote)}, {"review_turn", v.review_turn}, {"at", v.updated_at}};
  if (v.comment) j["comment"] = *v.comment;
  if (v.override_reason) j["override"] = *v.override_reason;
  return j;
}

// Each reviewer's vote per review turn on `path` (the last one they cast in that turn), ordered by
// turn and reviewer; a current vote the log has no row for (a home from before votes were logged
// with their turn) is added as the tables hold it.
json votes_of(const RecordInputs& in, const db::RequestFile& f) {
  std::map<std::pair<std::int64_t, std::string>, db::VoteRecord> last;
  for (const auto& p : in.votes) {
    if (p.path == f.relpath) last[{p.vote.review_turn, p.vote.reviewer}] = p.vote;
  }
  for (const auto& v : f.votes) {
    last.emplace(std::pair{v.review_turn, v.reviewer}, v);
  }
  json out = json::array();
  for (const auto& [key, v] : last) out.push_back(vote_json(v));
  return out;
}

std::string esc(const std::string& s) { return checker::html_escape(s); }

// A value as text for the page: strings as they are, anything else as compact JSON.
std::string text_of(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return checker::json_text(j);
}

std::string field(const json& j, const char* key) {
  return j.is_object() && j.contains(key) ? esc(text_of(j[key])) : "";
}

const json& sub(const json& j, const char* key) {
  static const json empty = json::object();
  return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : empty;
}

const json& items(const json& j, const char* key) {
  static const json empty = json::array();
  return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : empty;
}

}  // namespace

json build_release_record(const RecordInputs& in) {
  const db::Request& r = *in.request;
  json groups = json::array();
  for (const auto& g : r.groups) {
    json comments = json::array();
    for (const auto& c : r.comments) {
      if (c.group != g.name) continue;
      comments.push_back({{"author", c.author}, {"text", c.text}, {"visibility", c.visibility},
                          {"review_turn", c.review_turn}, {"created_at", c.created_at}});
    }
    groups.push_back({{"name", g.name}, {"context", g.context}, {"controls", g.controls}, {"comments", comments}});
  }
  json files = json::array();
  for (const auto& f : r.files) {
    if (f.filetype != "output") continue;  // only output files are released
    json report = json::parse(f.report, nullptr, false);
    auto from_report = [&](const char* key, json fallback) {
      return report.is_object() && report.contains(key) ? report[key] : fallback;
    };
    files.push_back({{"path", f.relpath},
                     {"group", f.group},
                     {"size", f.size},
                     {"sha256", f.sha256},
                     {"date", f.mtime},
                     {"added_at", f.added_at},
                     {"job", from_report("job", nullptr)},
                     {"outcome", f.outcome},
                     {"finding_counts", from_report("finding_counts", json::object())},
                     {"findings", from_report("findings", json::array())},
                     {"votes", votes_of(in, f)}});
  }
  const json& p = in.policy;
  json policy{{"name", p.value("name", "")}, {"sha256", p.value("sha256", "")},
              {"effective", p.contains("effective") ? p["effective"] : json(nullptr)}};
  return json{{"schema", kReleaseRecordSchema},
              {"tool", {{"name", kToolName}, {"version", kToolVersion}}},
              {"request",
               {{"id", r.id},
                {"workspace", r.workspace},
                {"author", r.author},
                {"review_turn", r.review_turn},
                {"created_at", r.created_at},
                {"submitted_at", opt(r.submitted_at)},
                {"released_at", in.released_at},
                {"released_by", in.released_by}}},
              {"groups", groups},
              {"files", files},
              {"policy", policy},
              {"audit_head", {{"seq", in.head.seq}, {"hash", in.head.hash}}}};
}

std::string release_record_text(const json& record) { return checker::json_text(record, 2) + "\n"; }

json public_release_record(const json& record) {
  json out = record;
  if (!out.is_object() || !out.contains("groups") || !out["groups"].is_array()) return out;
  for (auto& g : out["groups"]) {
    if (!g.is_object() || !g.contains("comments") || !g["comments"].is_array()) continue;
    json kept = json::array();
    for (const auto& c : g["comments"]) {
      if (c.is_object() && c.value("visibility", "") == "public") kept.push_back(c);
    }
    g["comments"] = kept;
  }
  return out;
}

std::string release_record_html(const json& record) {
  const json& rq = sub(record, "request");
  const std::string id = field(rq, "id");
  std::string b =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Release record " + id +
      "</title><style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}code{word-break:break-all}"
      ".muted{color:#666}</style></head><body>\n";
  b += "<h1>Release record: request " + id + "</h1>\n";
  b += "<p class=\"muted\">" + field(record, "schema") + ", written by " + field(sub(record, "tool"), "name") + " " +
       field(sub(record, "tool"), "version") + "</p>\n";
  b += "<h2>Request</h2><table>";
  for (const char* k : {"id", "workspace", "author", "review_turn", "created_at", "submitted_at", "released_at", "released_by"}) {
    b += std::string("<tr><th>") + k + "</th><td>" + field(rq, k) + "</td></tr>";
  }
  b += "</table>\n";
  const json& audit = sub(record, "audit_head");
  b += "<p>Audit head at release: row " + field(audit, "seq") + ", <code>" + field(audit, "hash") + "</code></p>\n";
  const json& policy = sub(record, "policy");
  b += "<h2>Site policy</h2><p>" + field(policy, "name") + ", sha256 <code>" + field(policy, "sha256") +
       "</code></p><details><summary>effective settings</summary><pre>" +
       esc(policy.contains("effective") ? checker::json_text(policy["effective"], 2) : "") + "</pre></details>\n";
  b += "<h2>Groups</h2>\n";
  for (const auto& g : items(record, "groups")) {
    b += "<h3>" + field(g, "name") + "</h3><p><strong>Context:</strong> " + field(g, "context") +
         "</p><p><strong>Disclosure controls:</strong> " + field(g, "controls") + "</p>";
    for (const auto& c : items(g, "comments")) {
      b += "<p class=\"comment\"><strong>" + field(c, "author") + "</strong> <span class=\"muted\">(" + field(c, "visibility") +
           ", turn " + field(c, "review_turn") + ", " + field(c, "created_at") + ")</span>: " + field(c, "text") + "</p>";
    }
    b += "\n";
  }
  b += "<h2>Released files</h2>\n";
  for (const auto& f : items(record, "files")) {
    b += "<h3>" + field(f, "path") + "</h3><table><tr><th>group</th><td>" + field(f, "group") + "</td></tr><tr><th>size</th><td>" +
         field(f, "size") + " bytes</td></tr><tr><th>sha256</th><td><code>" + field(f, "sha256") +
         "</code></td></tr><tr><th>job</th><td>" + field(f, "job") + "</td></tr><tr><th>check outcome</th><td>" +
         field(f, "outcome") + "</td></tr><tr><th>finding counts</th><td>" + field(f, "finding_counts") + "</td></tr></table>";
    if (!items(f, "findings").empty()) {
      b += "<p>Findings kept:</p><ul>";
      for (const auto& x : items(f, "findings")) {
        b += "<li>" + field(x, "rule") + " (" + field(x, "outcome") + ")";
        if (x.contains("row")) b += ", row " + field(x, "row");
        if (x.contains("column")) b += ", column " + field(x, "column");
        b += ": " + field(x, "message") + "</li>";
      }
      b += "</ul>";
    }
    b += "<table><thead><tr><th>turn</th><th>reviewer</th><th>vote</th><th>when</th><th>comment</th><th>override reason</th></tr>"
         "</thead><tbody>";
    for (const auto& v : items(f, "votes")) {
      b += "<tr><td>" + field(v, "review_turn") + "</td><td>" + field(v, "reviewer") + "</td><td>" + field(v, "vote") +
           "</td><td>" + field(v, "at") + "</td><td>" + field(v, "comment") + "</td><td>" + field(v, "override") + "</td></tr>";
    }
    b += "</tbody></table>\n";
  }
  b += "</body></html>\n";
  return b;
}

}  // namespace outcheck::release
