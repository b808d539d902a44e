// "Slow or huge clients cannot starve others" and "unauthenticated noise is not history"
// (interface.md, "The server's promises"; issue 15 items 7 and 8, issue 21 item 1), each attacked
// on a real `outcheck serve` on loopback with raw sockets: sixteen sockets trickling header bytes
// beside a timed normal call, a slow body, more connections from one address than its cap, an
// oversized body (headers only, a huge Content-Length), deep and vast JSON bodies with the
// server's peak memory read from /proc, and 300 bad-token calls against the audit row count. After
// each attack the server still answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "db/home.h"
#include "tests/support/sanitized.h"
#include "tests/support/serve_process.h"
#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

using outcheck::test::ServeProcess;
using outcheck::test::UserSite;
using Clock = std::chrono::steady_clock;

namespace {

// The README's bound on the server's peak memory ("The review server", connections).
constexpr long kPeakMemoryBoundKiB = 256 * 1024;

class Site : public UserSite {
 public:
  Site() { add_admin(); }
};

// A TCP connection to the server, from `source` (another loopback address) when given; -1 if the
// source address cannot be bound here.
int connect_to(int port, const char* source = nullptr) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  if (source) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Everything the server sends until it closes, or until `wait` passes.
std::string read_until_close(int fd, std::chrono::milliseconds wait) {
  std::string got;
  auto until = Clock::now() + wait;
  char buf[65536];
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

// One whole call on a fresh connection (Connection: close): the raw response.
std::string call(int port, const std::string& method, const std::string& path, const std::string& token,
                 const std::string& body = "", const char* source = nullptr) {
  int fd = connect_to(port, source);
  if (fd < 0) return "";
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  if (method != "GET") req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  send_all(fd, req);
  std::string got = read_until_close(fd, std::chrono::seconds(10));
  ::close(fd);
  return got;
}

// A normal call (GET /api/me with a valid token): how long it took; it must answer 200.
double timed_me(int port, const std::string& token) {
  auto t0 = Clock::now();
  std::string r = call(port, "GET", "/api/me", token);
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  INFO(r);
  REQUIRE(status_of(r) == 200);
  return seconds;
}

long peak_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::int64_t audit_rows(const std::filesystem::path& home) {
  auto h = outcheck::db::open_home(home);
  REQUIRE(h);
  auto st = (*h)->db.prepare("SELECT COUNT(*) FROM audit_log");
  REQUIRE(st);
  REQUIRE(st->step());
  return st->integer(0);
}

}  // namespace

TEST_CASE("serve: sixteen sockets trickling header bytes delay no normal call, and each is cut at the header deadline",
          "[serve][promise]") {
  Site site;
  ServeProcess server(site.home(), {"--header-timeout", "2"});
  const std::string token = site.token("admin");
  timed_me(server.port(), token);

  std::vector<int> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(connect_to(server.port()));
    REQUIRE(send_all(slow.back(), "GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  }
  const auto started = Clock::now();
  // A header line a byte at a time, each socket, every 50 ms, until the server answers or closes.
  std::vector<double> cut_after(slow.size(), -1);
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    std::size_t open = slow.size();
    while (open > 0 && Clock::now() - started < std::chrono::seconds(10)) {
      for (std::size_t i = 0; i < slow.size(); ++i) {
        if (cut_after[i] >= 0) continue;
        pollfd p{slow[i], POLLIN, 0};
        bool answered = ::poll(&p, 1, 0) > 0;
        if (answered || ::send(slow[i], "X", 1, MSG_NOSIGNAL) != 1) {
          cut_after[i] = std::chrono::duration<double>(Clock::now() - started).count();
          --open;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    done = true;
  });

  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double worst = 0;
  for (int i = 0; i < 5; ++i) worst = std::max(worst, timed_me(server.port(), token));
  WARN("a normal call beside 16 trickling sockets: at most " << worst * 1000 << " ms");
  CHECK(worst < 1.0);

  trickle.join();
  for (std::size_t i = 0; i < slow.size(); ++i) {
    INFO("socket " << i << " cut after " << cut_after[i] << " s");
    // The deadline is 2 s from the accept; the trickler looks every 50 ms.
    CHECK(cut_after[i] >= 0);
    CHECK(cut_after[i] < 5.0);
    ::close(slow[i]);
  }
  timed_me(server.port(), token);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: a body sent slowly is cut at the body deadline, and the server still answers", "[serve][promise]") {
  Site site;
  ServeProcess server(site.home(), {"--body-timeout", "2"});
  const std::string token = site.token("admin");
  int fd = connect_to(server.port());
  REQUIRE(send_all(fd, "POST /api/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                           "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"workspace\": \""));
  const auto started = Clock::now();
  double cut = -1;
  while (Clock::now() - started < std::chrono::seconds(8)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 || ::send(fd, "a", 1, MSG_NOSIGNAL) != 1) {
      cut = std::chrono::duration<double>(Clock::now() - started).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::close(fd);
  INFO("cut after " << cut << " s");
  CHECK(cut >= 1.5);
  CHECK(cut < 5.0);
  CHECK(timed_me(server.port(), site.token("admin")) < 1.0);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: connections from one address beyond its cap are refused at once, other addresses still served",
          "[serve][promise]") {
  Site site;
  ServeProcess server(site.home(), {"--max-connections-per-address", "4"});
  const std::string token = site.token("admin");
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(connect_to(server.port()));
    REQUIRE(send_all(held.back(), "GET /api/me HTTP/1.1\r\n"));  // headers never finished
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  auto t0 = Clock::now();
  std::string fifth = call(server.port(), "GET", "/api/me", token);
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  INFO(fifth);
  CHECK(status_of(fifth) == 429);
  CHECK(took < 1.0);
  CHECK(body_of(fifth).find("too many open connections from 127.0.0.1") != std::string::npos);

  // Another loopback address has its own allowance.
  std::string other = call(server.port(), "GET", "/api/me", token, "", "127.0.0.2");
  if (other.empty()) {
    WARN("127.0.0.2 cannot be bound here: the other-address case is skipped");
  } else {
    INFO(other);
    CHECK(status_of(other) == 200);
  }

  for (int fd : held) ::close(fd);
  // Closed connections free their places (the server notices within its poll slice).
  std::string again;
  for (int i = 0; i < 20 && status_of(again) != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    again = call(server.port(), "GET", "/api/me", token);
  }
  CHECK(status_of(again) == 200);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: oversized bodies are refused before they are read, deep or vast JSON is 400, and peak memory stays bounded",
          "[serve][promise]") {
  Site site;
  ServeProcess server(site.home());
  const std::string token = site.token("admin");
  const long before = peak_kib(server.pid());

  // Headers alone, declaring 10 GB: the answer comes without a body byte sent.
  for (const std::string& extra : {std::string(), std::string("Expect: 100-continue\r\n")}) {
    int fd = connect_to(server.port());
    REQUIRE(send_all(fd, "POST /api/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                             "\r\nContent-Type: application/json\r\n" + extra + "Content-Length: 10000000000\r\n\r\n"));
    std::string r = read_until_close(fd, std::chrono::seconds(3));
    ::close(fd);
    INFO(r);
    CHECK(status_of(r) == 413);
    CHECK(r.find("Connection: close") != std::string::npos);
  }
  // Without a valid token, authentication comes first: 401, body unread.
  {
    int fd = connect_to(server.port());
    REQUIRE(send_all(fd, "POST /api/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer oc_nobody\r\n"
                         "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n"));
    std::string r = read_until_close(fd, std::chrono::seconds(3));
    ::close(fd);
    INFO(r);
    CHECK(status_of(r) == 401);
  }
  // A chunked body cannot slip past the limit.
  {
    int fd = connect_to(server.port());
    REQUIRE(send_all(fd, "POST /api/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                             "\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string r = read_until_close(fd, std::chrono::seconds(3));
    ::close(fd);
    CHECK(status_of(r) == 411);
  }

  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string r = call(server.port(), "POST", "/api/requests", token, deep);
  CHECK(status_of(r) == 400);
  CHECK(body_of(r).find("nests deeper than 32") != std::string::npos);

  std::string vast = "[0";
  while (vast.size() < (1u << 20)) vast += ",0";
  vast += "]";
  r = call(server.port(), "POST", "/api/requests", token, vast);
  CHECK(status_of(r) == 400);
  CHECK(body_of(r).find("more than 100000 values") != std::string::npos);

  // Sixteen clients at once, each with a body just under the limit (valid JSON, parsed): the body
  // budget admits some and answers the rest 503; memory stays within the bound.
  std::string big = "{\"group\": \"g\", \"context\": \"" + std::string((2u << 20) - 64, 'w') + "\", \"controls\": \"\"}";
  std::vector<int> statuses(16, 0);
  std::vector<std::thread> clients;
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&, i] { statuses[i] = status_of(call(server.port(), "POST", "/api/requests/NOSUCHREQUEST/groups", token, big)); });
  }
  for (auto& t : clients) t.join();
  for (int s : statuses) CHECK((s == 404 || s == 503));

  const long peak = peak_kib(server.pid());
  WARN("server peak memory (VmHWM): " << before / 1024 << " MiB at start, " << peak / 1024 << " MiB after the attacks");
  CHECK(peak > 0);
  if (!outcheck::test::kSanitized) CHECK(peak < kPeakMemoryBoundKiB);
  CHECK(timed_me(server.port(), token) < 1.0);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: 300 bad-token calls are answered 429 after a burst and add at most a handful of audit rows",
          "[serve][promise]") {
  Site site;
  const auto rows_before = audit_rows(site.home());
  ServeProcess server(site.home());
  const std::string token = site.token("admin");
  int n401 = 0, n429 = 0, other = 0;
  for (int i = 0; i < 300; ++i) {
    int s = status_of(call(server.port(), "GET", "/api/requests", i % 3 == 0 ? "" : "oc_guess" + std::to_string(i)));
    if (s == 401) ++n401;
    else if (s == 429) ++n429;
    else ++other;
  }
  INFO(n401 << " answered 401, " << n429 << " 429, " << other << " otherwise");
  CHECK(other == 0);
  // A burst of 100, then one more a second: the 300 calls take a second or two here.
  CHECK(n401 >= 100);
  CHECK(n401 <= 130);
  CHECK(n429 >= 170);
  // A valid token from the same address is never refused for its neighbours' failures.
  CHECK(timed_me(server.port(), token) < 1.0);
  CHECK(server.stop() == 0);

  const auto added = audit_rows(site.home()) - rows_before;
  INFO(server.log());
  CHECK(added >= 1);
  CHECK(added <= 3);
  CHECK(server.log().find("300 failed authentications from 127.0.0.1") != std::string::npos);
}

TEST_CASE("serve: the first user on an empty home is the one call without a token, with a small body limit",
          "[serve][promise]") {
  outcheck::test::TempDir dir;
  ServeProcess server(dir.path() / "home");
  // Before any user exists: a body over 4 KiB is refused before it is read.
  int fd = connect_to(server.port());
  REQUIRE(send_all(fd, "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Content-Length: 5000\r\n\r\n"));
  std::string r = read_until_close(fd, std::chrono::seconds(3));
  ::close(fd);
  INFO(r);
  CHECK(status_of(r) == 413);
  r = call(server.port(), "POST", "/api/users", "", R"({"name": "admin", "roles": ["admin"]})");
  INFO(r);
  REQUIRE(status_of(r) == 201);
  const std::string token = nlohmann::json::parse(body_of(r))["token"].get<std::string>();
  // Once a user exists, the same call needs an admin's token; without one its body is never read.
  r = call(server.port(), "POST", "/api/users", "", R"({"name": "eve", "roles": ["admin"]})");
  CHECK(status_of(r) == 401);
  r = call(server.port(), "POST", "/api/users", token, R"({"name": "bob", "roles": ["researcher"]})");
  CHECK(status_of(r) == 201);
  CHECK(server.stop() == 0);
}
