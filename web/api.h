#pragma once
// The JSON API: every workflow command of interface.md as a method and a path under /api/, over
// the db/ service and the release/ publishers. It knows nothing of HTTP: `outcheck serve` carries
// requests to it over the network, and the CLI on a local home calls it in-process, so both modes
// run the same code and give the same answers.
//
// Bodies are JSON objects. Paths a user typed (files, workspaces, release folders) are resolved
// against `cwd` in the body, the client's working directory; without one, file paths are
// workspace-relative. The server reads every file itself: no request carries file contents.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "db/service.h"
#include "release/publisher.h"
#include "release/release_run.h"

namespace outcheck::web {

struct ApiRequest {
  std::string method;  // GET, POST, PUT
  std::string path;    // "/api/requests/01J.../votes", already percent-decoded
  std::map<std::string, std::string> query;
  nlohmann::json body = nlohmann::json::object();
  std::optional<std::string> token;  // the bearer credential
};

struct ApiResponse {
  ApiResponse() = default;
  ApiResponse(int s, nlohmann::json b) : status(s), body(std::move(b)) {}
  int status = 200;
  nlohmann::json body;  // the result, or {"error": {"kind", "message"}}
  // A list with more rows: the next page's cursor, and its address (the same path and query with
  // that cursor) for the `Link: <...>; rel="next"` header.
  std::optional<std::string> next_cursor;
  std::string next_link;
};

// The list parameters of a query (interface.md "Lists"): `limit` (1 to 500, default 50) and
// `cursor`; and the audit log's filters. Bad values are invalid input (400).
Result<db::PageRequest> page_from_query(const std::map<std::string, std::string>& query);
Result<db::AuditFilter> audit_filter_from_query(const std::map<std::string, std::string>& query);
// The cursor in a Link header's next address, if any.
std::optional<std::string> cursor_from_link(const std::string& link_header);
// `value` encoded for a query string.
std::string query_escape(const std::string& value);

struct ApiSettings {
  std::filesystem::path home;
  release::PublisherOptions publish;  // the publishing process's own (release::options_from_environment)
  release::Progress progress;         // told before each file is published; may be empty
  // When set, requests may only be made for workspaces inside this folder (serve --workspaces):
  // the service account can read more of the machine than researchers should name.
  std::filesystem::path workspaces_root;
  // serve --release-to: the one place a release made through this server may go (a folder, or a
  // job-server URL). Empty in local mode, where the caller names the target itself.
  std::string release_target;
  // Local mode only (cli/client.cpp's in-process client): the caller names the release target
  // (--to), as the home's owner. Off everywhere else, so a server never sends a release where a
  // client asks: only to release_target, and with none set, nowhere.
  bool caller_names_target = false;
};

class Api {
 public:
  explicit Api(ApiSettings settings) : settings_(std::move(settings)) {}
  ApiResponse handle(const ApiRequest& request) const;
  // A stored file's bytes for the review page (db::Service::read_file: checked, hashed, audited).
  Result<db::Service::FileContents> read_file(const std::optional<std::string>& token, const std::string& id,
                                              const std::string& path) const;

 private:
  ApiSettings settings_;
};

// An error as the API answers it, and back: the kind travels, so a client exits as a local run would.
ApiResponse error_response(const Error& error, bool unauthenticated = false);
Error error_from_response(const ApiResponse& response);
const char* error_kind_name(ErrorKind kind);

}  // namespace outcheck::web
