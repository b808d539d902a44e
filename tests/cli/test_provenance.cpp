// `outcheck check` with job-runner's metadata/manifest.json (interface.md "Provenance: job-runner's
// manifest"; policy.md `provenance`), through the real binary. Manifests are written as job-runner's
// persist_outputs and update_manifest_outputs_and_actions write them: json.dumps(indent=2) of
// {"workspace", "repo": null, "outputs": {path: get_output_metadata(...) + out-of-date flags}}.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/sha256.h"
#include "web/pages.h"
#include "tests/support/sanitized.h"
#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::contains;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;
using outcheck::test::Workspace;

namespace {

const char* const kProject =
    "version: '5'\n"
    "actions:\n"
    "  generate_dataset:\n"
    "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.arrow\n"
    "    outputs:\n"
    "      highly_sensitive:\n"
    "        dataset: output/dataset.arrow\n"
    "  summarise:\n"
    "    run: python:v2 python analysis/summarise.py\n"
    "    needs: [generate_dataset]\n"
    "    outputs:\n"
    "      moderately_sensitive:\n"
    "        table: output/tables/*.csv\n";

// Passes every rule on its contents.
const std::string kClean = "group,num\na,10\nb,15\n";
const std::string kCommit = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";

// One `outputs` entry with every field job-runner writes (get_output_metadata).
json entry(const std::string& bytes, const std::string& job_id = "kx3xlnn4wwkzbkas", const std::string& action = "summarise") {
  return json{{"level", "moderately_sensitive"},
              {"job_id", job_id},
              {"job_request", "b3ksq2rw6kw6yg2c"},
              {"action", action},
              {"user", "researcher"},
              {"repo", "https://github.com/opensafely/example-study"},
              {"commit", kCommit},
              {"size", bytes.size()},
              {"timestamp", 1709296496.123456},  // 2024-03-01T12:34:56Z, as st_mtime
              {"content_hash", outcheck::checker::sha256_hex(bytes)},
              {"excluded", false},
              {"message", nullptr},
              {"row_count", 2},
              {"col_count", 2}};
}

json manifest(json outputs) {
  return json{{"workspace", "example-workspace"}, {"repo", nullptr}, {"outputs", std::move(outputs)}};
}

void write_manifest(const Workspace& ws, const json& m) { ws.write("metadata/manifest.json", m.dump(2)); }

struct Checked {
  RunResult run;
  json report;
};

Checked check_json(const fs::path& cwd, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"check", "--format", "json"});
  Checked c;
  c.run = run_outcheck(args, cwd);
  INFO("stderr: " << c.run.err);
  if (!c.run.out.empty()) c.report = json::parse(c.run.out);
  return c;
}

const json& file_entry(const json& report, const std::string& path) {
  for (const auto& f : report["files"]) {
    if (f["path"] == path) return f;
  }
  FAIL("no entry for " << path);
  static json none;
  return none;
}

std::vector<std::string> messages(const json& file, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& x : file["findings"]) {
    if (x["rule"] == rule) out.push_back(x["message"]);
  }
  return out;
}

}  // namespace

TEST_CASE("provenance: a file its job wrote, unchanged, passes and shows its job", "[cli][provenance]") {
  Workspace ws(kProject);
  ws.write("output/tables/counts.csv", kClean);
  write_manifest(ws, manifest({{"output/tables/counts.csv", entry(kClean)}}));

  Checked c = check_json(ws.path());
  REQUIRE(c.run.exit_code == 0);
  const json& f = file_entry(c.report, "output/tables/counts.csv");
  CHECK(f["outcome"] == "pass");
  CHECK(f["job"] == json{{"id", "kx3xlnn4wwkzbkas"},
                         {"request", "b3ksq2rw6kw6yg2c"},
                         {"action", "summarise"},
                         {"repo", "https://github.com/opensafely/example-study"},
                         {"commit", kCommit},
                         {"created_at", "2024-03-01T12:34:56Z"},
                         {"row_count", 2},
                         {"col_count", 2}});
  CHECK(c.report["policy"]["provenance"] == "if_present");

  RunResult text = run_outcheck({"check"}, ws.path());
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out, "provenance: metadata/manifest.json (1 outputs recorded)"));
  CHECK(contains(text.out, "output/tables/counts.csv: written by job kx3xlnn4wwkzbkas of action summarise at commit " +
                               kCommit + " on 2024-03-01T12:34:56Z"));
}

