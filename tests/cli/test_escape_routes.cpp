// Escape routes: every way a protected file could reach a release, tried through `request add`
// (not only `check`) with the real binary: symbolic links (direct, chained, to a folder, dangling),
// hard links, `..` and absolute paths, case tricks on file types, a file swapped between `check`
// and `request add` (and while `request add` runs), the staged-copy guarantee (the bytes stored are
// the bytes checked, whatever happens to the workspace file afterwards), and a project.yaml changed
// after review. Each is refused with the right rule id and exit code, and nothing is added: no
// request file, no stored copy, no staging leftover. Expected values come from interface.md
// ("Rule ids", "Release requests", "Publishing").
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/sha256.h"
#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::checker::sha256_hex;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

using outcheck::test::trim;
using outcheck::test::contains;
using outcheck::test::slurp;
using outcheck::test::put;
using outcheck::test::join;

namespace {

const std::string kSafe = "group,num\na,10\nb,15\n";
const std::string kOther = "group,num\nc,20\nd,25\n";
// The protected file's bytes: nothing in them is disclosive by the table rules, so only the gate
// (privacy, links, place) can keep them in.
const std::string kSecret = "group,num\nsecret-row,100\nsecret-too,200\n";
const std::string kHs = "output/hs/patients.csv";

// `extra_highly`: more highly sensitive patterns, declared by an action of their own.
std::string project_yaml(const std::string& extra_highly = "") {
  return "version: '5'\n"
         "actions:\n"
         "  generate_dataset:\n"
         "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/hs/patients.csv\n"
         "    outputs:\n"
         "      highly_sensitive:\n"
         "        dataset: output/hs/patients.csv\n" +
         (extra_highly.empty() ? std::string()
                               : "  extract_more:\n"
                                 "    run: python:v2 python analysis/more.py\n"
                                 "    outputs:\n"
                                 "      highly_sensitive:\n" +
                                     extra_highly) +
         "  summarise:\n"
         "    run: python:v2 python analysis/summarise.py\n"
         "    needs: [generate_dataset]\n"
         "    outputs:\n"
         "      moderately_sensitive:\n"
         "        table: output/tables/*.csv\n"
         "        reports: output/reports/*.csv\n"
         "        linked: output/linked/*.csv\n";
}

// Version 3 allows a pattern without a fixed type (a warning): every file type reaches the gate.
const std::string kProjectV3 =
    "version: '3.0'\n"
    "expectations:\n"
    "  population_size: 1000\n"
    "actions:\n"
    "  summarise:\n"
    "    run: python:latest python analysis/summarise.py\n"
    "    outputs:\n"
    "      moderately_sensitive:\n"
    "        anything: output/up/*.*\n";

// Every file under `dir`, relative (links listed, not followed).
std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_directory() || it->is_symlink()) out.insert(fs::relative(it->path(), dir).generic_string());
  }
  return out;
}

// A site: a home, the workspace "ws" (version 5) with a highly sensitive file and safe outputs, a
// version-3 workspace "ws3", a folder "outside" beside them, and users who act by their own tokens.
class Site : public outcheck::test::UserSite {
 public:
  Site() {
    write("project.yaml", project_yaml());
    write(kHs, kSecret);
    write("output/tables/a.csv", kSafe);
    write("output/tables/b.csv", kOther);
    write("output/reports/r.csv", kSafe);
    put(root() / "ws3/project.yaml", kProjectV3);
    put(root() / "outside/secret.csv", kSecret);
    add_admin();
    add_user("res", {"researcher"});
    for (const char* c : {"c1", "c2", "c3"}) add_user(c, {"output-checker"});
  }

  RunResult as_in(const fs::path& cwd, const std::string& user, const std::vector<std::string>& args) const {
    return as(user, args, {}, cwd);
  }
  json show(const std::string& id) const { return show_as("c3", id); }
  std::string create(const fs::path& ws = {}) const { return create_by("res", ws); }
  // Content-addressed copies in the store (staging excluded) and whatever is left in staging.
  std::set<std::string> stored() const {
    std::set<std::string> out;
    for (const auto& f : files_under(home() / "store")) {
      if (f.rfind("staging/", 0) != 0) out.insert(f);
    }
    return out;
  }
  std::set<std::string> staging() const { return files_under(home() / "store/staging"); }
  fs::path store_path(const std::string& sha) const { return home() / "store" / sha.substr(0, 2) / sha; }
};

