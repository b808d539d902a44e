#include "cli/client.h"

#include <curl/curl.h>
#include <strings.h>

#include "release/curl_library.h"

namespace outcheck::cli {

namespace {

class LocalClient : public Client {
 public:
  LocalClient(web::ApiSettings settings, std::optional<std::string> token)
      : api_(std::move(settings)), token_(std::move(token)) {}

 private:
  Result<Page> perform(const std::string& method, const std::vector<std::string>& segments,
                       const std::map<std::string, std::string>& query, const nlohmann::json& body) override {
    web::ApiRequest request{method, "/api", query, body, token_};
    for (const auto& s : segments) request.path += "/" + s;
    web::ApiResponse response = api_.handle(request);
    if (response.status >= 300) return web::error_from_response(response);
    return Page{std::move(response.body), response.next_cursor};
  }

  web::Api api_;
  std::optional<std::string> token_;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Keeps the Link header of a response.
std::size_t link_header(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  if (line.size() > 5 && strncasecmp(line.c_str(), "link:", 5) == 0) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    *static_cast<std::string*>(out) = line.substr(5);
  }
  return size * n;
}

class RemoteClient : public Client {
 public:
  RemoteClient(const release::CurlLibrary& libcurl, CURL* curl, std::string server, std::optional<std::string> token)
      : libcurl_(libcurl), curl_(curl), server_(std::move(server)), token_(std::move(token)) {}
  ~RemoteClient() override { libcurl_.easy_cleanup(curl_); }

 private:
  Result<Page> perform(const std::string& method, const std::vector<std::string>& segments,
                       const std::map<std::string, std::string>& query, const nlohmann::json& body) override {
    std::string url = server_ + "/api";
    for (const auto& s : segments) url += "/" + escape(s);
    char sep = '?';
    for (const auto& [k, v] : query) {
      url += sep + escape(k) + "=" + escape(v);
      sep = '&';
    }
    libcurl_.easy_reset(curl_);
    std::string payload = method == "GET" ? "" : body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string answer;
    curl_slist* headers = nullptr;
    headers = libcurl_.slist_append(headers, "Accept: application/json");
    headers = libcurl_.slist_append(headers, "Content-Type: application/json");
    std::string auth = "Authorization: Bearer " + token_.value_or("");
    if (token_) headers = libcurl_.slist_append(headers, auth.c_str());
    libcurl_.easy_setopt(curl_, CURLOPT_URL, url.c_str());
    libcurl_.easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method != "GET") {
      libcurl_.easy_setopt(curl_, CURLOPT_POSTFIELDS, payload.data());
      libcurl_.easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    }
    libcurl_.easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    libcurl_.easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
    libcurl_.easy_setopt(curl_, CURLOPT_WRITEDATA, &answer);
    std::string link;
    libcurl_.easy_setopt(curl_, CURLOPT_HEADERFUNCTION, link_header);
    libcurl_.easy_setopt(curl_, CURLOPT_HEADERDATA, &link);
    libcurl_.easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, 10L);
    libcurl_.easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    // Adding a thousand files or publishing a release may take minutes; nothing bounds the call
    // but a server that stops sending anything at all for five minutes.
    libcurl_.easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    libcurl_.easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, 300L);
    CURLcode rc = libcurl_.easy_perform(curl_);
    libcurl_.slist_free_all(headers);
    if (rc != CURLE_OK) {
      return Error{ErrorKind::unavailable, "cannot reach the outcheck server at " + server_ + ": " + libcurl_.easy_strerror(rc)};
    }
    long status = 0;
    libcurl_.easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    auto parsed = nlohmann::json::parse(answer, nullptr, false);
    if (parsed.is_discarded()) {
      return Error{ErrorKind::unavailable, server_ + " answered HTTP " + std::to_string(status) +
                                               " without JSON; is it an outcheck server (outcheck serve)?"};
    }
    if (status >= 300) return web::error_from_response({static_cast<int>(status), std::move(parsed)});
    return Page{std::move(parsed), web::cursor_from_link(link)};
  }

  std::string escape(const std::string& s) {
    char* e = libcurl_.easy_escape(curl_, s.data(), static_cast<int>(s.size()));
    std::string out = e ? e : "";
    libcurl_.free(e);
    return out;
  }

  const release::CurlLibrary& libcurl_;
  CURL* curl_;
  std::string server_;
  std::optional<std::string> token_;
};

}  // namespace

Result<nlohmann::json> Client::call(const std::string& method, const std::vector<std::string>& segments,
                                    const std::map<std::string, std::string>& query, const nlohmann::json& body) {
  OUTCHECK_ASSIGN_OR_RETURN(auto page, perform(method, segments, query, body));
  return std::move(page.rows);
}

Result<Client::Page> Client::get_page(const std::vector<std::string>& segments,
                                      const std::map<std::string, std::string>& query) {
  return perform("GET", segments, query, nlohmann::json::object());
}

Result<nlohmann::json> Client::get_list(const std::vector<std::string>& segments, std::map<std::string, std::string> query,
                                        std::size_t limit) {
  nlohmann::json all = nlohmann::json::array();
  for (;;) {
    const std::size_t want = limit ? std::min<std::size_t>(limit - all.size(), db::kMaxPageLimit) : db::kMaxPageLimit;
    query["limit"] = std::to_string(want);
    OUTCHECK_ASSIGN_OR_RETURN(auto page, get_page(segments, query));
    if (!page.rows.is_array()) return Error{ErrorKind::unavailable, "the server answered a list with something else"};
    for (auto& row : page.rows) all.push_back(std::move(row));
    if (!page.next || (limit && all.size() >= limit)) return all;
    if (query["cursor"] == *page.next) return Error{ErrorKind::unavailable, "the server gave the same cursor twice"};
    query["cursor"] = *page.next;
  }
}

std::unique_ptr<Client> make_local_client(web::ApiSettings settings, std::optional<std::string> token) {
  settings.caller_names_target = true;  // local mode: the home's owner names the release target
  return std::make_unique<LocalClient>(std::move(settings), std::move(token));
}

Result<std::unique_ptr<Client>> make_remote_client(const std::string& server, std::optional<std::string> token) {
  std::string base = server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
    return invalid_input("--server " + server + ": give the server's address, http(s)://HOST:PORT");
  }
  if (base.size() >= 4 && base.compare(base.size() - 4, 4, "/api") == 0) base.resize(base.size() - 4);
  OUTCHECK_ASSIGN_OR_RETURN(const release::CurlLibrary* libcurl, release::curl_library());
  CURL* curl = libcurl->easy_init();
  if (!curl) return io_error("cannot start libcurl");
  return std::unique_ptr<Client>(std::make_unique<RemoteClient>(*libcurl, curl, base, std::move(token)));
}

}  // namespace outcheck::cli