TEST_CASE("provenance: each rule, with its message", "[cli][provenance]") {
  Workspace ws(kProject);
  const std::string edited = "group,num\na,10\nb,20\n";
  ws.write("output/tables/clean.csv", kClean);
  ws.write("output/tables/edited.csv", edited);
  ws.write("output/tables/stray.csv", kClean);
  ws.write("output/tables/excluded.csv", kClean);
  ws.write("output/tables/old_action.csv", kClean);
  ws.write("output/tables/old_output.csv", kClean);
  ws.write("output/tables/patient_level.csv", kClean);

  json excluded = entry(kClean);
  excluded["excluded"] = true;
  excluded["message"] = "File has patient_id column";
  json old_action = entry(kClean, "jobold000000001", "removed_action");
  old_action["out_of_date_action"] = true;
  old_action["out_of_date_output"] = false;
  json old_output = entry(kClean);
  old_output["out_of_date_action"] = false;
  old_output["out_of_date_output"] = true;
  json highly = entry(kClean, "jobhigh00000001", "generate_dataset");
  highly["level"] = "highly_sensitive";
  highly["row_count"] = nullptr;
  highly["col_count"] = nullptr;
  write_manifest(ws, manifest({{"output/tables/clean.csv", entry(kClean)},
                               {"output/tables/edited.csv", entry(kClean)},  // the hash of what the job wrote
                               {"output/tables/excluded.csv", excluded},
                               {"output/tables/old_action.csv", old_action},
                               {"output/tables/old_output.csv", old_output},
                               {"output/tables/patient_level.csv", highly},
                               {"output/dataset.arrow", highly}}));

  Checked c = check_json(ws.path());
  REQUIRE(c.run.exit_code == 1);
  CHECK(file_entry(c.report, "output/tables/clean.csv")["outcome"] == "pass");

  const json& stray = file_entry(c.report, "output/tables/stray.csv");
  CHECK(stray["outcome"] == "blocked");
  CHECK(stray["job"].is_null());
  CHECK(messages(stray, "not_from_job") ==
        std::vector<std::string>{"no job wrote it: metadata/manifest.json has no entry for this file"});

  const json& changed = file_entry(c.report, "output/tables/edited.csv");
  CHECK(changed["outcome"] == "blocked");
  CHECK(changed["job"]["id"] == "kx3xlnn4wwkzbkas");
  CHECK(messages(changed, "changed_since_job") ==
        std::vector<std::string>{"changed since job kx3xlnn4wwkzbkas wrote it: its sha256 is " +
                                 outcheck::checker::sha256_hex(edited) + ", metadata/manifest.json records " +
                                 outcheck::checker::sha256_hex(kClean)});
  CHECK(changed["sha256"] == outcheck::checker::sha256_hex(edited));

  const json& ex = file_entry(c.report, "output/tables/excluded.csv");
  CHECK(ex["outcome"] == "blocked");
  CHECK(messages(ex, "excluded_by_job") ==
        std::vector<std::string>{
            "job kx3xlnn4wwkzbkas of action summarise excluded it from release: \"File has patient_id column\""});

  const json& oa = file_entry(c.report, "output/tables/old_action.csv");
  CHECK(oa["outcome"] == "review");
  CHECK(messages(oa, "out_of_date") ==
        std::vector<std::string>{
            "its action removed_action is no longer in project.yaml (out_of_date_action): it may be stale"});
  const json& oo = file_entry(c.report, "output/tables/old_output.csv");
  CHECK(oo["outcome"] == "review");
  CHECK(messages(oo, "out_of_date") ==
        std::vector<std::string>{
            "action summarise no longer writes this file (out_of_date_output): it is left from an earlier run"});

  // Declared moderately sensitive now, but its job wrote it as highly sensitive: blocked, never read.
  const json& hs = file_entry(c.report, "output/tables/patient_level.csv");
  CHECK(hs["outcome"] == "blocked");
  CHECK(hs["privacy"] == "moderately_sensitive");
  CHECK(hs["sha256"].is_null());
  CHECK(hs["job"]["row_count"].is_null());
  CHECK(messages(hs, "privacy_level") ==
        std::vector<std::string>{"job jobhigh00000001 of action generate_dataset wrote it as highly_sensitive "
                                 "(metadata/manifest.json); only moderately_sensitive outputs may be released"});
}

