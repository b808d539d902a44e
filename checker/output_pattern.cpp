#include "checker/output_pattern.h"

#include <cctype>
#include <vector>

namespace outcheck::checker {

const char* privacy_name(Privacy p) {
  switch (p) {
    case Privacy::highly_sensitive: return "highly_sensitive";
    case Privacy::moderately_sensitive: return "moderately_sensitive";
    case Privacy::minimally_sensitive: return "minimally_sensitive";
    case Privacy::undeclared: return "undeclared";
    case Privacy::unclassified: return "unclassified";
  }
  return "undeclared";
}

std::optional<Privacy> privacy_from_name(std::string_view name) {
  if (name == "highly_sensitive") return Privacy::highly_sensitive;
  if (name == "moderately_sensitive") return Privacy::moderately_sensitive;
  if (name == "minimally_sensitive") return Privacy::minimally_sensitive;
  return std::nullopt;
}

int protection_rank(Privacy p) {
  switch (p) {
    case Privacy::highly_sensitive: return 3;
    case Privacy::minimally_sensitive: return 2;
    case Privacy::moderately_sensitive: return 1;
    case Privacy::undeclared: return 0;
    case Privacy::unclassified: return 1;  // as moderately_sensitive
  }
  return 0;
}

std::string path_suffix(std::string_view path) {
  auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return "";
  return std::string(name.substr(dot));
}

std::string normpath(std::string_view path) {
  if (path.empty()) return ".";
  bool absolute = path.front() == '/';
  // POSIX keeps exactly two leading slashes; three or more collapse to one.
  int leading = 0;
  if (absolute) {
    leading = (path.size() >= 2 && path[1] == '/' && (path.size() == 2 || path[2] != '/')) ? 2 : 1;
  }
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view comp = path.substr(i, j - i);
    if (comp.empty() || comp == ".") {
    } else if (comp == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!absolute) parts.push_back(comp);
    } else {
      parts.push_back(comp);
    }
    i = j + 1;
  }
  std::string out(static_cast<std::size_t>(leading), '/');
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::optional<std::string> glob_pattern_problem(std::string_view p, bool skip_type_rules) {
  if (p.find('\\') != std::string_view::npos) return "contains back slashes (use forward slashes only)";
  for (std::string_view expr : {"**", "?", "["}) {
    if (p.find(expr) != std::string_view::npos) {
      return "contains '" + std::string(expr) + "' (only the * wildcard character is supported)";
    }
  }
  if (!skip_type_rules) {
    std::string suffix = path_suffix(p);
    if (suffix.empty() || suffix.back() == '*') {
      return std::string("output paths must have a file type extension at the end");
    }
  }
  if (normpath(p) != p) return std::string("is not in standard form (contains double slashes or '..' elements)");
  if (p == "metadata" || p.substr(0, 9) == "metadata/") return std::string("should not include the metadata directory");
  bool windows_drive = p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' &&
                       (p[2] == '/' || p[2] == '\\');
  if (!p.empty() && (p.front() == '/' || windows_drive)) return std::string("is an absolute path");
  return std::nullopt;
}

bool match_component(std::string_view pat, std::string_view s) {
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < pat.size() && pat[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < pat.size() && pat[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pat.size() && pat[pi] == '*') ++pi;
  return pi == pat.size();
}

bool glob_match(std::string_view pattern, std::string_view path) {
  while (true) {
    auto pslash = pattern.find('/');
    auto sslash = path.find('/');
    std::string_view pc = pattern.substr(0, pslash);
    std::string_view sc = path.substr(0, sslash);
    if (!match_component(pc, sc)) return false;
    if (pslash == std::string_view::npos || sslash == std::string_view::npos) {
      return pslash == std::string_view::npos && sslash == std::string_view::npos;
    }
    pattern.remove_prefix(pslash + 1);
    path.remove_prefix(sslash + 1);
  }
}

std::string pattern_root(std::string_view pattern) {
  std::string root;
  while (true) {
    auto slash = pattern.find('/');
    if (slash == std::string_view::npos) return root;  // the last component names files
    std::string_view comp = pattern.substr(0, slash);
    if (comp.find('*') != std::string_view::npos) return root;
    if (!root.empty()) root += '/';
    root += comp;
    pattern.remove_prefix(slash + 1);
  }
}

}  // namespace outcheck::checker
