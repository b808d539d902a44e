#include "checker/report.h"

#include <algorithm>
#include <sstream>

#include "checker/json_text.h"

namespace outcheck::checker {

using nlohmann::json;

namespace {

const char* const kVersion = "0.1.0";

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

std::string job_sentence(const JobProvenance& j) {
  std::string s = "written by job " + j.job_id + " of action " + j.action;
  s += " at commit " + (j.commit ? *j.commit : std::string("(unknown)"));
  if (auto at = j.created_at()) s += " on " + *at;
  return s;
}

std::string job_sentence(const json& job) {
  if (!job.is_object() || !job.contains("id") || !job["id"].is_string()) return "";
  auto text = [&](const char* k) -> std::optional<std::string> {
    return job.contains(k) && job[k].is_string() ? std::optional<std::string>(job[k].get<std::string>()) : std::nullopt;
  };
  std::string s = "written by job " + *text("id") + " of action " + text("action").value_or("");
  s += " at commit " + text("commit").value_or("(unknown)");
  if (auto at = text("created_at")) s += " on " + *at;
  return s;
}

json file_report_to_json(const FileReport& f) {
  json findings = json::array();
  for (const auto& x : f.findings.kept()) {
    json j{{"rule", x.rule}, {"outcome", rules::outcome_name(x.outcome)}};
    if (x.row) j["row"] = *x.row;
    if (x.column) j["column"] = *x.column;
    if (x.value) j["value"] = *x.value;
    j["message"] = x.message;
    findings.push_back(std::move(j));
  }
  json counts = json::object();
  for (const auto& [rule, n] : f.findings.counts()) counts[rule] = n;
  json j{{"path", f.path},
         {"action", opt(f.action)},
         {"output_name", opt(f.output_name)},
         {"privacy", privacy_name(f.privacy)},
         {"size", opt(f.size)},
         {"sha256", opt(f.sha256)},
         {"rows", opt(f.rows)},
         {"columns", opt(f.columns)},
         {"outcome", rules::outcome_name(f.outcome())},
         {"findings", std::move(findings)},
         {"finding_counts", std::move(counts)},
         {"job", f.job ? job_to_json(*f.job) : json(nullptr)}};
  if (f.columns) {
    json roles = json::array();
    for (const auto& c : f.column_roles) roles.push_back(json{{"name", c.name}, {"role", c.role}, {"why", c.why}});
    j["column_roles"] = std::move(roles);
    if (f.column_roles_omitted > 0) j["column_roles_omitted"] = f.column_roles_omitted;
    if (f.roles_read_on_rows > 0) j["column_roles_rows"] = f.roles_read_on_rows;
  }
  if (!f.policy_override.is_null()) j["policy"] = f.policy_override;
  return j;
}

namespace {

// The report's top level, without its files.
json report_head(const Report& r) {
  json summary{{"files", r.files.size()}, {"pass", 0}, {"review", 0}, {"fail", 0}, {"blocked", 0}};
  for (const auto& f : r.files) {
    summary[rules::outcome_name(f.outcome())] = summary[rules::outcome_name(f.outcome())].get<int>() + 1;
  }
  return json{{"schema", "outcheck.report/1"},
              {"tool", {{"name", "outcheck"}, {"version", kVersion}}},
              {"workspace", r.workspace},
              {"policy", r.policy},
              {"summary", std::move(summary)}};
}

}  // namespace

json report_to_json(const Report& r) {
  json j = report_head(r);
  json files = json::array();
  for (const auto& f : r.files) files.push_back(file_report_to_json(f));
  j["files"] = std::move(files);
  return j;
}

std::string report_to_json_text(const Report& r) {
  // Keys are sorted, so "files" comes first; each file is dumped alone and indented two levels.
  std::string out = "{\n  \"files\": [";
  for (std::size_t i = 0; i < r.files.size(); ++i) {
    const std::string file = json_text(file_report_to_json(r.files[i]), 2);
    out += i == 0 ? "\n    " : ",\n    ";
    for (char c : file) {
      out += c;
      if (c == '\n') out += "    ";
    }
  }
  out += r.files.empty() ? "]," : "\n  ],";
  const std::string head = json_text(report_head(r), 2);  // "{\n  \"policy\": ..."
  out.append(head, 1, std::string::npos);
  return out;
}

std::string report_to_text(const Report& r, std::size_t findings_per_file) {
  std::ostringstream out;
  std::size_t width = 4;
  for (const auto& f : r.files) width = std::max(width, f.path.size());
  width = std::min<std::size_t>(width, 70);
  int counts[4] = {0, 0, 0, 0};
  if (r.no_project) {
    out << "project: none (--no-project: no project.yaml was used; every file is judged as an unclassified,"
           " moderately sensitive output)\nfolder: "
        << r.workspace;
  } else {
    out << "workspace: " << r.workspace;
  }
  out << "\npolicy: " << r.policy.value("name", "") << "\n";
  if (!r.provenance.empty()) out << "provenance: " << r.provenance << "\n";
  out << "\n";
  for (const auto& f : r.files) {
    ++counts[static_cast<int>(f.outcome())];
    std::string outcome = rules::outcome_name(f.outcome());
    out << outcome << std::string(9 - outcome.size(), ' ') << f.path;
    if (f.path.size() < width) out << std::string(width - f.path.size(), ' ');
    out << "  " << privacy_name(f.privacy) << "\n";
  }
  // What the tables were read as: a person sees at once which columns were checked as counts.
  bool any_table = false;
  for (const auto& f : r.files) {
    if (!f.columns) continue;
    if (!any_table) out << "\nread as counts:\n";
    any_table = true;
    std::string counts;
    std::size_t listed = 0, more = 0;
    for (const auto& c : f.column_roles) {
      if (c.role != "count" && c.role != "count_midpoint6") continue;
      if (listed == 40) {
        ++more;
        continue;
      }
      counts += (counts.empty() ? "" : ", ") + c.name;
      ++listed;
    }
    if (more > 0) counts += " and " + std::to_string(more) + " more";
    if (f.column_roles_omitted > 0) counts += " (of the first " + std::to_string(f.column_roles.size()) + " columns)";
    out << "  " << f.path << ": " << (counts.empty() ? "(no column)" : counts);
    if (f.roles_read_on_rows > 0) out << " (roles read on the first " << f.roles_read_on_rows << " rows)";
    out << "\n";
  }
  // Where each file came from, per job-runner's manifest.
  bool any_job = false;
  for (const auto& f : r.files) {
    if (!f.job) continue;
    if (!any_job) out << "\nfrom job-runner's manifest:\n";
    any_job = true;
    out << "  " << f.path << ": " << job_sentence(*f.job) << "\n";
  }
  for (const auto& f : r.files) {
    if (f.outcome() == rules::Outcome::pass) continue;
    out << "\n" << f.path << " (" << rules::outcome_name(f.outcome()) << ")\n";
    std::size_t shown = 0;
    for (const auto& x : f.findings.kept()) {
      if (shown == findings_per_file) break;
      ++shown;
      out << "  " << x.rule;
      if (x.row) out << " row " << *x.row;
      if (x.column) out << " column \"" << *x.column << "\"";
      out << ": " << x.message << "\n";
    }
    std::int64_t total = 0;
    for (const auto& [rule, n] : f.findings.counts()) total += n;
    if (total > static_cast<std::int64_t>(shown)) {
      out << "  ... and " << total - static_cast<std::int64_t>(shown) << " more (";
      bool first = true;
      for (const auto& [rule, n] : f.findings.counts()) {
        out << (first ? "" : ", ") << rule << " " << n;
        first = false;
      }
      out << "; --format json lists them)\n";
    }
  }
  out << "\n" << r.files.size() << " files: " << counts[0] << " pass, " << counts[1] << " review, " << counts[2]
      << " fail, " << counts[3] << " blocked\n";
  return out.str();
}

int exit_code_for(const Report& r) {
  rules::Outcome worst = rules::Outcome::pass;
  for (const auto& f : r.files) worst = std::max(worst, f.outcome());
  switch (worst) {
    case rules::Outcome::pass: return 0;
    case rules::Outcome::review: return 3;
    default: return 1;
  }
}

}  // namespace outcheck::checker