TEST_CASE("provenance: a file named explicitly is judged against its entry the same way", "[cli][provenance]") {
  Workspace ws(kProject);
  ws.write("output/tables/a.csv", kClean);
  ws.write("output/tables/b.csv", kClean);
  write_manifest(ws, manifest({{"output/tables/a.csv", entry(kClean)}}));
  Checked c = check_json(ws.path() / "output", {"tables/a.csv", "tables/b.csv"});
  CHECK(c.run.exit_code == 1);
  CHECK(file_entry(c.report, "output/tables/a.csv")["outcome"] == "pass");
  CHECK(messages(file_entry(c.report, "output/tables/b.csv"), "not_from_job").size() == 1);
}

TEST_CASE("provenance: a malformed manifest is exit 2 naming it with line and column", "[cli][provenance]") {
  Workspace ws(kProject);
  ws.write("output/tables/a.csv", kClean);
  std::string text = manifest({{"output/tables/a.csv", entry(kClean)}}).dump(2);
  // A trailing comma after the entry's last field, as a hand edit leaves it: line 17.
  auto at = text.find("\"user\": \"researcher\"");
  REQUIRE(at != std::string::npos);
  text.insert(at + std::string("\"user\": \"researcher\"").size(), ",");
  ws.write("metadata/manifest.json", text);
  RunResult r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  INFO(r.err);
  CHECK(contains(r.err, "outcheck: metadata/manifest.json:18:5: not valid JSON: syntax error while parsing object key"));

  ws.write("metadata/manifest.json", "{\"outputs\": {}");
  r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "metadata/manifest.json:1:15: not valid JSON"));
}

TEST_CASE("provenance: an entry with wrong types is exit 2 naming the entry", "[cli][provenance]") {
  Workspace ws(kProject);
  ws.write("output/tables/a.csv", kClean);
  json other = entry(kClean);
  other["size"] = "1234";  // a string where job-runner writes st_size
  write_manifest(ws, manifest({{"output/tables/a.csv", entry(kClean)}, {"output/tables/other.csv", other}}));
  RunResult r = run_outcheck({"check", "output/tables/a.csv"}, ws.path());
  CHECK(r.exit_code == 2);
  INFO(r.err);
  // dump(2) sorts keys: "output/tables/other.csv" opens at line 19, "size" is its 12th key.
  CHECK(contains(r.err, "outcheck: metadata/manifest.json:31: outputs entry \"output/tables/other.csv\": \"size\" must "
                        "be a whole number or null, not a string"));

  json no_hash = entry(kClean);
  no_hash.erase("content_hash");
  write_manifest(ws, manifest({{"output/tables/a.csv", no_hash}}));
  r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "outputs entry \"output/tables/a.csv\": has no \"content_hash\""));

  write_manifest(ws, manifest({{"output/tables/a.csv", "kx3xlnn4wwkzbkas"}}));
  r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "outputs entry \"output/tables/a.csv\": must be an object, not a string"));

  ws.write("metadata/manifest.json", "[]");
  r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "metadata/manifest.json: must be a JSON object with an \"outputs\" mapping"));
}

TEST_CASE("provenance: a manifest that is a link outside the workspace is refused, not read", "[cli][provenance]") {
  Workspace ws(kProject);
  TempDir elsewhere;
  ws.write("output/tables/a.csv", kClean);
  fs::path outside = elsewhere.write("manifest.json", manifest({{"output/tables/a.csv", entry(kClean)}}).dump(2));
  fs::create_directories(ws.path() / "metadata");
  fs::create_symlink(outside, ws.path() / "metadata/manifest.json");
  RunResult r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "metadata/manifest.json: a link that leads outside the workspace"));

  // The metadata folder itself linked out: the same.
  fs::remove(ws.path() / "metadata/manifest.json");
  fs::remove(ws.path() / "metadata");
  fs::create_directory_symlink(elsewhere.path(), ws.path() / "metadata");
  r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "metadata/manifest.json: a link that leads outside the workspace"));

  // A FIFO is refused at once, never waited on.
  fs::remove(ws.path() / "metadata");
  fs::create_directories(ws.path() / "metadata");
  REQUIRE(::mkfifo((ws.path() / "metadata/manifest.json").c_str(), 0600) == 0);
  r = run_outcheck({"check"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "metadata/manifest.json: not a regular file: a FIFO"));
}

