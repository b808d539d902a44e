#pragma once
// A real HTTP/1.1 server on 127.0.0.1 (a free port chosen by the kernel), run in a background thread,
// that speaks job-server's release API as ../shared/reference/airlock.md section 4 describes it:
//
//   POST /api/v2/releases/workspace/{workspace}  JSON file list; creates the release keyed by
//        metadata.airlock_id, idempotently (the same sha256 set answers 201 again).
//   POST /api/v2/releases/release/{id}           one file: Content-Disposition names it, the body's
//        sha256 must be the recorded one, and a second upload is a 400 "has already been uploaded".
//
// Authorization must equal the expected token (else 403 {"detail": ...}); OS-User is required.
// Every request is recorded (method, path, headers, body hash), and faults can be scripted: 503,
// a connection dropped mid-upload, a slow answer, a 403 with a detail. Connections are handled one
// at a time and each is closed after its answer; every read and wait is bounded, and the destructor
// stops the server.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace outcheck::test {

struct RecordedRequest {
  std::string method;
  std::string path;                            // as sent, percent-encoding and all
  std::map<std::string, std::string> headers;  // names lower-cased
  std::size_t body_size = 0;                   // bytes read (less than sent when the connection was dropped)
  std::string body_sha256;
  std::string body;                            // kept for JSON bodies (release creation) only
  std::string filename;                        // the Content-Disposition filename, for uploads
  int status = 0;                              // the answer; 0 when the connection was dropped
};

enum class FaultKind {
  unavailable,  // answer 503
  drop,         // read the headers and part of the body, then close, sending nothing
  slow,         // wait delay_ms, then answer as usual
  forbidden,    // answer 403 {"detail": detail}
};

struct Fault {
  FaultKind kind = FaultKind::unavailable;
  std::string endpoint;   // "workspace" (release creation), "release" (uploads), or "" for any
  std::string filename;   // uploads of this file only; "" for any
  int times = 1;          // how many matching requests it applies to; -1: every one
  int delay_ms = 0;       // for slow
  std::string detail = "Invalid token";  // for forbidden
};

struct ServerRelease {
  std::string workspace;
  std::string created_by;                      // OS-User
  std::map<std::string, std::string> sha256;   // requested file -> sha256
  std::map<std::string, std::string> uploaded;  // file -> the bytes received
  std::string metadata;                        // the release's metadata, as JSON text
};

class FakeJobServer {
 public:
  explicit FakeJobServer(std::string token, std::string backend = "test-backend");
  ~FakeJobServer();
  FakeJobServer(const FakeJobServer&) = delete;
  FakeJobServer& operator=(const FakeJobServer&) = delete;

  int port() const { return port_; }
  std::string api_url() const;  // http://127.0.0.1:PORT/api/v2

  // Faults are tried in the order added; the first that matches a request applies (a slow fault
  // then lets the later ones apply too).
  void add_fault(const Fault& f);
  void clear_faults();

  std::vector<RecordedRequest> requests() const;
  // Uploads (POST .../releases/release/{id}) in arrival order: only those answered 201, or all.
  std::vector<RecordedRequest> uploads(bool successful_only = true) const;
  std::map<std::string, ServerRelease> releases() const;

 private:
  void serve();
  void handle(int fd);
  struct Answer {
    int status = 0;
    std::string body;
    std::vector<std::string> headers;
  };
  Answer route(RecordedRequest& req, const std::string& body);

  std::string token_, backend_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Fault> faults_;
  std::vector<RecordedRequest> log_;
  std::map<std::string, ServerRelease> releases_;
  std::thread thread_;
};

}  // namespace outcheck::test
