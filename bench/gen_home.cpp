// Builds an outcheck home of N release requests for the load benchmark (bench/load.py), through
// db::Service itself (not the CLI): every change is the program's own transaction with its audit
// row, so the chain verifies (`outcheck audit verify`) exactly as in real use.
//   gen_home HOME WORKSPACES N
// Users: admin, two output checkers (checker1, checker2) and 20 researchers. Each request has its
// own workspace folder under WORKSPACES (a project.yaml and one or two outputs), and ends in one of
// the states below, in these shares per 20 requests:
//   pending 2, withdrawn 1, submitted 3, partially_reviewed 2, reviewed 3, returned 2, rejected 1,
//   released 6.
// Writes HOME/bench/tokens.json ({"user": "token"}) and HOME/bench/ids.txt (the ids checker1 may
// view: every request that was ever submitted), and prints the counts.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/home.h"
#include "db/service.h"

namespace fs = std::filesystem;
using namespace outcheck;

// The home is built with about 30 fsyncs per request (SQLite's commits, audit.head's temporary file
// and its folder), which makes 10,000 requests take over 15 minutes on an ordinary disk. This
// program's own definitions take the place of libc's for everything it runs, SQLite included, so
// none waits; one sync() at the end makes the finished home durable before it is served.
extern "C" int fsync(int) { return 0; }
extern "C" int fdatasync(int) { return 0; }

namespace {

[[noreturn]] void die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "gen_home: %s: %s\n", what.c_str(), e.message.c_str());
  std::exit(1);
}

template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  return std::move(*r);
}

void must(const Status& s, const std::string& what) {
  if (!s.ok()) die(what, s.error());
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A workspace: a project.yaml declaring the outputs, and the output files.
std::vector<std::string> make_workspace(const fs::path& ws, long long i, bool two_files) {
  fs::create_directories(ws / "output");
  write(ws / "project.yaml",
        "version: '3.0'\n"
        "expectations:\n  population_size: 1000\n"
        "actions:\n  analysis:\n    run: python:latest python analysis/tables.py\n"
        "    outputs:\n      moderately_sensitive:\n        table: output/table.csv\n        notes: output/notes.txt\n");
  std::string csv = "region,count,mean_age\n";
  for (int r = 0; r < 8; ++r) {
    csv += "region_" + std::to_string(r) + "," + std::to_string(100 + 5 * ((i * 7 + r * 13) % 180)) + "," +
           std::to_string(40 + r) + ".5\n";
  }
  write(ws / "output" / "table.csv", csv);
  std::vector<std::string> files{"output/table.csv"};
  if (two_files) {
    write(ws / "output" / "notes.txt", "Counts rounded to the nearest 5; run " + std::to_string(i) + ".\n");
    files.push_back("output/notes.txt");
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gen_home HOME WORKSPACES N\n");
    return 2;
  }
  const fs::path home_dir = fs::absolute(argv[1]), ws_root = fs::absolute(argv[2]);
  const long long n = std::atoll(argv[3]);
  auto home = must(db::open_home(home_dir), "open home");
  db::Service svc(*home);
  fs::create_directories(ws_root);

  std::map<std::string, std::string> tokens;
  tokens["admin"] = must(svc.add_user(nullptr, "admin", {"admin"}), "add admin");
  db::User admin = must(svc.authenticate(tokens["admin"]), "auth admin");
  auto add = [&](const std::string& name, const std::string& role) {
    tokens[name] = must(svc.add_user(&admin, name, {role}), "add " + name);
    return must(svc.authenticate(tokens[name]), "auth " + name);
  };
  db::User c1 = add("checker1", "output-checker"), c2 = add("checker2", "output-checker");
  std::vector<db::User> researchers;
  for (int k = 0; k < 20; ++k) researchers.push_back(add("researcher" + std::to_string(k), "researcher"));

  std::map<std::string, long long> states;
  std::vector<std::string> visible;
  const auto start = std::chrono::steady_clock::now();
  for (long long i = 0; i < n; ++i) {
    const db::User& author = researchers[i % researchers.size()];
    const fs::path ws = ws_root / ("ws" + std::to_string(i));
    auto files = make_workspace(ws, i, i % 4 == 0);
    const std::string id = must(svc.create_request(author, ws, std::nullopt), "create " + ws.string()).id;
    must(svc.add_files(author, id, files, ws, {}), "add files to " + id);
    must(svc.set_group(author, id, "default", "Counts of patients per region, from analysis/tables.py",
                       "Counts under 10 suppressed, all counts rounded to the nearest 5"),
         "group " + id);
    const int kind = static_cast<int>(i % 20);
    auto votes = [&](const db::User& checker, db::Vote v) {
      for (const auto& f : files) {
        std::optional<std::string> why;
        if (v == db::Vote::changes_requested) why = "please round to 10";
        must(svc.vote(checker, id, f, ws, v, why, std::nullopt), "vote " + id);
      }
      must(svc.submit_review(checker, id), "review " + id);
    };
    std::string state;
    if (kind < 2) {
      state = "pending";
    } else if (kind < 3) {
      must(svc.withdraw(author, id), "withdraw " + id);
      state = "withdrawn";
    } else {
      must(svc.submit(author, id), "submit " + id);
      visible.push_back(id);
      if (kind < 6) {
        state = "submitted";
      } else if (kind < 8) {
        votes(c1, db::Vote::approved);
        must(svc.comment(c1, id, "default", "looks fine to me", false), "comment " + id);
        state = "partially_reviewed";
      } else if (kind < 11) {
        votes(c1, db::Vote::approved);
        votes(c2, db::Vote::approved);
        state = "reviewed";
      } else if (kind < 13) {
        votes(c1, db::Vote::changes_requested);
        votes(c2, db::Vote::approved);
        must(svc.comment(c2, id, "default", "the counts need rounding", false), "comment " + id);
        must(svc.return_request(c1, id), "return " + id);
        state = "returned";
      } else if (kind < 14) {
        votes(c1, db::Vote::changes_requested);
        votes(c2, db::Vote::changes_requested);
        must(svc.reject(c1, id), "reject " + id);
        state = "rejected";
      } else {
        votes(c1, db::Vote::approved);
        votes(c2, db::Vote::approved);
        must(svc.mark_approved(c1, id, "/srv/releases"), "approve " + id);
        for (const auto& f : files) must(svc.record_upload(c1, id, f), "upload " + id);
        must(svc.mark_released(c1, id), "released " + id);
        state = "released";
      }
    }
    ++states[state];
    if ((i + 1) % 1000 == 0) {
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "gen_home: %lld requests, %.1f s\n", i + 1, s);
    }
  }

  fs::create_directories(home_dir / "bench");
  nlohmann::json tj(tokens);
  write(home_dir / "bench" / "tokens.json", tj.dump(2) + "\n");
  fs::permissions(home_dir / "bench" / "tokens.json", fs::perms::owner_read | fs::perms::owner_write);
  std::string ids;
  for (const auto& id : visible) ids += id + "\n";
  write(home_dir / "bench" / "ids.txt", ids);

  auto head = must(home->audit.head(home->db), "audit head");
  ::sync();
  nlohmann::json summary{{"requests", n}, {"states", states}, {"audit_rows", head.seq}, {"users", tokens.size()},
                         {"visible_to_checker1", visible.size()}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}
