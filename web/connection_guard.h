#pragma once
// The connection model of `outcheck serve`. Debian's cpp-httplib 0.11.4 is a compiled shared
// library with fixed defaults (a listen backlog of 5, no TCP_NODELAY, 8 workers, 5 requests per
// keep-alive connection, and only a per-recv read timeout, so a client that sends a byte every few
// seconds holds a worker for ever). So the server keeps httplib's request parsing and routing
// (Server::process_request, its protected entry point) and owns everything around it:
//
// - the socket: bound here, listen backlog `backlog`, TCP_NODELAY on every accepted socket;
// - admission: at most `max_connections` open connections, `max_per_address` from one client
//   address; beyond either the accepting thread answers 503 or 429 itself and closes, so an
//   over-limit client never occupies a worker;
// - workers: one thread per open connection, from a pool larger than `max_connections`, so a
//   slow connection only ever holds its own thread;
// - deadlines that hold however the bytes come: a request's line and headers must be complete
//   within `header_deadline` of its first byte (of the accept, for a connection's first request),
//   and at most `max_header_bytes`; its body within `body_deadline` of its headers; the response
//   written within `response_deadline`. Every read and write of the connection goes through one
//   stream that waits with poll() against the deadline, never against a per-call timeout;
// - the gate: once a request's headers are in and before any body byte is read, the gate (the
//   server's authentication) decides whether it is served and how large a body it may send. A
//   refused request is answered without reading its body, and its connection closed. A body must
//   declare its length (no chunked or compressed bodies: 411, 415), within the gate's limit (413),
//   and the declared bodies being read at once across all connections stay within `body_budget`
//   (503 beyond), so the memory request bodies take is bounded whatever clients send;
// - keep-alive: up to `keep_alive_requests` requests per connection, `keep_alive_idle` between.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace outcheck::web {

struct ConnectionLimits {
  int max_connections = 128;
  int max_per_address = 32;
  int backlog = 512;
  std::chrono::milliseconds header_deadline{10000};
  std::chrono::milliseconds body_deadline{30000};
  std::chrono::milliseconds response_deadline{120000};
  std::chrono::milliseconds keep_alive_idle{5000};
  std::size_t keep_alive_requests = 1000;
  std::size_t max_header_bytes = 32 * 1024;
  std::size_t body_budget = 8u << 20;
};

// What the gate says of a request whose headers are in, before any of its body is read.
struct GateDecision {
  bool allow = true;
  std::size_t body_limit = 0;  // when allowed: the largest body accepted
  int status = 0;              // when refused: the answer
  std::string content;
  std::string content_type = "application/json";
  httplib::Headers headers;

  static GateDecision allowed(std::size_t body_limit) {
    GateDecision d;
    d.body_limit = body_limit;
    return d;
  }
  static GateDecision refused(int status, std::string content, std::string content_type = "application/json") {
    GateDecision d;
    d.allow = false;
    d.status = status;
    d.content = std::move(content);
    d.content_type = std::move(content_type);
    return d;
  }
};

using Gate = std::function<GateDecision(const httplib::Request&)>;

class GuardedHttpServer : public httplib::Server {
 public:
  explicit GuardedHttpServer(ConnectionLimits limits = {});
  ~GuardedHttpServer() override;

  void set_gate(Gate gate) { gate_ = std::move(gate); }
  const ConnectionLimits& limits() const { return limits_; }

  // Binds and listens; returns the port (0 picks a free one).
  Result<int> bind_socket(const std::string& host, int port);
  // Accepts and serves until stop_serving(); then lets the requests in flight finish.
  Status serve();
  void stop_serving();

  // Open connections now (for tests and the log).
  int open_connections() const;

 private:
  struct Accepted {
    int fd;
    std::string ip;
    int port;
    std::chrono::steady_clock::time_point at;
  };
  class ConnStream;

  void worker_loop();
  void serve_connection(const Accepted& c);
  void release(const std::string& ip);
  void setup_request(httplib::Request& req, ConnStream& strm);

  ConnectionLimits limits_;
  Gate gate_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> body_in_flight_{0};

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<Accepted> queue_;
  std::map<std::string, int> per_address_;
  int open_ = 0;
  bool workers_exit_ = false;
  std::vector<std::thread> workers_;
  std::chrono::steady_clock::time_point last_refusal_log_{};
};

}  // namespace outcheck::web
