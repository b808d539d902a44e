// `outcheck release verify DIR [--home HOME]`: a published release folder (DIR/<workspace>/<request
// id> of a folder release) checked against itself and, given the home, against the audit log. Every
// file of manifest.json is hashed again; release-record.json must be the record the manifest names
// (its sha256), in its canonical form, listing the same files and audit head; release-record.html
// must show it. With --home, the home's release row (request_released) must name the record's
// sha256 and audit head, and that head must be a row of the home's verified chain.
// Exit 0 when everything matches, 1 naming each difference, 2 when DIR is not a release folder.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "checker/json_text.h"
#include "checker/sha256.h"
#include "cli/command.h"
#include "db/home.h"
#include "release/release_record.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace outcheck::cli {

namespace {

std::optional<std::string> read_bytes(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string text_or(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// A manifest name that stays inside files/.
bool safe_name(const std::string& name) {
  fs::path p = fs::path(name).lexically_normal();
  return !name.empty() && p.is_relative() && !p.empty() && *p.begin() != ".." && p.generic_string() == name;
}

struct Verified {
  std::vector<std::string> problems;
  std::size_t files = 0;
  std::string record_sha256;
};

Result<Verified> verify_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return invalid_input(dir.string() + ": no such folder");
  auto manifest_text = read_bytes(dir / "manifest.json");
  if (!manifest_text) return invalid_input(dir.string() + ": not a release folder (it has no manifest.json)");
  const json manifest = json::parse(*manifest_text, nullptr, false);
  if (!manifest.is_object() || !manifest.contains("files") || !manifest.at("files").is_array()) {
    return invalid_input(dir.string() + ": not a release folder (manifest.json is not a release manifest)");
  }
  Verified out;
  auto& problems = out.problems;
  // Every file the manifest lists, hashed again.
  std::map<std::string, json> listed;
  for (const auto& f : manifest.at("files")) {
    const std::string name = text_or(f, "name"), want = text_or(f, "sha256");
    if (!safe_name(name)) return invalid_input(dir.string() + ": manifest.json names a file outside files/: " + name);
    listed[name] = f;
    auto bytes = read_bytes(dir / "files" / name);
    if (!bytes) {
      problems.push_back("files/" + name + ": missing");
      continue;
    }
    const std::string got = checker::sha256_hex(*bytes);
    if (got != want) problems.push_back("files/" + name + ": changed (sha256 " + got + ", the manifest says " + want + ")");
  }
  out.files = listed.size();
  if (fs::is_directory(dir / "files", ec)) {
    for (fs::recursive_directory_iterator it(dir / "files", ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory()) continue;
      const std::string rel = fs::relative(it->path(), dir / "files").generic_string();
      if (!listed.count(rel)) problems.push_back("files/" + rel + ": not in the manifest");
    }
  }

  // The record: the one the manifest names, canonical, and agreeing with the manifest.
  auto record_text = read_bytes(dir / release::kReleaseRecordJson);
  if (!record_text) {
    problems.push_back(std::string(release::kReleaseRecordJson) + ": missing");
    return out;
  }
  out.record_sha256 = checker::sha256_hex(*record_text);
  const std::string named = text_or(manifest, "release_record_sha256");
  if (!named.empty() && named != out.record_sha256) {
    problems.push_back(std::string(release::kReleaseRecordJson) + ": changed (sha256 " + out.record_sha256 +
                       ", the manifest says " + named + ")");
  }
  const json record = json::parse(*record_text, nullptr, false);
  if (!record.is_object() || text_or(record, "schema") != release::kReleaseRecordSchema) {
    problems.push_back(std::string(release::kReleaseRecordJson) + ": changed (not a " + release::kReleaseRecordSchema + " record)");
    return out;
  }
  if (release::release_record_text(record) != *record_text) {
    problems.push_back(std::string(release::kReleaseRecordJson) + ": changed (not in its canonical form)");
  }
  std::map<std::string, json> recorded;
  if (record.contains("files") && record.at("files").is_array()) {
    for (const auto& f : record.at("files")) recorded[text_or(f, "path")] = f;
  }
  for (const auto& [name, f] : listed) {
    auto it = recorded.find(name);
    if (it == recorded.end()) {
      problems.push_back(std::string(release::kReleaseRecordJson) + ": does not list " + name);
    } else if (text_or(it->second, "sha256") != text_or(f, "sha256") || it->second.value("size", json()) != f.value("size", json())) {
      problems.push_back(std::string(release::kReleaseRecordJson) + ": " + name + " differs from the manifest (sha256 " +
                         text_or(it->second, "sha256") + ", the manifest says " + text_or(f, "sha256") + ")");
    }
  }
  for (const auto& [name, f] : recorded) {
    if (!listed.count(name)) problems.push_back(std::string(release::kReleaseRecordJson) + ": lists " + name + ", which the manifest does not");
  }
  const json head = record.value("audit_head", json::object());
  if (text_or(head, "hash") != text_or(manifest, "audit_head")) {
    problems.push_back(std::string(release::kReleaseRecordJson) + ": audit head " + text_or(head, "hash") +
                       ", the manifest says " + text_or(manifest, "audit_head"));
  }
  const json rq = record.value("request", json::object());
  if (text_or(rq, "id") != text_or(manifest, "airlock_id") || text_or(rq, "workspace") != text_or(manifest, "workspace")) {
    problems.push_back(std::string(release::kReleaseRecordJson) + ": names request " + text_or(rq, "id") + " of " +
                       text_or(rq, "workspace") + ", the manifest " + text_or(manifest, "airlock_id") + " of " +
                       text_or(manifest, "workspace"));
  }
  auto html = read_bytes(dir / release::kReleaseRecordHtml);
  if (!html) {
    problems.push_back(std::string(release::kReleaseRecordHtml) + ": missing");
  } else if (*html != release::release_record_html(record)) {
    problems.push_back(std::string(release::kReleaseRecordHtml) + ": changed (it does not show release-record.json)");
  }
  return out;
}

// The record against the home's audit log: its release row and its verified chain.
Status verify_against_home(const fs::path& home_dir, const fs::path& dir, Verified& v) {
  std::error_code ec;
  if (!fs::is_regular_file(home_dir / "outcheck.db", ec)) {
    return invalid_input(home_dir.string() + ": not an outcheck home (it has no outcheck.db)");
  }
  auto home = db::open_home(home_dir, db::Access::read_only);  // a check: it writes nothing
  if (!home) return home.error();
  const json record = json::parse(read_bytes(dir / release::kReleaseRecordJson).value_or(""), nullptr, false);
  const json manifest = json::parse(read_bytes(dir / "manifest.json").value_or(""), nullptr, false);
  std::string id = text_or(record.is_object() ? record.value("request", json::object()) : json::object(), "id");
  if (id.empty()) id = text_or(manifest, "airlock_id");
  OUTCHECK_ASSIGN_OR_RETURN(auto st, (*home)->db.prepare(
      "SELECT seq, details FROM audit_log WHERE request_id = ? AND action = 'request_released' ORDER BY seq DESC LIMIT 1"));
  st.bind(1, id);
  if (!st.step()) {
    if (st.failed()) return st.error();
    v.problems.push_back("the home's audit log has no release of request " + id);
    return Status::OK();
  }
  const std::int64_t row = st.integer(0);
  const json details = json::parse(st.text(1), nullptr, false);
  const std::string where = "the home's release row (audit row " + std::to_string(row) + ")";
  const std::string want = text_or(details, "release_record_sha256");
  if (want.empty()) {
    v.problems.push_back(where + " names no release record");
  } else if (want != v.record_sha256) {
    v.problems.push_back(std::string(release::kReleaseRecordJson) + ": changed (sha256 " +
                         (v.record_sha256.empty() ? std::string("(missing)") : v.record_sha256) + ", " + where + " says " + want + ")");
  }
  const json head = record.is_object() ? record.value("audit_head", json::object()) : json::object();
  const std::string head_hash = text_or(head, "hash");
  const std::string row_head = text_or(details, "audit_head");
  if (!row_head.empty() && row_head != head_hash) {
    v.problems.push_back(std::string(release::kReleaseRecordJson) + ": audit head " + head_hash + ", " + where + " says " + row_head);
  }
  std::vector<db::AuditAnchor> anchors;
  if (head.is_object() && head.contains("seq") && head.at("seq").is_number_integer() && !head_hash.empty()) {
    anchors.push_back({"the release record of request " + id, head.at("seq").get<std::int64_t>(), head_hash});
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto chain, (*home)->audit.verify((*home)->db, anchors));
  for (const auto& p : chain) v.problems.push_back("audit log: " + p);
  return Status::OK();
}

}  // namespace

Runner attach_release(CLI::App& sub) {
  sub.require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto home = std::make_shared<std::string>();
  auto out = std::make_shared<OutputOptions>();
  CLI::App* verify = sub.add_subcommand(
      "verify", "check a release folder: its files against manifest.json and the release record, the record's own hash, "
                "and with --home the home's audit log (exit 0 all match, 1 something differs, 2 not a release folder)");
  verify->add_option("DIR", *dir, "the release folder, DIR/<workspace>/<request id> of a folder release")->required();
  verify->add_option("--home", *home, "also check the record's sha256 and audit head against this home's audit log");
  out->add_to(*verify);
  return [=]() -> int {
    auto v = verify_folder(*dir);
    if (!v) return report_error(v.error());
    if (!home->empty()) {
      if (auto s = verify_against_home(*home, *dir, *v); !s.ok()) return report_error(s.error());
    }
    std::string text;
    if (out->is_json()) {
      text = checker::json_text(json{{"verified", v->problems.empty()},
                                     {"files", v->files},
                                     {"release_record_sha256", v->record_sha256},
                                     {"problems", v->problems}},
                                2) +
             "\n";
    } else if (v->problems.empty()) {
      text = "release verified: " + std::to_string(v->files) + " files, record sha256 " + v->record_sha256 + "\n";
    } else {
      text = "release NOT verified:\n";
      for (const auto& p : v->problems) text += "  " + p + "\n";
    }
    if (auto s = emit(*out, text); !s.ok()) return report_error(s.error());
    return v->problems.empty() ? 0 : 1;
  };
}

}  // namespace outcheck::cli