std::vector<std::string> paths_of(const json& shown) {
  std::vector<std::string> out;
  for (const auto& f : shown.at("files")) out.push_back(f.at("path"));
  return out;
}

const json& file_of(const json& shown, const std::string& path) {
  for (const auto& f : shown.at("files")) {
    if (f.at("path") == path) return f;
  }
  FAIL("no file " << path << " in\n" << shown.dump(2));
  static const json none;
  return none;
}

// `request add ID PATHS...` as the author, run in `cwd`, must be refused (exit 1) naming `blocked`
// with the reason `rule` (and `detail`, when given), and change nothing: the request's files, the
// store and the staging area are as before.
void expect_add_refused(const Site& site, const std::string& id, const std::vector<std::string>& paths,
                        const std::string& blocked, const std::string& rule, const std::string& detail = "",
                        const fs::path& cwd = {}) {
  const json before = site.show(id);
  const auto stored_before = site.stored();
  std::vector<std::string> args{"request", "add", id};
  args.insert(args.end(), paths.begin(), paths.end());
  RunResult r = site.as_in(cwd.empty() ? site.ws() : cwd, "res", args);
  INFO("request add " << join(paths) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "nothing was added"));
  // The blocked file's line names it and its reason.
  bool named = false;
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    if (contains(line, blocked) && contains(line, rule + ":") && contains(line, detail)) named = true;
  }
  CHECK(named);
  CHECK(site.show(id).at("files") == before.at("files"));
  CHECK(site.stored() == stored_before);
  CHECK(site.staging().empty());
  CHECK_FALSE(fs::exists(site.store_path(sha256_hex(kSecret))));
}

void symlink_at(const fs::path& target, const fs::path& link) {
  fs::create_directories(link.parent_path());
  std::error_code ec;
  fs::remove(link, ec);
  fs::create_symlink(target, link);
}

void hardlink_at(const fs::path& target, const fs::path& link) {
  fs::create_directories(link.parent_path());
  std::error_code ec;
  fs::remove(link, ec);
  fs::create_hard_link(target, link);
}

}  // namespace

TEST_CASE("escape: symbolic links to a protected file are refused by request add", "[cli][escape]") {
  Site site;
  const fs::path ws = site.ws();
  std::string id = site.create();

  SECTION("direct, relative target") {
    symlink_at("../hs/patients.csv", ws / "output/tables/link.csv");
    expect_add_refused(site, id, {"output/tables/link.csv"}, "output/tables/link.csv", "linked_to_protected",
                       "is a symbolic link to " + kHs + ", which is declared highly_sensitive");
  }
  SECTION("direct, absolute target, added with a safe file: neither is added") {
    symlink_at(ws / kHs, ws / "output/tables/abs.csv");
    expect_add_refused(site, id, {"output/tables/a.csv", "output/tables/abs.csv"}, "output/tables/abs.csv",
                       "linked_to_protected", kHs);
  }
  SECTION("chained through another output folder") {
    symlink_at("l2.csv", ws / "output/tables/l1.csv");
    symlink_at("../reports/l3.csv", ws / "output/tables/l2.csv");
    symlink_at("../hs/patients.csv", ws / "output/reports/l3.csv");
    expect_add_refused(site, id, {"output/tables/l1.csv"}, "output/tables/l1.csv", "linked_to_protected", kHs);
    // The whole folder: each link is refused, and the safe files beside them are not added either.
    expect_add_refused(site, id, {"output/tables"}, "output/tables/l2.csv", "linked_to_protected", kHs);
    expect_add_refused(site, id, {"output/"}, "output/reports/l3.csv", "linked_to_protected", kHs);
  }
  SECTION("a link to the protected folder") {
    symlink_at("../hs", ws / "output/tables/dir.csv");
    expect_add_refused(site, id, {"output/tables/dir.csv"}, "output/tables/dir.csv", "special_file", "folder");
    // An output folder that is itself a link to the protected folder: the file through it resolves
    // to the protected file.
    symlink_at("hs", ws / "output/linked");
    expect_add_refused(site, id, {"output/linked/patients.csv"}, "output/linked/patients.csv", "linked_to_protected",
                       "resolves to " + kHs);
    expect_add_refused(site, id, {"output/linked"}, "output/linked", "special_file", "folder");
    expect_add_refused(site, id, {"output/linked/"}, "output/linked", "special_file", "folder");
  }
  SECTION("dangling") {
    symlink_at("../hs/gone.csv", ws / "output/tables/dangling.csv");
    expect_add_refused(site, id, {"output/tables/dangling.csv"}, "output/tables/dangling.csv", "special_file",
                       "does not exist");
    // Dangling now, protected later: still refused once it points somewhere protected.
    symlink_at("../hs/patients.csv", ws / "output/tables/dangling.csv");
    expect_add_refused(site, id, {"output/tables/dangling.csv"}, "output/tables/dangling.csv", "linked_to_protected",
                       kHs);
  }
  SECTION("to a file outside the workspace") {
    symlink_at(site.root() / "outside/secret.csv", ws / "output/tables/out.csv");
    expect_add_refused(site, id, {"output/tables/out.csv"}, "output/tables/out.csv", "outside_workspace",
                       "outside the workspace");
  }
  CHECK(site.show(id).at("files").empty());
  CHECK(site.ok("c3", {"audit", "verify"}).exit_code == 0);
}

