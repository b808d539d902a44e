#include "web/connection_guard.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "web/log_line.h"

namespace outcheck::web {

namespace {

using Clock = std::chrono::steady_clock;
// poll() slices: how often a waiting connection looks at the server's stop flag.
constexpr int kSliceMs = 200;

// The request being served on this worker thread: what the gate said.
struct GateState {
  bool refused = false;
  GateDecision decision;
  std::size_t admitted = 0;  // body bytes held in the body budget
};
thread_local GateState* tl_gate = nullptr;

std::string peer_ip(const sockaddr_storage& sa, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  port = 0;
  if (sa.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&sa);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (sa.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
    std::string s = text;
    if (s.rfind("::ffff:", 0) == 0 && s.find('.') != std::string::npos) return s.substr(7);  // IPv4-mapped
  }
  return text;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

std::string json_error(const std::string& kind, const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "{\"error\":{\"kind\":\"" + kind + "\",\"message\":\"" + escaped + "\"}}";
}

// An answer written by the accepting thread to a connection it will not serve: non-blocking, and
// whatever the client already sent is read away first so that closing does not reset the answer.
void refuse_connection(int fd, int status, const char* reason, const std::string& message) {
  std::string body = json_error("unavailable", message);
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                     "\r\nContent-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n";
  std::string all = head + body;
  char sink[4096];
  while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
  (void)::send(fd, all.data(), all.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
  ::close(fd);
}

}  // namespace

// One connection's bytes, both ways, each wait bounded by the current phase's deadline.
class GuardedHttpServer::ConnStream : public httplib::Stream {
 public:
  enum class Phase { headers, body, done };

  ConnStream(int fd, std::string ip, int port, const std::atomic<bool>& stopping, const ConnectionLimits& limits)
      : fd_(fd), ip_(std::move(ip)), port_(port), stopping_(stopping), limits_(limits) {}

  void begin_request(Clock::time_point header_deadline) {
    phase_ = Phase::headers;
    deadline_ = header_deadline;
    header_bytes_ = 0;
    body_left_ = 0;
    write_deadline_.reset();
  }
  void begin_body(std::size_t length) {
    phase_ = Phase::body;
    body_left_ = length;
    deadline_ = Clock::now() + limits_.body_deadline;
  }
  std::size_t body_left() const { return body_left_; }
  bool broken() const { return broken_; }

  // Waits up to `idle` for the next request's first byte; false at end of stream, idle or stop.
  bool wait_for_request(std::chrono::milliseconds idle) {
    if (pos_ < len_) return true;
    auto until = Clock::now() + idle;
    for (;;) {
      if (stopping_) return false;
      int left = remaining_ms(until);
      if (left == 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, std::min(left, kSliceMs));
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) return false;
      if (rc > 0) return true;
    }
  }

  bool is_readable() const override {
    if (pos_ < len_) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return ::poll(&p, 1, std::min(kSliceMs * 25, remaining_ms(write_deadline_.value_or(Clock::now() + limits_.response_deadline)))) > 0;
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (phase_ == Phase::body) {
      if (body_left_ == 0) return 0;  // the declared length is the end of the body
      size = std::min(size, body_left_);
    } else if (phase_ == Phase::headers) {
      if (header_bytes_ >= limits_.max_header_bytes) return fail();
      size = std::min(size, limits_.max_header_bytes - header_bytes_);
    } else {
      return 0;
    }
    if (pos_ == len_) {
      ssize_t got = fill();
      if (got <= 0) return got;
    }
    std::size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    if (phase_ == Phase::body) body_left_ -= n;
    else header_bytes_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (!write_deadline_) write_deadline_ = Clock::now() + limits_.response_deadline;
    for (;;) {
      ssize_t n = ::send(fd_, ptr, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return fail();
      int left = remaining_ms(*write_deadline_);
      if (left == 0) return fail();
      pollfd p{fd_, POLLOUT, 0};
      int rc = ::poll(&p, 1, std::min(left, kSliceMs));
      if (rc < 0 && errno != EINTR) return fail();
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = ip_;
    port = port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
      ip = peer_ip(sa, port);
    }
  }
  socket_t socket() const override { return fd_; }

 private:
  ssize_t fail() {
    broken_ = true;
    return -1;
  }

  // One recv into the buffer, waiting no later than the phase's deadline (and, while the request's
  // headers are still coming, no longer than the server runs).
  ssize_t fill() {
    pos_ = len_ = 0;
    for (;;) {
      int left = remaining_ms(deadline_);
      if (left == 0) return fail();
      if (phase_ == Phase::headers && stopping_) return fail();
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, std::min(left, kSliceMs));
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) return fail();
      if (rc == 0) continue;
      ssize_t n = ::recv(fd_, buf_, sizeof buf_, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n < 0) return fail();
      if (n == 0) {
        broken_ = true;
        return 0;
      }
      len_ = static_cast<std::size_t>(n);
      return n;
    }
  }

