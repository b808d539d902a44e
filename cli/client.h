#pragma once
// Where the workflow commands go: the JSON API (web/api.h) in this process, on a local home; or an
// `outcheck serve` over HTTP (--server URL). Either way the command gets the same JSON or the same
// error kind, so its output and exit code do not depend on the mode.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "web/api.h"

namespace outcheck::cli {

class Client {
 public:
  virtual ~Client() = default;
  // `segments`: the path under /api/, one element per segment (a request id, say); each is
  // encoded as needed. Non-2xx answers come back as errors of the server's kind.
  Result<nlohmann::json> call(const std::string& method, const std::vector<std::string>& segments,
                              const std::map<std::string, std::string>& query = {},
                              const nlohmann::json& body = nlohmann::json::object());

  // One page of a list (GET): its rows, and the next page's cursor while more remain (from the
  // Link: rel="next" header through a server).
  struct Page {
    nlohmann::json rows;
    std::optional<std::string> next;
  };
  Result<Page> get_page(const std::vector<std::string>& segments, const std::map<std::string, std::string>& query);
  // A whole list: follows the cursors to the end, or until `limit` rows (0: no cap).
  Result<nlohmann::json> get_list(const std::vector<std::string>& segments, std::map<std::string, std::string> query,
                                  std::size_t limit = 0);

 protected:
  // The one thing a mode does: make the call and give back its body and next cursor.
  virtual Result<Page> perform(const std::string& method, const std::vector<std::string>& segments,
                               const std::map<std::string, std::string>& query, const nlohmann::json& body) = 0;
};

std::unique_ptr<Client> make_local_client(web::ApiSettings settings, std::optional<std::string> token);
// `server`: http(s)://HOST[:PORT], the address `outcheck serve` listens on.
Result<std::unique_ptr<Client>> make_remote_client(const std::string& server, std::optional<std::string> token);

}  // namespace outcheck::cli