TEST_CASE("provenance: required makes a missing manifest not_from_job and off ignores it", "[cli][provenance][policy]") {
  Workspace ws(kProject);
  ws.write("output/tables/a.csv", kClean);
  ws.write("required.yaml", "provenance: required\n");
  ws.write("off.yaml", "provenance: off\n");

  // No manifest: as before, unless required.
  Checked plain = check_json(ws.path(), {"output/tables/a.csv"});
  CHECK(plain.run.exit_code == 0);
  CHECK(file_entry(plain.report, "output/tables/a.csv")["job"].is_null());
  Checked req = check_json(ws.path(), {"--policy", "required.yaml", "output/tables/a.csv"});
  CHECK(req.run.exit_code == 1);
  CHECK(req.report["policy"]["provenance"] == "required");
  CHECK(messages(file_entry(req.report, "output/tables/a.csv"), "not_from_job") ==
        std::vector<std::string>{"no job wrote it that can be shown: the workspace has no metadata/manifest.json, "
                                 "and the policy requires one (provenance: required)"});

  // With a manifest, required checks as if_present does.
  write_manifest(ws, manifest({{"output/tables/a.csv", entry(kClean)}}));
  CHECK(check_json(ws.path(), {"--policy", "required.yaml", "output/tables/a.csv"}).run.exit_code == 0);

  // off: a manifest, even a malformed one, is never read.
  ws.write("metadata/manifest.json", "{not json");
  Checked off = check_json(ws.path(), {"--policy", "off.yaml", "output/tables/a.csv"});
  CHECK(off.run.exit_code == 0);
  CHECK(off.report["policy"]["provenance"] == "off");
  CHECK(file_entry(off.report, "output/tables/a.csv")["job"].is_null());
  RunResult text = run_outcheck({"check", "--policy", "off.yaml"}, ws.path());
  CHECK(contains(text.out, "provenance: off (the policy ignores metadata/manifest.json)"));

  // A bad value, and the key in a per-file override, are policy errors naming the line.
  ws.write("bad.yaml", "small_count: {threshold: 7}\nprovenance: sometimes\n");
  RunResult bad = run_outcheck({"check", "--policy", "bad.yaml"}, ws.path());
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "bad.yaml:2:13: provenance: must be if_present, required or off"));
  ws.write("bad.yaml", "files:\n  - glob: output/*.csv\n    provenance: off\n");
  bad = run_outcheck({"check", "--policy", "bad.yaml"}, ws.path());
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "provenance: applies to the whole workspace"));
}

