#pragma once
// `outcheck serve`: the review pages and the JSON API over HTTP (cpp-httplib). Browsers sign in
// with a personal token and carry a session cookie; API clients send the token as a bearer
// credential. Everything a request changes goes through web/api.h, as the CLI's does.
#include <memory>
#include <string>

#include "base/result.h"
#include "web/api.h"
#include "web/connection_guard.h"
#include "web/sessions.h"

namespace outcheck::web {

struct ServeOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;          // 0: any free port (bind() says which)
  std::string release_to;   // where the Release button publishes; empty: no Release button
  SessionLimits sessions;
  ConnectionLimits connections;  // deadlines, connection caps, workers (web/connection_guard.h)
};

// Request bodies, checked against the declared Content-Length before a byte is read (413 beyond).
inline constexpr std::size_t kApiBodyMax = 2u << 20;         // an authenticated API call
inline constexpr std::size_t kFirstUserBodyMax = 4096;       // POST /api/users on an empty home
inline constexpr std::size_t kFormBodyMax = 8192;            // a page's form (httplib's own form limit)
// A JSON body deeper or with more values than this is refused (400) before it is parsed.
inline constexpr int kJsonMaxDepth = 32;
inline constexpr std::size_t kJsonMaxValues = 100000;

class ReviewServer {
 public:
  ReviewServer(ApiSettings api, ServeOptions options);
  ~ReviewServer();
  ReviewServer(const ReviewServer&) = delete;
  ReviewServer& operator=(const ReviewServer&) = delete;

  // Binds the listening socket; returns the port.
  Result<int> bind();
  // Serves until stop() (from another thread, or a signal watcher).
  Status run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace outcheck::web
