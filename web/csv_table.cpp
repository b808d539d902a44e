#include "web/csv_table.h"

#include <map>
#include <vector>

#include "checker/csv_parser.h"
#include "web/html.h"

namespace outcheck::web {

namespace {

struct Marks {
  std::map<std::pair<std::int64_t, std::string>, std::vector<const nlohmann::json*>> cells;
  std::map<std::int64_t, std::vector<const nlohmann::json*>> rows;
  std::map<std::string, std::vector<const nlohmann::json*>> columns;
};

Marks index_findings(const nlohmann::json& findings) {
  Marks m;
  if (!findings.is_array()) return m;
  for (const auto& f : findings) {
    bool has_row = f.contains("row") && f["row"].is_number_integer();
    bool has_col = f.contains("column") && f["column"].is_string();
    if (has_row && has_col) m.cells[{f["row"].get<std::int64_t>(), f["column"].get<std::string>()}].push_back(&f);
    else if (has_row) m.rows[f["row"].get<std::int64_t>()].push_back(&f);
    else if (has_col) m.columns[f["column"].get<std::string>()].push_back(&f);
  }
  return m;
}

// The attributes and icon of a marked cell. "fail" outranks "review".
std::string mark_open(const char* tag, const std::vector<const nlohmann::json*>& fs, std::string_view extra_attrs) {
  bool fail = false;
  std::string title, rules;
  for (const auto* f : fs) {
    fail |= f->value("outcome", "fail") == "fail";
    if (!title.empty()) title += "\n";
    title += finding_title(*f);
    std::string rule = f->value("rule", "");
    if (rules.find(rule) == std::string::npos) rules += (rules.empty() ? "" : " ") + rule;
  }
  std::string out = std::string("<") + tag + " class=\"flag " + (fail ? "flag-fail" : "flag-review") +
                    "\" tabindex=\"0\" data-rules=\"" + escape(rules) + "\" title=\"" + escape(title) + "\"" +
                    std::string(extra_attrs) + ">";
  out += std::string("<span class=\"icon\" aria-hidden=\"true\">") + (fail ? "&#x2716;" : "&#x26A0;") + "</span>";
  return out;
}

std::string mark_close(const char* tag, const std::vector<const nlohmann::json*>& fs) {
  std::string rules;
  for (const auto* f : fs) rules += (rules.empty() ? "" : ", ") + f->value("rule", "");
  return "<span class=\"rule\">" + escape(rules) + "</span></" + tag + ">";
}

class TableWriter : public checker::CsvVisitor {
 public:
  TableWriter(const Marks& marks, std::int64_t max_rows, CsvTable& out) : marks_(marks), max_rows_(max_rows), out_(out) {}

  void on_header(std::span<const std::string_view> fields) override {
    header_.assign(fields.begin(), fields.end());
    out_.html += "<thead><tr><th class=\"rownum\" scope=\"col\">row</th>";
    for (const auto& name : header_) {
      auto it = marks_.columns.find(name);
      if (it == marks_.columns.end()) {
        out_.html += "<th scope=\"col\">" + escape(name) + "</th>";
      } else {
        ++out_.marks;
        out_.html += mark_open("th", it->second, " scope=\"col\"") + escape(name) + mark_close("th", it->second);
      }
    }
    out_.html += "</tr></thead><tbody>";
  }

  void on_record(std::int64_t index, std::int64_t, std::span<const std::string_view> fields) override {
    out_.rows = index;
    if (index > max_rows_) return;
    out_.rows_shown = index;
    out_.html += "<tr id=\"r" + std::to_string(index) + "\">";
    auto row_mark = marks_.rows.find(index);
    if (row_mark == marks_.rows.end()) {
      out_.html += "<th class=\"rownum\" scope=\"row\">" + std::to_string(index) + "</th>";
    } else {
      ++out_.marks;
      out_.html += mark_open("th", row_mark->second, " scope=\"row\"") + std::to_string(index) + mark_close("th", row_mark->second);
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::vector<const nlohmann::json*>* fs = nullptr;
      if (i < header_.size() && !marks_.cells.empty()) {
        auto it = marks_.cells.find({index, header_[i]});
        if (it != marks_.cells.end()) fs = &it->second;
      }
      if (!fs) {
        out_.html += "<td>" + escape(fields[i]) + "</td>";
      } else {
        ++out_.marks;
        out_.html += mark_open("td", *fs, "") + "<span class=\"value\">" + escape(fields[i]) + "</span>" + mark_close("td", *fs);
      }
    }
    out_.html += "</tr>\n";
  }

  void on_issue(const checker::CsvIssue&) override {}  // the checker's findings already say it

 private:
  const Marks& marks_;
  std::int64_t max_rows_;
  CsvTable& out_;
  std::vector<std::string> header_;
};

}  // namespace

std::int64_t finding_total(const nlohmann::json& file) {
  std::int64_t total = 0;
  if (!file.is_object() || !file.contains("finding_counts") || !file["finding_counts"].is_object()) return 0;
  for (const auto& [rule, n] : file["finding_counts"].items()) total += n.is_number_integer() ? n.get<std::int64_t>() : 0;
  return total;
}

std::string finding_title(const nlohmann::json& f) {
  std::string t = f.value("rule", "") + " (" + f.value("outcome", "") + ")";
  if (f.contains("row") && f["row"].is_number_integer()) t += " row " + std::to_string(f["row"].get<std::int64_t>());
  if (f.contains("column") && f["column"].is_string()) t += " column \"" + f["column"].get<std::string>() + "\"";
  return t + ": " + f.value("message", "");
}

CsvTable render_csv_table(std::string_view bytes, const nlohmann::json& findings, std::int64_t max_rows) {
  CsvTable out;
  Marks marks = index_findings(findings);
  out.html = "<table class=\"csv\">";
  TableWriter writer(marks, max_rows, out);
  // Read as `check` read it: a tab- or semicolon-separated file shows its columns, and row numbers
  // match the findings' after a `sep=` line.
  checker::CsvParser parser(writer, checker::sniff_dialect(bytes));
  parser.feed(bytes);
  parser.finish();
  if (!parser.saw_header()) out.html += "<tbody>";
  out.html += "</tbody></table>";
  return out;
}

}  // namespace outcheck::web