TEST_CASE("escape: a hard link to a protected file is refused by request add", "[cli][escape]") {
  Site site;
  std::string id = site.create();
  hardlink_at(site.ws() / kHs, site.ws() / "output/tables/hard.csv");
  expect_add_refused(site, id, {"output/tables/hard.csv"}, "output/tables/hard.csv", "linked_to_protected",
                     "shares its data with " + kHs + " (a hard link), which is declared highly_sensitive");
  // A second hard link in another output folder, and both through a folder argument.
  hardlink_at(site.ws() / kHs, site.ws() / "output/reports/hard2.csv");
  expect_add_refused(site, id, {"output"}, "output/reports/hard2.csv", "linked_to_protected", kHs);
  CHECK(site.show(id).at("files").empty());
}

TEST_CASE("escape: `..` and absolute paths", "[cli][escape]") {
  Site site;
  const fs::path ws = site.ws();
  const std::string outside = (site.root() / "outside/secret.csv").string();
  std::string id = site.create();
  expect_add_refused(site, id, {"../outside/secret.csv"}, outside, "outside_workspace", "outside the workspace");
  expect_add_refused(site, id, {"output/tables/../../../outside/secret.csv"}, outside, "outside_workspace");
  expect_add_refused(site, id, {outside}, outside, "outside_workspace");
  expect_add_refused(site, id, {"/etc/passwd"}, "/etc/passwd", "outside_workspace");
  // From a folder inside the workspace, up and out.
  expect_add_refused(site, id, {"../../../outside/secret.csv"}, outside, "outside_workspace", "", ws / "output/tables");
  // `..` that comes back in to the protected file is judged as that file.
  expect_add_refused(site, id, {"output/tables/../hs/patients.csv"}, kHs, "privacy_level", "highly_sensitive");
  expect_add_refused(site, id, {(ws / "output/tables/../hs/patients.csv").string()}, kHs, "privacy_level");
  expect_add_refused(site, id, {"../hs/patients.csv"}, kHs, "privacy_level", "", ws / "output/tables");
  // A workspace reached through a link to it is still the workspace.
  symlink_at(ws, site.root() / "alias");
  expect_add_refused(site, id, {(site.root() / "alias" / kHs).string()}, kHs, "privacy_level");
  CHECK(site.show(id).at("files").empty());

  // And what a safe file named through `..` is recorded as: its workspace path.
  site.ok("res", {"request", "add", id, "../tables/./a.csv"}, ws / "output/reports");
  CHECK(paths_of(site.show(id)) == std::vector<std::string>{"output/tables/a.csv"});
}

