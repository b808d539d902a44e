#pragma once
// Text into HTML: everything a page shows that came from a user, a file or the database passes
// through escape(), in element content and in quoted attribute values alike.
#include <string>
#include <string_view>

#include "checker/html_text.h"

namespace outcheck::web {

inline std::string escape(std::string_view s) { return checker::html_escape(s); }

// A query-string value (file paths in links: `/` kept readable unless `keep_slash` is false).
inline std::string url_encode(std::string_view s, bool keep_slash = true) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || (c == '/' && keep_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace outcheck::web
