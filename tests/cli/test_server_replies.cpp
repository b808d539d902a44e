// The CLI's --server mode against a server whose replies are not in outcheck's form (another
// version, or not outcheck at all): a clear error naming the cause and exit 2, never "internal
// error"; --json still prints the reply as it came. The server is a real HTTP server on loopback.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>
#include <thread>

#include "tests/support/workspace_fixture.h"

using outcheck::test::contains;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

namespace {

// An HTTP server on 127.0.0.1 answering every GET, POST and PUT under /api/ with `body`, 200, application/json.
class OddServer {
 public:
  explicit OddServer(std::string body) : body_(std::move(body)) {
    const auto reply = [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(body_, "application/json");
    };
    server_.Get(R"(/api/.*)", reply);
    server_.Post(R"(/api/.*)", reply);
    server_.Put(R"(/api/.*)", reply);
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    // Bound and listening already: a connection made before the thread accepts waits in the backlog.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~OddServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string body_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("server replies: a reply of another form is a clear error, not an internal one", "[cli][server]") {
  TempDir dir;
  struct Odd {
    const char* what;
    std::string body;
  };
  for (const Odd& odd : {Odd{"an id that is a number", R"({"id": 7, "workspace": "w", "author": "a"})"},
                         Odd{"an array", "[]"}, Odd{"an object missing every key", "{}"}}) {
    INFO(odd.what);
    OddServer server(odd.body);
    const std::vector<std::string> env{"OUTCHECK_SERVER=" + server.url(), "OUTCHECK_TOKEN=oc_token"};
    RunResult shown = run_outcheck({"request", "show", "01HREQUEST"}, dir.path(), env);
    INFO("stderr: " << shown.err);
    CHECK(shown.exit_code == 2);
    CHECK(contains(shown.err, "outcheck: the reply is not in the form this outcheck reads ("));
    CHECK(contains(shown.err, "is --server an outcheck serve of the same version? --json shows the reply"));
    CHECK(!contains(shown.err, "internal error"));
    CHECK(shown.out.empty());
    // --json prints what came, as it came.
    RunResult as_json = run_outcheck({"request", "show", "01HREQUEST", "--json"}, dir.path(), env);
    CHECK(as_json.exit_code == 0);
    CHECK(nlohmann::json::parse(as_json.out) == nlohmann::json::parse(odd.body));
  }
}

TEST_CASE("server replies: every workflow command's text survives a reply of another form", "[cli][server]") {
  // The commands that render a reply as text, each against replies missing every key, of the wrong
  // types, and of another JSON kind: a clear error (exit 2), for audit verify no proof (exit 1), or
  // an empty answer; never an internal error or a crash (a const JSON object read at a missing key
  // is undefined behaviour, so every renderer reads with .at()).
  const std::vector<std::vector<std::string>> commands{
      {"request", "show", "01HREQUEST"}, {"request", "list"}, {"request", "create", "--workspace", "."},
      {"request", "add", "01HREQUEST", "a.csv"}, {"request", "remove", "01HREQUEST", "a.csv"},
      {"request", "submit", "01HREQUEST"}, {"audit", "log"}, {"audit", "verify"}, {"audit", "head"},
      {"user", "list"}, {"policy", "show"}, {"workspace", "list"}};
  TempDir dir;
  for (const std::string body : {"{}", R"({"id": 7, "message": 7, "rows": "x", "intact": "yes"})", "[{}]", "\"text\""}) {
    OddServer server(body);
    const std::vector<std::string> env{"OUTCHECK_SERVER=" + server.url(), "OUTCHECK_TOKEN=oc_token"};
    for (const auto& args : commands) {
      RunResult r = run_outcheck(args, dir.path(), env);
      std::string line;
      for (const auto& a : args) line += a + " ";
      INFO(line << "against " << body << "\nstderr: " << r.err);
      // 0 only where the reply reads as an empty answer (no users in {}); a crash is neither.
      CHECK((r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 2));
      CHECK(!contains(r.err, "internal error"));
      if (r.exit_code != 0) CHECK(!r.err.empty());
    }
  }
}