  int fd_;
  std::string ip_;
  int port_;
  const std::atomic<bool>& stopping_;
  const ConnectionLimits& limits_;
  Phase phase_ = Phase::headers;
  Clock::time_point deadline_{};
  std::optional<Clock::time_point> write_deadline_;
  std::size_t header_bytes_ = 0;
  std::size_t body_left_ = 0;
  bool broken_ = false;
  char buf_[16384];
  std::size_t pos_ = 0, len_ = 0;
};

GuardedHttpServer::GuardedHttpServer(ConnectionLimits limits) : limits_(limits) {
  if (limits_.max_connections < 1) limits_.max_connections = 1;
  if (limits_.max_per_address < 1) limits_.max_per_address = 1;
  if (limits_.keep_alive_requests < 1) limits_.keep_alive_requests = 1;
  // httplib writes these into every response's Keep-Alive header: say what serve_connection does.
  set_keep_alive_max_count(limits_.keep_alive_requests);
  set_keep_alive_timeout(std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(limits_.keep_alive_idle).count()));
  auto answer = [](httplib::Response& res) {
    const GateDecision& d = tl_gate->decision;
    res.status = d.status;
    for (const auto& [k, v] : d.headers) res.set_header(k, v);
    if (!d.content.empty()) res.set_content(d.content, d.content_type.c_str());
  };
  // A refused request is answered before its body: on `Expect: 100-continue`, instead of 100; and
  // otherwise before routing, which is where httplib would start reading the body.
  set_expect_100_continue_handler([answer](const httplib::Request&, httplib::Response& res) {
    if (tl_gate && tl_gate->refused) {
      answer(res);
      return res.status;
    }
    return 100;
  });
  set_pre_routing_handler([answer](const httplib::Request&, httplib::Response& res) {
    if (tl_gate && tl_gate->refused) {
      answer(res);
      return HandlerResponse::Handled;
    }
    return HandlerResponse::Unhandled;
  });
}

GuardedHttpServer::~GuardedHttpServer() {
  stop_serving();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers_exit_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int fd : wake_) {
    if (fd >= 0) ::close(fd);
  }
}

Result<int> GuardedHttpServer::bind_socket(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || !found) {
    return Error{ErrorKind::unavailable, "cannot listen on " + host + ":" + service + " (not an address of this machine)"};
  }
  int fd = -1;
  std::string why = "no address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second process listen on the
    // same port and take a share of the sign-ins.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, limits_.backlog) == 0) break;
    why = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return Error{ErrorKind::unavailable, "cannot listen on " + host + ":" + service + " (" + why +
                                             "; in use, or not an address of this machine)"};
  }
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  int bound_port = 0;
  peer_ip(sa, bound_port);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(fd);
    return io_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  listen_fd_ = fd;
  return bound_port;
}

void GuardedHttpServer::stop_serving() {
  if (stopping_.exchange(true)) return;
  if (wake_[1] >= 0) {
    char c = 1;
    (void)::write(wake_[1], &c, 1);
  }
}

int GuardedHttpServer::open_connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_;
}

Status GuardedHttpServer::serve() {
  if (listen_fd_ < 0) return invalid_input("the server is not bound");
  // A worker per possible connection and a few more: a connection never waits for a thread.
  const int workers = limits_.max_connections + 8;
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });

  Status result = Status::OK();
  while (!stopping_) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int rc = ::poll(p, 2, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      result = io_error(std::string("poll on the listening socket: ") + std::strerror(errno));
      break;
    }
    if (stopping_) break;
    if (!(p[0].revents & POLLIN)) continue;
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      result = io_error(std::string("accept: ") + std::strerror(errno));
      break;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    Accepted c{fd, "", 0, Clock::now()};
    c.ip = peer_ip(sa, c.port);

    int status = 0;
    std::string message;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      int& mine = per_address_[c.ip];
      if (open_ >= limits_.max_connections) {
        status = 503;
        message = "the server is serving its most connections (" + std::to_string(limits_.max_connections) +
                  "); try again in a moment";
      } else if (mine >= limits_.max_per_address) {
        status = 429;
        message = "too many open connections from " + c.ip + " (at most " + std::to_string(limits_.max_per_address) +
                  " at once); close some and try again";
      } else {
        ++mine;
        ++open_;
        queue_.push_back(c);
      }
      if (mine == 0) per_address_.erase(c.ip);
      if (status != 0) {
        auto now = Clock::now();
        if (now - last_refusal_log_ > std::chrono::seconds(1)) {
          last_refusal_log_ = now;
          log_line("refused a connection from " + c.ip + " (" + std::to_string(status) + "): " + message +
                   " (logged at most once a second)");
        }
      }
    }
    if (status != 0) {
      refuse_connection(fd, status, status == 429 ? "Too Many Requests" : "Service Unavailable", message);
    } else {
      work_ready_.notify_one();
    }
  }

  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers_exit_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  return result;
}

