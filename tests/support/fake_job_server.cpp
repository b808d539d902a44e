#include "tests/support/fake_job_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "checker/sha256.h"

namespace outcheck::test {

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;
constexpr std::int64_t kFileSizeLimit = 16 * 1024 * 1024;  // job-server's RELEASE_FILE_SIZE_LIMIT
const std::string kPrefix = "/api/v2/releases/";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The filename parameter of `attachment; filename="a/b.csv"` (quoted-string escapes undone).
std::string disposition_filename(const std::string& value) {
  std::size_t at = value.find("filename=");
  if (at == std::string::npos) return "";
  std::size_t i = at + 9;
  std::string out;
  if (i < value.size() && value[i] == '"') {
    for (++i; i < value.size() && value[i] != '"'; ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      out.push_back(value[i]);
    }
    return out;
  }
  while (i < value.size() && value[i] != ';') out.push_back(value[i++]);
  return trim(out);
}

bool send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

const char* reason(int status) {
  switch (status) {
    case 201: return "Created";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string detail(const std::string& text) { return nlohmann::json{{"detail", text}}.dump(); }

// Sleeps `ms`, in short steps so a stopping server is not held up.
void nap(int ms, const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

FakeJobServer::FakeJobServer(std::string token, std::string backend) : token_(std::move(token)), backend_(std::move(backend)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("fake job-server: socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks a free port
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("fake job-server: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeJobServer::~FakeJobServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

std::string FakeJobServer::api_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v2"; }

void FakeJobServer::add_fault(const Fault& f) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(f);
}

void FakeJobServer::clear_faults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

std::vector<RecordedRequest> FakeJobServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

std::vector<RecordedRequest> FakeJobServer::uploads(bool successful_only) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RecordedRequest> out;
  for (const auto& r : log_) {
    if (r.path.rfind(kPrefix + "release/", 0) != 0) continue;
    if (successful_only && r.status != 201) continue;
    out.push_back(r);
  }
  return out;
}

std::map<std::string, ServerRelease> FakeJobServer::releases() const {
  std::lock_guard<std::mutex> lock(mu_);
  return releases_;
}

void FakeJobServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval tv{2, 0};  // no read waits longer than this
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    handle(fd);
    ::close(fd);
  }
}

void FakeJobServer::handle(int fd) {
  // Headers.
  std::string buf;
  std::size_t header_end = std::string::npos;
  char chunk[65536];
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > kMaxHeaderBytes) return;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  RecordedRequest req;
  std::string head = buf.substr(0, header_end);
  std::string body = buf.substr(header_end + 4);
  std::size_t eol = head.find("\r\n");
  std::string request_line = head.substr(0, eol);
  {
    std::size_t a = request_line.find(' '), b = request_line.rfind(' ');
    if (a == std::string::npos || b == a) return;
    req.method = request_line.substr(0, a);
    req.path = request_line.substr(a + 1, b - a - 1);
  }
  for (std::size_t pos = eol; pos != std::string::npos && pos < head.size();) {
    std::size_t start = pos + 2, next = head.find("\r\n", start);
    std::string line = head.substr(start, next == std::string::npos ? std::string::npos : next - start);
    if (std::size_t colon = line.find(':'); colon != std::string::npos) {
      req.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    pos = next;
  }
  std::size_t content_length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    content_length = static_cast<std::size_t>(std::stoull(it->second));
  }
  if (content_length > kMaxBodyBytes) return;
  if (auto it = req.headers.find("content-disposition"); it != req.headers.end()) {
    req.filename = disposition_filename(it->second);
  }
  const bool is_upload = req.path.rfind(kPrefix + "release/", 0) == 0;
  const bool is_create = req.path.rfind(kPrefix + "workspace/", 0) == 0;

  // Which scripted faults apply.
  std::vector<Fault> apply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& f : faults_) {
      if (f.times == 0) continue;
      if (f.endpoint == "workspace" && !is_create) continue;
      if (f.endpoint == "release" && !is_upload) continue;
      if (!f.filename.empty() && f.filename != req.filename) continue;
      if (f.times > 0) --f.times;
      apply.push_back(f);
      if (f.kind != FaultKind::slow) break;
    }
  }
  for (const auto& f : apply) {
    if (f.kind == FaultKind::slow) nap(f.delay_ms, stop_);
  }
  const bool drop = !apply.empty() && apply.back().kind == FaultKind::drop;

  // Body: all of it, or for a dropped connection only part.
  std::size_t want = drop ? std::max<std::size_t>(1, content_length / 2) : content_length;
  if (content_length == 0) want = 0;
  while (body.size() < want) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    body.append(chunk, static_cast<std::size_t>(n));
  }
  if (body.size() > want) body.resize(want);  // pipelining is not supported; anything more is ignored
  req.body_size = body.size();
  req.body_sha256 = checker::sha256_hex(body);
  if (is_create) req.body = body;

  if (drop || (body.size() < content_length)) {
    req.status = 0;
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(req);
    return;  // closed by the caller with nothing sent
  }

  Answer answer;
  if (!apply.empty() && apply.back().kind == FaultKind::unavailable) {
    answer = {503, detail("Service temporarily unavailable"), {}};
  } else if (!apply.empty() && apply.back().kind == FaultKind::forbidden) {
    answer = {403, detail(apply.back().detail), {}};
  } else {
    answer = route(req, body);
  }
  req.status = answer.status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(req);
  }
  std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " " + reason(answer.status) + "\r\n" +
                    "Content-Type: application/json\r\nContent-Length: " + std::to_string(answer.body.size()) +
                    "\r\nConnection: close\r\n";
  for (const auto& h : answer.headers) out += h + "\r\n";
  out += "\r\n" + answer.body;
  send_all(fd, out);
  ::shutdown(fd, SHUT_WR);
}