TEST_CASE("escape: case tricks on file types", "[cli][escape]") {
  Site site;
  const fs::path ws3 = site.root() / "ws3";
  for (const char* name : {"X.CSV", "y.Csv", "z.cSV", "w.csv.CSV", "v.CSV.exe"}) put(ws3 / "output/up" / name, kSafe);
  put(ws3 / "output/up/ok.csv", kSafe);
  std::string id = site.create(ws3);
  // In a project whose pattern matches any type, only file_type stands between these and a release.
  for (const char* name : {"X.CSV", "y.Csv", "z.cSV", "w.csv.CSV"}) {
    std::string suffix = std::string(name).substr(std::string(name).rfind('.'));
    expect_add_refused(site, id, {"output/up/" + std::string(name)}, "output/up/" + std::string(name), "file_type",
                       "file type '" + suffix + "' may not be released", ws3);
  }
  expect_add_refused(site, id, {"output/up"}, "output/up/v.CSV.exe", "file_type", "'.exe'", ws3);
  site.ok("res", {"request", "add", id, "output/up/ok.csv"}, ws3);

  // In a version-5 project the pattern itself is exact too: X.CSV is not declared, and not a CSV.
  put(site.ws() / "output/tables/X.CSV", kSafe);
  std::string id5 = site.create();
  expect_add_refused(site, id5, {"output/tables/X.CSV"}, "output/tables/X.CSV", "undeclared");
  expect_add_refused(site, id5, {"output/tables/X.CSV"}, "output/tables/X.CSV", "file_type", "'.CSV'");
}

TEST_CASE("escape: a file swapped between check and request add is judged as it is at add", "[cli][escape]") {
  Site site;
  const fs::path ws = site.ws();
  const fs::path swap = ws / "output/tables/swap.csv";
  std::string id = site.create();

  auto checked_clean = [&] {
    put(swap, kSafe);
    RunResult c = site.as("res", {"check", "--json", "output/tables/swap.csv"});
    REQUIRE(c.exit_code == 0);
    REQUIRE(json::parse(c.out).at("files")[0].at("sha256") == sha256_hex(kSafe));
  };
  SECTION("swapped for a symbolic link") {
    checked_clean();
    fs::remove(swap);
    symlink_at("../hs/patients.csv", swap);
    expect_add_refused(site, id, {"output/tables/swap.csv"}, "output/tables/swap.csv", "linked_to_protected", kHs);
  }
  SECTION("swapped for a hard link") {
    checked_clean();
    hardlink_at(ws / kHs, swap);
    expect_add_refused(site, id, {"output/tables/swap.csv"}, "output/tables/swap.csv", "linked_to_protected", kHs);
  }
  SECTION("swapped for a link outside") {
    checked_clean();
    symlink_at(site.root() / "outside/secret.csv", swap);
    expect_add_refused(site, id, {"output/tables/swap.csv"}, "output/tables/swap.csv", "outside_workspace");
  }
  SECTION("its folder swapped for a link to the protected folder") {
    put(ws / "output/linked/patients.csv", kSafe);
    REQUIRE(site.as("res", {"check", "output/linked/patients.csv"}).exit_code == 0);
    fs::remove_all(ws / "output/linked");
    symlink_at("hs", ws / "output/linked");
    expect_add_refused(site, id, {"output/linked/patients.csv"}, "output/linked/patients.csv", "linked_to_protected",
                       kHs);
  }
  SECTION("swapped to and fro while request add runs") {
    // A process flips the name between a safe file, a symbolic link and a hard link to the protected
    // file, each by an atomic rename, while request add runs again and again. Each add is refused or
    // stores the safe bytes; the protected bytes never reach the store.
    pid_t flipper = ::fork();
    REQUIRE(flipper >= 0);
    struct Reaper {
      pid_t pid;
      ~Reaper() {
        if (pid > 0) {
          ::kill(pid, SIGKILL);
          ::waitpid(pid, nullptr, 0);
        }
      }
    } reaper{flipper};
    if (flipper == 0) {
      const std::string tmp_safe = (ws / "output/tables/.flip-safe").string();
      const std::string tmp_sym = (ws / "output/tables/.flip-sym").string();
      const std::string tmp_hard = (ws / "output/tables/.flip-hard").string();
      const std::string target = swap.string();
      const std::string hs = (ws / kHs).string();
      for (unsigned i = 0;; ++i) {
        switch (i % 3) {
          case 0: {
            FILE* f = std::fopen(tmp_safe.c_str(), "wb");
            if (f) {
              std::fwrite(kSafe.data(), 1, kSafe.size(), f);
              std::fclose(f);
            }
            ::rename(tmp_safe.c_str(), target.c_str());
            break;
          }
          case 1:
            ::unlink(tmp_sym.c_str());
            if (::symlink("../hs/patients.csv", tmp_sym.c_str()) == 0) ::rename(tmp_sym.c_str(), target.c_str());
            break;
          default:
            ::unlink(tmp_hard.c_str());
            if (::link(hs.c_str(), tmp_hard.c_str()) == 0) ::rename(tmp_hard.c_str(), target.c_str());
            break;
        }
        ::usleep(50 + (i * 37) % 400);
      }
    }
    int added = 0, refused = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    for (int round = 0; round < 60 && std::chrono::steady_clock::now() < deadline; ++round) {
      RunResult r = site.as("res", {"request", "add", id, "output/tables/swap.csv"});
      INFO("round " << round << "\nstdout: " << r.out << "\nstderr: " << r.err);
      if (r.exit_code == 0) {
        ++added;
        json shown = site.show(id);
        const json& f = file_of(shown, "output/tables/swap.csv");
        CHECK(f.at("sha256") == sha256_hex(kSafe));
        CHECK(slurp(site.store_path(f.at("sha256"))) == kSafe);
        site.ok("res", {"request", "remove", id, "output/tables/swap.csv"});
      } else {
        ++refused;
        CHECK(r.exit_code == 1);
        CHECK(contains(r.err, "output/tables/swap.csv"));
      }
      CHECK_FALSE(fs::exists(site.store_path(sha256_hex(kSecret))));
    }
    ::kill(flipper, SIGKILL);
    ::waitpid(flipper, nullptr, 0);
    reaper.pid = 0;
    INFO(added << " added, " << refused << " refused");
    CHECK(added + refused > 0);
    CHECK(site.staging().empty());
    CHECK(site.ok("c3", {"audit", "verify"}).exit_code == 0);
  }
}

