// The job-server release protocol over libcurl (../shared/reference/airlock.md section 4):
//   POST {url}/releases/workspace/{workspace}  (JSON file list; idempotent on the request id)
//   POST {url}/releases/release/{request id}   (one per file, raw bytes)
// 201 is success; a 400 saying the file "has already been uploaded" counts as done; other 4xx stop
// with the server's message; 5xx, 429 and connection errors are retried with bounded exponential
// backoff and jitter. The token goes only into the Authorization header: never into a message.
#include <curl/curl.h>

#include <chrono>
#include <random>
#include <thread>

#include "checker/json_text.h"
#include "release/curl_library.h"
#include "release/publisher.h"
#include "release/release_record.h"

namespace outcheck::release {

namespace {

struct HttpResult {
  long status = 0;
  std::string body;
  CURLcode curl = CURLE_OK;
  std::string curl_error;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// The server's own words: job-server answers errors as {"detail": "..."}.
std::string server_message(const HttpResult& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("detail") && j["detail"].is_string()) return j["detail"].get<std::string>();
  std::string text = r.body.substr(0, 300);
  return text.empty() ? "no message" : text;
}

// Quotes a path for the Content-Disposition filename parameter.
std::string quoted(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\r' || c == '\n') continue;
    out.push_back(c);
  }
  return out;
}

std::string url_path_segment(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

class HttpPublisher : public Publisher {
 public:
  HttpPublisher(const CurlLibrary& libcurl, std::string url, PublisherOptions options)
      : libcurl_(libcurl), url_(std::move(url)), options_(std::move(options)) {
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
  }

  std::string target() const override { return url_; }

  Status create_release(const ReleasePlan& plan) override {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : plan.files) {
      files.push_back({{"name", f.name}, {"url", f.name}, {"size", f.size}, {"sha256", f.sha256}, {"date", f.date},
                       {"metadata", {{"tool", "outcheck"}, {"airlock_id", plan.request_id}}}});
    }
    nlohmann::json body{{"files", files},
                        {"metadata", {{"tool", "outcheck"}, {"airlock_id", plan.request_id}, {"audit_head", plan.audit_head},
                                      // job-server shows release metadata to the project's members
                                      {"release_record", public_release_record(plan.record)}}},
                        {"review", nullptr}};
    std::string url = url_ + "/releases/workspace/" + url_path_segment(plan.workspace);
    OUTCHECK_ASSIGN_OR_RETURN(auto r,
        call(url, plan.releasing_user, "Content-Type: application/json", {}, checker::json_text(body)));
    if (r.status == 201 || r.status == 200) return Status::OK();
    return Error{ErrorKind::refused, "creating the release at " + url_ + " failed: HTTP " + std::to_string(r.status) +
                                         ": " + server_message(r)};
  }

  Status upload(const ReleasePlan& plan, const ReleaseFile& file, const std::string& bytes) override {
    std::string url = url_ + "/releases/release/" + url_path_segment(plan.request_id);
    OUTCHECK_ASSIGN_OR_RETURN(auto r, call(url, plan.releasing_user, "Content-Type: application/octet-stream",
                  "Content-Disposition: attachment; filename=\"" + quoted(file.name) + "\"", bytes));
    if (r.status == 201 || r.status == 200) return Status::OK();
    std::string message = server_message(r);
    // Sent before, perhaps by a run that was cut off before it could record it.
    if (r.status == 400 && message.find("has already been uploaded") != std::string::npos) return Status::OK();
    return Error{ErrorKind::refused, "uploading " + file.name + " failed: HTTP " + std::to_string(r.status) + ": " + message};
  }

  Status finish(const ReleasePlan&) override { return Status::OK(); }

 private:
  // One POST, retried while the failure is one that may pass (5xx, 429, connection errors).
  Result<HttpResult> call(const std::string& url, const std::string& user, const std::string& content_type,
                          const std::string& extra_header, const std::string& body) {
    std::minstd_rand rng(static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    HttpResult last;
    for (int attempt = 1;; ++attempt) {
      last = post_once(url, user, content_type, extra_header, body);
      bool transient = last.curl != CURLE_OK || last.status >= 500 || last.status == 429;
      if (!transient) return last;
      if (last.curl == CURLE_SSL_CACERT || last.curl == CURLE_PEER_FAILED_VERIFICATION ||
          last.curl == CURLE_SSL_CACERT_BADFILE || last.curl == CURLE_UNSUPPORTED_PROTOCOL || last.curl == CURLE_URL_MALFORMAT) {
        return Error{ErrorKind::refused, url_ + ": " + last.curl_error + " (TLS verification is always on; --ca-file adds a CA)"};
      }
      if (attempt >= options_.max_attempts) break;
      long long delay = static_cast<long long>(options_.backoff_ms) << std::min(attempt - 1, 16);
      delay = std::min<long long>(delay, 30000);
      delay += static_cast<long long>(rng() % static_cast<unsigned>(delay / 2 + 1));  // jitter
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    std::string why = last.curl != CURLE_OK ? last.curl_error
                                            : "HTTP " + std::to_string(last.status) + ": " + server_message(last);
    return Error{ErrorKind::unavailable, url + " failed " + std::to_string(options_.max_attempts) +
                                             " times (" + why + "); run the release again to resume"};
  }

  HttpResult post_once(const std::string& url, const std::string& user, const std::string& content_type,
                       const std::string& extra_header, const std::string& body) {
    HttpResult r;
    CURL* curl = libcurl_.easy_init();
    if (!curl) {
      r.curl = CURLE_FAILED_INIT;
      r.curl_error = "libcurl could not start";
      return r;
    }
    char error[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    headers = libcurl_.slist_append(headers, ("Authorization: " + options_.token).c_str());
    headers = libcurl_.slist_append(headers, ("OS-User: " + user).c_str());
    headers = libcurl_.slist_append(headers, content_type.c_str());
    headers = libcurl_.slist_append(headers, "Accept: application/json");
    headers = libcurl_.slist_append(headers, "Expect:");  // no 100-continue round trip
    if (!extra_header.empty()) headers = libcurl_.slist_append(headers, extra_header.c_str());
    libcurl_.easy_setopt(curl, CURLOPT_URL, url.c_str());
    libcurl_.easy_setopt(curl, CURLOPT_POST, 1L);
    libcurl_.easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    libcurl_.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    libcurl_.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    libcurl_.easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    libcurl_.easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    libcurl_.easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    libcurl_.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    libcurl_.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    libcurl_.easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_seconds);
    libcurl_.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    libcurl_.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    libcurl_.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    libcurl_.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect must not carry the token elsewhere
    if (!options_.ca_file.empty()) libcurl_.easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    r.curl = libcurl_.easy_perform(curl);
    if (r.curl == CURLE_OK) libcurl_.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    else r.curl_error = error[0] ? error : libcurl_.easy_strerror(r.curl);
    libcurl_.slist_free_all(headers);
    libcurl_.easy_cleanup(curl);
    return r;
  }

  const CurlLibrary& libcurl_;
  std::string url_;
  PublisherOptions options_;
};

}  // namespace

Result<std::unique_ptr<Publisher>> make_http_publisher(const std::string& url, const PublisherOptions& options) {
  if (options.token.empty()) {
    return invalid_input("releasing to " + url + " needs the job-server token in OUTCHECK_RELEASE_TOKEN");
  }
  OUTCHECK_ASSIGN_OR_RETURN(const CurlLibrary* libcurl, curl_library());
  return std::unique_ptr<Publisher>(std::make_unique<HttpPublisher>(*libcurl, url, options));
}

}  // namespace outcheck::release
