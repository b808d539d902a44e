#pragma once
// JSON to text for everything outcheck writes. Strings from the outside world (CSV headers, cell
// values, comments) may hold invalid UTF-8; nlohmann/json throws on those by default, so every dump
// goes through here and replaces such bytes with U+FFFD, deterministically (the audit log hashes
// this text).
#include <string>

#include <nlohmann/json.hpp>

namespace outcheck::checker {

inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace outcheck::checker
