#pragma once
// Loading a YAML file for outcheck: one document, no duplicate keys (yaml-cpp keeps both silently),
// and every error located as `file:line:column: problem` plus the source line and a caret.
#include <string>

#include <yaml-cpp/yaml.h>

#include "base/result.h"

namespace outcheck::checker {

struct YamlDoc {
  std::string path;  // as given, used in messages
  std::string text;
  YAML::Node root;
};

Result<YamlDoc> load_yaml_file(const std::string& path);
Result<YamlDoc> load_yaml_text(const std::string& path, std::string text);

// `path:line:col: message` for a yaml-cpp mark (0-based), followed by the source line and a caret.
std::string located(const YamlDoc& doc, const YAML::Mark& mark, const std::string& message);
std::string located(const std::string& path, const std::string& text, const YAML::Mark& mark,
                    const std::string& message);

// A short description of a node's kind for messages: "a mapping", "a list", "a string", "empty".
std::string node_kind(const YAML::Node& node);

}  // namespace outcheck::checker