// The bound: with a 100,000-entry manifest (about 50 MB, every field, as job-runner writes it),
// checking one file peaks at no more than 8 MiB above the same check with a one-entry manifest, and
// under 64 MiB in all: the manifest is streamed, and only the entry of the file checked is kept.
// Peak memory is the child's ru_maxrss as python3 (setup.sh installs it) reads it: a child forked
// from this test process would count this process's own memory, which Linux carries across exec.
TEST_CASE("provenance: a 100,000-entry manifest is checked within the memory bound", "[cli][provenance][memory]") {
  Workspace ws(kProject);
  ws.write("output/tables/a.csv", kClean);
  auto peak_kb = [&]() {
    RunResult r = run_outcheck({"check", "--format", "json", "output/tables/a.csv"}, ws.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["files"][0]["job"]["id"] == "kx3xlnn4wwkzbkas");
    const std::string command =
        "cd '" + ws.path().string() +
        "' && python3 -c 'import resource, subprocess, sys; "
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' " OUTCHECK_BINARY
        " check --format json output/tables/a.csv";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    int code = -1;
    long kib = 0;
    const int fields = std::fscanf(pipe, "%d %ld", &code, &kib);
    ::pclose(pipe);
    REQUIRE(fields == 2);
    CHECK(code == 0);
    return kib;  // KiB on Linux
  };

  write_manifest(ws, manifest({{"output/tables/a.csv", entry(kClean)}}));
  const long small = peak_kb();

  {
    // Written a line at a time, as json.dumps(indent=2) lays it out, without a 50 MB tree here.
    std::string text = "{\n  \"outputs\": {\n";
    json e = entry("group,num\nx,10\n");
    for (int i = 0; i < 100'000; ++i) {
      e["job_id"] = "job" + std::to_string(100000 + i);
      std::string one = e.dump(2);
      std::string indented;
      for (char ch : one) {
        indented += ch;
        if (ch == '\n') indented += "    ";
      }
      text += "    \"output/big/file_" + std::to_string(i) + ".csv\": " + indented + ",\n";
    }
    text += "    \"output/tables/a.csv\": " + entry(kClean).dump() + "\n  },\n  \"repo\": null,\n  \"workspace\": \"w\"\n}\n";
    REQUIRE(text.size() > 40'000'000);
    ws.write("metadata/manifest.json", text);
  }
  const long big = peak_kb();
  INFO("peak RSS: " << small << " KiB with one entry, " << big << " KiB with 100,001 entries");
  // A sanitizer's quarantine and shadow memory hold every freed block: memory is not measured there.
  CHECK(big > 0);
  if (!outcheck::test::kSanitized) {
    CHECK(big <= small + 8 * 1024);
    CHECK(big < 64 * 1024);
  }
}

TEST_CASE("provenance: request add applies job-runner's manifest, and the stored report names the job", "[cli][provenance]") {
  outcheck::test::UserSite site;
  site.write("project.yaml", kProject);
  site.write("output/tables/a.csv", kClean);
  site.write("output/tables/edited.csv", kClean + "c,20\n");
  site.write("output/tables/stray.csv", kClean);
  site.write("metadata/manifest.json",
             manifest({{"output/tables/a.csv", entry(kClean)}, {"output/tables/edited.csv", entry(kClean)}}).dump(2));
  site.add_admin();
  site.add_user("res", {"researcher"});
  const std::string id = site.create_by("res");

  // Written by no job: refused at the gate, before anything is copied.
  RunResult stray = site.as("res", {"request", "add", id, "output/tables/stray.csv", "output/tables/a.csv"});
  INFO(stray.err);
  CHECK(stray.exit_code == 1);
  CHECK(contains(stray.err, "not_from_job"));
  // Edited after its job wrote it: refused once its copy is hashed.
  RunResult edited = site.as("res", {"request", "add", id, "output/tables/edited.csv"});
  INFO(edited.err);
  CHECK(edited.exit_code == 1);
  CHECK(contains(edited.err, "changed_since_job"));
  CHECK(site.show_as("res", id).at("files").empty());

  site.ok("res", {"request", "add", id, "output/tables/a.csv"});
  const json shown = site.show_as("res", id);
  REQUIRE(shown.at("files").size() == 1);
  const json& file = shown.at("files")[0];
  INFO(file.dump(2));
  // The stored JSON report carries the job that wrote the file.
  const std::string text = file.dump();
  CHECK(contains(text, "kx3xlnn4wwkzbkas"));
  CHECK(contains(text, kCommit));
  // The review pages say it too: on the request page's file row, and on the file's own page.
  const std::string sentence = "written by job kx3xlnn4wwkzbkas of action ";
  outcheck::web::PageContext ctx{json{{"name", "c1"}, {"roles", json::array({"output-checker"})}}, "csrf", "", false};
  const std::string request_page = outcheck::web::request_page(ctx, shown, json::object(), json::array(), "");
  CHECK(contains(request_page, sentence));
  CHECK(contains(request_page, "at commit " + kCommit));
  const std::string file_page = outcheck::web::file_page(ctx, shown, file, "", "");
  CHECK(contains(file_page, "<p class=\"job\" id=\"job\">" + sentence));
}
