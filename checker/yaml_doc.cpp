#include "checker/yaml_doc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "checker/csv_parser.h"

namespace outcheck::checker {

namespace {

constexpr std::size_t kMaxYamlBytes = 4 << 20;  // project and policy files are tiny; refuse giants

// Python's str() and repr() of a plain or quoted YAML scalar as the pipeline's loader (ruyaml,
// YAML 1.2) builds it: null, booleans, integers and floats as Python prints them, strings as they
// are (repr: quoted). Enough to name a duplicate key's values as the pipeline does.
struct PyValue {
  std::string str;
  std::string repr;
};

PyValue python_scalar(const std::string& text, bool plain) {
  auto quoted = [&] {
    std::string r = "'";
    for (char c : text) {
      if (c == '\\' || c == '\'') r += '\\';
      r += c;
    }
    return r + "'";
  };
  if (plain) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return {"None", "None"};
    if (text == "true" || text == "True" || text == "TRUE") return {"True", "True"};
    if (text == "false" || text == "False" || text == "FALSE") return {"False", "False"};
    std::size_t i = (text[0] == '+' || text[0] == '-') ? 1 : 0;
    if (i < text.size() && std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(),
                                       [](char c) { return c >= '0' && c <= '9'; })) {
      std::string digits = text.substr(i);
      digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
      std::string v = (text[0] == '-' && digits != "0" ? "-" : "") + digits;
      return {v, v};
    }
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && text.find_first_of("0123456789") != std::string::npos &&
        text.find_first_of("xXpP") == std::string::npos) {
      std::ostringstream out;
      out.precision(17);
      out << d;
      std::string v = out.str();
      // Python's repr: the shortest text that reads back the same.
      for (int p = 1; p <= 17; ++p) {
        std::ostringstream shorter;
        shorter.precision(p);
        shorter << d;
        if (std::strtod(shorter.str().c_str(), nullptr) == d) {
          v = shorter.str();
          break;
        }
      }
      if (v.find_first_of(".en") == std::string::npos) v += ".0";
      return {v, v};
    }
  }
  return {text, quoted()};
}

// Walks the parse events and remembers every mapping's keys, so a repeated key is an error as in
// the OpenSAFELY pipeline (ruyaml), not a silent overwrite, named as ruyaml names it: the key, its
// value and the original value. Linear in the text: aliases are not expanded, so a "billion laughs"
// document costs nothing here, and a collection's rendering stops at kMaxRepr characters.
class DuplicateKeyFinder : public YAML::EventHandler {
 public:
  struct Duplicate {
    std::string key;
    YAML::Mark mark;
    YAML::Mark first;
    std::string value;
    std::string original;
  };

  std::vector<Duplicate> duplicates;
  int documents = 0;
  YAML::Mark second_document = YAML::Mark::null_mark();
  // yaml-cpp 0.7 never consumes a token that cannot start a node at the top level (a `,`): each
  // HandleNextDocument "parses" an empty document at the same place and returns true, forever
  // (jbeder/yaml-cpp#1040). A document that starts where the previous one did is that loop.
  bool stalled = false;
  YAML::Mark stall_mark = YAML::Mark::null_mark();

