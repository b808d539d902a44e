#include "checker/shell_split.h"

namespace outcheck::checker {

Result<std::vector<std::string>> shell_split(std::string_view s) {
  std::vector<std::string> tokens;
  std::string token;
  bool in_token = false;
  std::size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < s.size()) {
    char c = s[i];
    if (is_space(c)) {
      if (in_token) tokens.push_back(std::move(token)), token.clear(), in_token = false;
      ++i;
    } else if (c == '\'') {
      auto end = s.find('\'', i + 1);
      if (end == std::string_view::npos) return invalid_input("No closing quotation");
      token.append(s.substr(i + 1, end - i - 1));
      in_token = true;
      i = end + 1;
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char d = s[i];
        if (d == '"') { closed = true; ++i; break; }
        if (d == '\\') {
          // shlex escapes only the quote and the backslash inside double quotes; before anything
          // else the backslash stays. A backslash at the very end has nothing to escape.
          if (i + 1 >= s.size()) return invalid_input("No escaped character");
          if (s[i + 1] != '"' && s[i + 1] != '\\') token.push_back(d);
          token.push_back(s[i + 1]);
          i += 2;
          continue;
        }
        token.push_back(d);
        ++i;
      }
      if (!closed) return invalid_input("No closing quotation");
      in_token = true;
    } else if (c == '\\') {
      if (i + 1 >= s.size()) return invalid_input("No escaped character");
      token.push_back(s[i + 1]);
      in_token = true;
      i += 2;
    } else {
      token.push_back(c);
      in_token = true;
      ++i;
    }
  }
  if (in_token) tokens.push_back(std::move(token));
  return tokens;
}

}  // namespace outcheck::checker