TEST_CASE("escape: the stored copy is the checked copy whatever the workspace file does later", "[cli][escape]") {
  Site site;
  const fs::path ws = site.ws();
  const fs::path a = ws / "output/tables/a.csv";
  std::string id = site.create();

  RunResult checked = site.ok("res", {"check", "--json", "output/tables/a.csv"});
  const std::string checked_sha = json::parse(checked.out).at("files")[0].at("sha256");
  REQUIRE(checked_sha == sha256_hex(kSafe));
  site.ok("res", {"request", "add", id, "output/tables/a.csv", "output/tables/b.csv"});
  const json at_add = site.show(id);
  const json& fa = file_of(at_add, "output/tables/a.csv");
  CHECK(fa.at("sha256") == checked_sha);
  CHECK(fa.at("size") == kSafe.size());
  CHECK(fa.at("outcome") == "pass");
  CHECK(fa.at("workspace_status") == "under_review");
  CHECK(slurp(site.store_path(checked_sha)) == kSafe);
  // The stored copy is read-only.
  struct stat st;
  REQUIRE(::stat(site.store_path(checked_sha).c_str(), &st) == 0);
  CHECK((st.st_mode & 0222) == 0);
  CHECK(site.staging().empty());

  // The workspace file changes in place (same inode), to something disclosive.
  {
    std::ofstream out(a, std::ios::binary | std::ios::in | std::ios::out | std::ios::trunc);
    out << "group,num\na,3\nb,4\n";
  }
  json after = site.show(id);
  const json& fa2 = file_of(after, "output/tables/a.csv");
  CHECK(fa2.at("sha256") == checked_sha);
  CHECK(fa2.at("outcome") == "pass");
  CHECK(fa2.at("findings") == fa.at("findings"));
  CHECK(fa2.at("finding_counts") == fa.at("finding_counts"));
  CHECK(fa2.at("workspace_status") == "updated");
  CHECK(file_of(after, "output/tables/b.csv").at("workspace_status") == "under_review");
  CHECK(slurp(site.store_path(checked_sha)) == kSafe);

  // Now a link to the protected file: still the reviewed copy; `request update` refuses the new
  // version, and nothing about the request moves.
  fs::remove(a);
  symlink_at("../hs/patients.csv", a);
  CHECK(file_of(site.show(id), "output/tables/a.csv").at("workspace_status") == "updated");
  RunResult update = site.as("res", {"request", "update", id, "output/tables/a.csv"});
  INFO("update: " << update.err);
  CHECK(update.exit_code == 1);
  CHECK(contains(update.err, "output/tables/a.csv"));
  CHECK(file_of(site.show(id), "output/tables/a.csv").at("sha256") == checked_sha);
  CHECK_FALSE(fs::exists(site.store_path(sha256_hex(kSecret))));
  CHECK(site.staging().empty());

  // Reviewed and released: the released bytes are the checked bytes.
  site.ok("res", {"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
  site.ok("res", {"request", "submit", id});
  for (const char* c : {"c1", "c2"}) {
    for (const char* p : {"output/tables/a.csv", "output/tables/b.csv"}) site.ok(c, {"review", "vote", id, p, "approve"});
    site.ok(c, {"review", "submit", id});
  }
  const fs::path out = site.root() / "published";
  site.ok("c3", {"request", "release", id, "--to", out.string()});
  CHECK(slurp(out / "ws" / id / "files/output/tables/a.csv") == kSafe);
  CHECK(slurp(out / "ws" / id / "files/output/tables/b.csv") == kOther);
  CHECK(site.show(id).at("status") == "released");
}

TEST_CASE("escape: a project.yaml changed after review stops the release", "[cli][escape]") {
  Site site;
  std::string id = site.create();
  site.ok("res", {"request", "add", id, "output/tables/a.csv", "output/tables/b.csv"});
  site.ok("res", {"request", "group", id, "default", "--context", "counts", "--controls", "rounded"});
  site.ok("res", {"request", "submit", id});
  for (const char* c : {"c1", "c2"}) {
    for (const char* p : {"output/tables/a.csv", "output/tables/b.csv"}) site.ok(c, {"review", "vote", id, p, "approve"});
    site.ok(c, {"review", "submit", id});
  }
  REQUIRE(site.show(id).at("status") == "reviewed");
  const fs::path out = site.root() / "published";
  const fs::path yaml = site.ws() / "project.yaml";

  auto refused = [&](int code, const std::vector<std::string>& in_message) {
    RunResult r = site.as("c3", {"request", "release", id, "--to", out.string()});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == code);
    for (const auto& m : in_message) CHECK(contains(r.err, m));
    CHECK(files_under(out).empty());
    CHECK(site.show(id).at("status") == "reviewed");
  };

  SECTION("one file now also matched by a highly_sensitive pattern (the most protective wins)") {
    put(yaml, project_yaml("        leaked: output/tables/b.csv\n"));
    REQUIRE(site.as("res", {"project", "validate"}).exit_code == 0);
    refused(1, {"output/tables/b.csv", "highly_sensitive"});
    // The audit log says why.
    json log = json::parse(site.ok("admin", {"audit", "log", "--request", id, "--json"}).out);
    CHECK(contains(log.dump(), "highly_sensitive"));
  }
  SECTION("the pattern removed: the files are undeclared now") {
    std::string y = project_yaml();
    const std::string line = "        table: output/tables/*.csv\n";
    y.erase(y.find(line), line.size());
    put(yaml, y);
    refused(1, {"output/tables/a.csv", "undeclared"});
  }
  SECTION("project.yaml broken") {
    put(yaml, project_yaml() + "version: '4'\n");
    refused(2, {"project.yaml", "duplicate key"});
  }
  SECTION("project.yaml replaced by a link to a project outside the workspace") {
    // Only the workspace is read: the link is not followed, whatever the file there says.
    put(site.root() / "evil/project.yaml", project_yaml("        all: output/tables/a*.csv\n"));
    fs::remove(yaml);
    symlink_at(site.root() / "evil/project.yaml", yaml);
    refused(2, {"project.yaml", "a link that leads outside the workspace"});
  }
  // Put back as reviewed: it goes.
  fs::remove(yaml);
  put(yaml, project_yaml());
  site.ok("c3", {"request", "release", id, "--to", out.string()});
  CHECK(site.show(id).at("status") == "released");
  CHECK(slurp(out / "ws" / id / "files/output/tables/b.csv") == kOther);
}