  void OnDocumentStart(const YAML::Mark& m) override {
    if (documents > 0 && m.pos == last_start_.pos) {
      stalled = true;
      stall_mark = m;
    }
    last_start_ = m;
    if (++documents == 2) second_document = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { complete(m, "~", true, {"None", "None"}); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { complete(m, "", false, {"*alias", "*alias"}); }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t, const std::string& value) override {
    complete(m, value, true, python_scalar(value, tag != "!"));
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open_collection(false, m, "[");
  }
  void OnSequenceEnd() override { end_collection("]"); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open_collection(true, m, "{");
  }
  void OnMapEnd() override { end_collection("}"); }

 private:
  static constexpr std::size_t kMaxRepr = 200;
  struct Entry {
    YAML::Mark mark;
    std::string value;
  };
  struct Frame {
    bool is_map = false;
    YAML::Mark start;
    bool expect_key = true;
    std::map<std::string, Entry> keys;
    std::string repr;
    int items = 0;
    // The key whose value comes next.
    std::string key;
    YAML::Mark key_mark;
    bool key_comparable = false;
    std::string key_repr;
  };

  void open_collection(bool is_map, const YAML::Mark& m, const char* opening) {
    Frame frame;
    frame.is_map = is_map;
    frame.start = m;
    frame.repr = opening;
    frames_.push_back(std::move(frame));
  }
  void end_collection(const char* close) {
    Frame done = std::move(frames_.back());
    frames_.pop_back();
    done.repr += done.repr.size() >= kMaxRepr ? "...": close;
    complete(done.start, "", false, {done.repr, done.repr});
  }

  void append(Frame& f, const std::string& item) {
    if (f.repr.size() >= kMaxRepr) return;
    if (f.items++) f.repr += ", ";
    f.repr += item;
    if (f.repr.size() > kMaxRepr) f.repr.resize(kMaxRepr);
  }

  // A node is complete: a scalar at once, a collection at its end.
  void complete(const YAML::Mark& m, const std::string& text, bool comparable, const PyValue& value) {
    if (frames_.empty()) return;
    Frame& f = frames_.back();
    if (!f.is_map) {
      append(f, value.repr);
      return;
    }
    if (f.expect_key) {
      f.key = text;
      f.key_mark = m;
      f.key_comparable = comparable;
      f.key_repr = value.repr;
      f.expect_key = false;
      return;
    }
    if (f.key_comparable) {
      auto it = f.keys.find(f.key);
      if (it == f.keys.end()) {
        f.keys.emplace(f.key, Entry{f.key_mark, value.str});
      } else {
        duplicates.push_back({f.key, f.key_mark, it->second.mark, value.str, it->second.value});
      }
    }
    append(f, f.key_repr + ": " + value.repr);
    f.expect_key = true;
  }

  std::vector<Frame> frames_;
  YAML::Mark last_start_ = YAML::Mark::null_mark();
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
  // yaml-cpp stops runaway nesting (a stack overflow otherwise) with the bare words "bad file".
  if (dynamic_cast<const YAML::DeepRecursion*>(&e)) {
    return located(doc, e.mark, "nested too deeply; a project or policy file is never this deep");
  }
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
  // The pipeline reads project.yaml as UTF-8 and refuses anything else; so do we (a pattern or a
  // name that is not UTF-8 could not be reported in JSON or matched against file names faithfully).
  if (!valid_utf8(doc.text)) {
    std::size_t bad = 0;
    while (bad < doc.text.size()) {  // the first byte of the first invalid sequence
      const auto c = static_cast<unsigned char>(doc.text[bad]);
      std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (n == 0 || !valid_utf8(std::string_view(doc.text).substr(bad, n))) break;
      bad += n;
    }
    YAML::Mark at;
    std::size_t line_start = doc.text.rfind('\n', bad == 0 ? 0 : bad - 1);
    line_start = line_start == std::string::npos || bad == 0 ? 0 : line_start + 1;
    at.line = static_cast<int>(std::count(doc.text.begin(), doc.text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    at.column = static_cast<int>(bad - line_start);
    return invalid_input(located(path, "", at, "bytes that are not valid UTF-8; a YAML file must be UTF-8 text"));
  }
  DuplicateKeyFinder finder;
  try {
    std::istringstream in(doc.text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(finder)) {
      if (finder.stalled) {
        const auto pos = static_cast<std::size_t>(finder.stall_mark.pos);
        const std::string what = pos < doc.text.size() ? "'" + doc.text.substr(pos, 1) + "'" : "this";
        return invalid_input(located(doc, finder.stall_mark,
                                     "found " + what + " that cannot start any node here"));
      }
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
    return invalid_input(located(doc, d.mark, "found duplicate key \"" + d.key + "\" with value \"" + d.value +
                                                  "\" (original value: \"" + d.original + "\"; first defined at line " +
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
  // Never blocks: opened non-blocking and read only if it is a regular file (a project.yaml swapped
  // for a FIFO must not hold up whoever loads it).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return not_found(path + ": cannot be read (does it exist?)");
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return invalid_input(path + ": not a regular file");
  }
  std::string text;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return io_error(path + ": read failed");
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxYamlBytes) {
      ::close(fd);
      return invalid_input(path + ": larger than 4 MiB; this is not a project or policy file");
    }
  }
  ::close(fd);
  return load_yaml_text(path, std::move(text));
}

}  // namespace outcheck::checker