void GuardedHttpServer::worker_loop() {
  for (;;) {
    Accepted c;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return !queue_.empty() || workers_exit_; });
      if (queue_.empty()) return;
      c = queue_.front();
      queue_.pop_front();
    }
    serve_connection(c);
    ::shutdown(c.fd, SHUT_RDWR);
    ::close(c.fd);
    release(c.ip);
  }
}

void GuardedHttpServer::release(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mutex_);
  --open_;
  auto it = per_address_.find(ip);
  if (it != per_address_.end() && --it->second <= 0) per_address_.erase(it);
}

void GuardedHttpServer::setup_request(httplib::Request& req, ConnStream& strm) {
  GateState& g = *tl_gate;
  auto refuse = [&](GateDecision d) {
    g.refused = true;
    g.decision = std::move(d);
    // The body is never read, so the connection cannot carry another request: say so.
    req.headers.erase("Connection");
    req.set_header("Connection", "close");
  };
  GateDecision d = gate_ ? gate_(req) : GateDecision::allowed(0);
  if (!d.allow) return refuse(std::move(d));

  const bool has_length = req.has_header("Content-Length");
  if (req.has_header("Transfer-Encoding")) {
    return refuse(GateDecision::refused(411, json_error("invalid_input", "send the body with a Content-Length (no chunked transfer)")));
  }
  std::string encoding = req.get_header_value("Content-Encoding");
  if (!encoding.empty() && encoding != "identity") {
    return refuse(GateDecision::refused(415, json_error("invalid_input", "compressed bodies are not accepted (Content-Encoding: " + encoding + ")")));
  }
  if (req.get_header_value("Content-Type").find("multipart/") != std::string::npos) {
    return refuse(GateDecision::refused(415, json_error("invalid_input", "multipart bodies are not accepted")));
  }
  std::size_t length = 0;
  if (has_length) {
    const std::string text = req.get_header_value("Content-Length");
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
      return refuse(GateDecision::refused(400, json_error("invalid_input", "the Content-Length is not a number")));
    }
    unsigned long long v = std::stoull(text);
    if (v > d.body_limit) {
      return refuse(GateDecision::refused(
          413, json_error("invalid_input", "the request body is too large (" + text + " bytes; at most " +
                                               std::to_string(d.body_limit) + " here)")));
    }
    length = static_cast<std::size_t>(v);
  }
  if (length > 0) {
    // The body budget: declared bodies being read or held at once, across all connections.
    std::size_t now = body_in_flight_.load();
    do {
      if (now + length > limits_.body_budget) {
        GateDecision busy = GateDecision::refused(503, json_error("unavailable", "the server is reading other requests' bodies; try again in a moment"));
        busy.headers.emplace("Retry-After", "1");
        return refuse(std::move(busy));
      }
    } while (!body_in_flight_.compare_exchange_weak(now, now + length));
    g.admitted = length;
  }
  strm.begin_body(length);
}

void GuardedHttpServer::serve_connection(const Accepted& c) {
  ConnStream strm(c.fd, c.ip, c.port, stopping_, limits_);
  for (std::size_t served = 0; served < limits_.keep_alive_requests; ++served) {
    if (served == 0) {
      strm.begin_request(c.at + limits_.header_deadline);  // from the accept: connecting is not a free wait
    } else {
      if (!strm.wait_for_request(limits_.keep_alive_idle)) break;
      strm.begin_request(Clock::now() + limits_.header_deadline);
    }
    GateState g;
    tl_gate = &g;
    const bool last = served + 1 == limits_.keep_alive_requests || stopping_;
    bool closed = false;
    bool ok = process_request(strm, last, closed, [&](httplib::Request& req) { setup_request(req, strm); });
    tl_gate = nullptr;
    if (g.admitted) body_in_flight_ -= g.admitted;
    // A body left unread (refused, or sent where none is read) would be taken for the next request.
    if (!ok || closed || last || g.refused || strm.broken() || strm.body_left() > 0) break;
  }
}

}  // namespace outcheck::web
