#pragma once
// The review pages, rendered on the server from the API's JSON. Pure functions from data to HTML;
// web/server.cpp decides who sees which.
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace outcheck::web {

struct PageContext {
  nlohmann::json me;  // {"name", "roles"}, or null on the sign-in page
  std::string csrf;
  std::string flash;
  bool flash_is_error = false;
};

std::string login_page(const std::string& login_csrf, const std::string& error);
// A list page shows one page of rows: `filters` are the list's query parameters as the page was
// asked for (state, workspace, author, needs; request, user, event, since, until; limit), kept in
// its "next" link, which is there while `next` (the next page's cursor) is.
using ListQuery = std::map<std::string, std::string>;
std::string requests_page(const PageContext& ctx, const nlohmann::json& requests, const ListQuery& filters,
                          const std::optional<std::string>& next);
std::string audit_page(const PageContext& ctx, const nlohmann::json& rows, const ListQuery& filters,
                       const std::optional<std::string>& next);
// `release_to`: where the server publishes (serve --release-to), empty when it does not.
// `audit_more`: the audit page's address for the rest of the trail, when it did not all fit.
// `release_record`: once released, the record's copy the viewer may see (GET
// /api/requests/ID/release-record), else null.
std::string request_page(const PageContext& ctx, const nlohmann::json& request, const nlohmann::json& actions,
                         const nlohmann::json& audit, const std::string& release_to, const std::string& audit_more = "",
                         const nlohmann::json& release_record = nullptr);
// One file: `body` is the rendered contents (a table, text or an image) made by the caller.
std::string file_page(const PageContext& ctx, const nlohmann::json& request, const nlohmann::json& file,
                      const std::string& body, const std::string& toolbar);
// Workspace membership (admins): `members` is GET /api/workspaces/members's answer
// ({"enforced", "members": [{workspace, user, granted_by, granted_at}]}).
std::string workspaces_page(const PageContext& ctx, const nlohmann::json& members);
std::string error_page(const PageContext& ctx, int status, const std::string& message);

}  // namespace outcheck::web
