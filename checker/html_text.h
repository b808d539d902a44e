#pragma once
// Text into HTML, for every page and document the tool writes (the review pages, the release
// record's HTML): in element content and in quoted attribute values alike.
#include <string>
#include <string_view>

namespace outcheck::checker {

inline std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace outcheck::checker
