#include "checker/yaml_doc.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>

namespace outcheck::checker {

namespace {

constexpr std::size_t kMaxYamlBytes = 4 << 20;  // project and policy files are tiny; refuse giants

// Walks the parse events and remembers every mapping's keys, so a repeated key is an error as in
// the OpenSAFELY pipeline (ruyaml), not a silent overwrite. Linear in the text: aliases are not
// expanded, so a "billion laughs" document costs nothing here.
class DuplicateKeyFinder : public YAML::EventHandler {
 public:
  struct Duplicate {
    std::string key;
    YAML::Mark mark;
    YAML::Mark first;
  };

  std::vector<Duplicate> duplicates;
  int documents = 0;
  YAML::Mark second_document = YAML::Mark::null_mark();

  void OnDocumentStart(const YAML::Mark& m) override {
    if (++documents == 2) second_document = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m, "~", true); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m, "", false); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string& value) override {
    node(m, value, true);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(m, "", false);
    frames_.push_back(Frame{false, true, {}});
  }
  void OnSequenceEnd() override { frames_.pop_back(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(m, "", false);
    frames_.push_back(Frame{true, true, {}});
  }
  void OnMapEnd() override { frames_.pop_back(); }

 private:
  struct Frame {
    bool is_map;
    bool expect_key = true;
    std::map<std::string, YAML::Mark> keys;
  };

  void node(const YAML::Mark& m, const std::string& text, bool comparable) {
    if (frames_.empty() || !frames_.back().is_map) return;
    Frame& f = frames_.back();
    if (f.expect_key && comparable) {
      auto [it, inserted] = f.keys.emplace(text, m);
      if (!inserted) duplicates.push_back({text, m, it->second});
    }
    f.expect_key = !f.expect_key;
  }

  std::vector<Frame> frames_;
};

std::string source_line(const std::string& text, int line0) {
  std::size_t start = 0;
  for (int i = 0; i < line0; ++i) {
    start = text.find('\n', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  std::size_t end = text.find('\n', start);
  std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

std::string located(const std::string& path, const std::string& text, const YAML::Mark& mark,
                    const std::string& message) {
  std::ostringstream out;
  if (mark.is_null() || mark.line < 0) {
    out << path << ": " << message;
    return out.str();
  }
  out << path << ":" << mark.line + 1 << ":" << mark.column + 1 << ": " << message;
  std::string line = source_line(text, mark.line);
  if (!line.empty() && line.size() <= 200) {
    out << "\n    " << line << "\n    " << std::string(static_cast<std::size_t>(mark.column), ' ') << "^";
  }
  return out.str();
}

std::string located(const YamlDoc& doc, const YAML::Mark& mark, const std::string& message) {
  return located(doc.path, doc.text, mark, message);
}

std::string node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a string";
    default: return "empty";
  }
}

namespace {

// yaml-cpp reports a tab in indentation as "illegal map value" or "end of map not found"; name
// the tab, in the words of the pipeline's YAML parser, and point at it.
std::string yaml_error(const YamlDoc& doc, const YAML::Exception& e) {
  if (!e.mark.is_null() && e.mark.line >= 0) {
    std::string line = source_line(doc.text, e.mark.line);
    std::size_t indent = line.find_first_not_of(" \t");
    std::size_t tab = line.find('\t');
    if (tab != std::string::npos && (indent == std::string::npos || tab < indent)) {
      YAML::Mark at = e.mark;
      at.column = static_cast<int>(tab);
      return located(doc, at, "found character '\\t' that cannot start any token (indent with spaces, not tabs)");
    }
  }
  return located(doc, e.mark, e.msg);
}

}  // namespace

Result<YamlDoc> load_yaml_text(const std::string& path, std::string text) {
  YamlDoc doc{path, std::move(text), {}};
  if (auto nul = doc.text.find('\0'); nul != std::string::npos) {
    YAML::Mark at;
    std::size_t line_start = doc.text.rfind('\n', nul);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    at.line = static_cast<int>(std::count(doc.text.begin(), doc.text.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
    at.column = static_cast<int>(nul - line_start);
    return invalid_input(located(path, "", at, "contains a NUL byte; it is not a YAML text file"));
  }
  DuplicateKeyFinder finder;
  try {
    std::istringstream in(doc.text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(finder)) {
    }
  } catch (const YAML::Exception& e) {
    return invalid_input(yaml_error(doc, e));
  }
  if (finder.documents > 1) {
    return invalid_input(located(doc, finder.second_document,
                                 "a second YAML document starts here (the file holds " +
                                     std::to_string(finder.documents) + "); it must hold exactly one"));
  }
  if (!finder.duplicates.empty()) {
    const auto& d = finder.duplicates.front();
    return invalid_input(located(doc, d.mark, "found duplicate key \"" + d.key +
                                                  "\" (first defined at line " +
                                                  std::to_string(d.first.line + 1) + ")"));
  }
  try {
    doc.root = YAML::Load(doc.text);
  } catch (const YAML::Exception& e) {
    return invalid_input(yaml_error(doc, e));
  }
  return doc;
}

Result<YamlDoc> load_yaml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot be read (does it exist?)");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxYamlBytes) {
      return invalid_input(path + ": larger than 4 MiB; this is not a project or policy file");
    }
  }
  if (in.bad()) return io_error(path + ": read failed");
  return load_yaml_text(path, std::move(text));
}

}  // namespace outcheck::checker