FakeJobServer::Answer FakeJobServer::route(RecordedRequest& req, const std::string& body) {
  std::string path = req.path.substr(0, req.path.find('?'));
  const bool is_create = path.rfind(kPrefix + "workspace/", 0) == 0;
  const bool is_upload = path.rfind(kPrefix + "release/", 0) == 0;
  if (req.method != "POST" || (!is_create && !is_upload)) return {404, detail("Not found."), {}};
  std::string segment = percent_decode(path.substr(kPrefix.size() + (is_create ? 10 : 8)));
  if (segment.empty() || segment.find('/') != std::string::npos) return {404, detail("Not found."), {}};

  // validate_upload_access: the token names the backend; OS-User must be given.
  auto auth = req.headers.find("authorization");
  if (auth == req.headers.end() || auth->second != token_) {
    return {403, detail("Authorization header is missing or the token is invalid"), {}};
  }
  auto os_user = req.headers.find("os-user");
  if (os_user == req.headers.end() || os_user->second.empty()) {
    return {403, detail("OS-User header is missing"), {}};
  }

  std::lock_guard<std::mutex> lock(mu_);
  if (is_create) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("files") || !j["files"].is_array() || j["files"].empty()) {
      return {400, detail("files: a non-empty list is required"), {}};
    }
    if (!j.contains("metadata") || !j["metadata"].is_object()) return {400, detail("metadata is required"), {}};
    const auto& meta = j["metadata"];
    for (const char* k : {"tool", "airlock_id", "audit_head"}) {
      if (!meta.contains(k) || !meta[k].is_string() || meta[k].get<std::string>().empty()) {
        return {400, detail(std::string("metadata.") + k + " is required"), {}};
      }
    }
    ServerRelease rel;
    rel.workspace = segment;
    rel.created_by = os_user->second;
    rel.metadata = meta.dump();
    for (const auto& f : j["files"]) {
      if (!f.is_object()) return {400, detail("files: each entry must be an object"), {}};
      for (const char* k : {"name", "url", "sha256", "date"}) {
        if (!f.contains(k) || !f[k].is_string() || f[k].get<std::string>().empty()) {
          return {400, detail(std::string("files.") + k + " is required"), {}};
        }
      }
      if (!f.contains("size") || !f["size"].is_number_integer() || f["size"].get<std::int64_t>() < 0) {
        return {400, detail("files.size is required"), {}};
      }
      if (!f.contains("metadata") || !f["metadata"].is_object()) return {400, detail("files.metadata is required"), {}};
      if (f["size"].get<std::int64_t>() > kFileSizeLimit) {
        return {400, detail("File size should be <16Mb"), {}};
      }
      rel.sha256[f["name"].get<std::string>()] = f["sha256"].get<std::string>();
    }
    const std::string id = meta["airlock_id"].get<std::string>();
    auto existing = releases_.find(id);
    if (existing != releases_.end()) {
      std::set<std::string> had, now;
      for (const auto& [n, s] : existing->second.sha256) had.insert(s);
      for (const auto& [n, s] : rel.sha256) now.insert(s);
      // job-server raises ReleaseFilesMismatch and does not catch it: a 500.
      if (had != now) return {500, "<h1>Server Error (500)</h1>", {}};
    } else {
      releases_[id] = rel;
    }
    return {201, nlohmann::json{{"release_id", id}, {"release_url", "/" + segment + "/releases/" + id}}.dump(),
            {"Release-Id: " + id}};
  }

  // An upload.
  auto rel = releases_.find(segment);
  if (rel == releases_.end()) return {404, detail("Not found."), {}};
  if (req.filename.empty()) return {400, detail("Content-Disposition with a filename is required"), {}};
  auto wanted = rel->second.sha256.find(req.filename);
  if (wanted == rel->second.sha256.end()) {
    return {400, detail("Filename '" + req.filename + "' not found in release"), {}};
  }
  if (checker::sha256_hex(body) != wanted->second) {
    return {400, detail("Contents of uploaded file does not match the file which a review was requested for"), {}};
  }
  if (rel->second.uploaded.count(req.filename)) {
    return {400, detail("This version of '" + req.filename + "' has already been uploaded from backend '" + backend_ + "'"), {}};
  }
  rel->second.uploaded[req.filename] = body;
  std::string file_id = wanted->second.substr(0, 12);
  return {201, "{}", {"File-Id: " + file_id, "Location: /releases/" + segment + "/files/" + file_id}};
}

}  // namespace outcheck::test
