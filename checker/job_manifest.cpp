#include "checker/job_manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <iterator>
#include <memory>
#include <regex>

#include "checker/file_check.h"
#include "checker/workspace.h"

namespace fs = std::filesystem;

namespace outcheck::checker {

using nlohmann::json;

std::optional<std::string> JobProvenance::created_at() const {
  if (!timestamp || !std::isfinite(*timestamp) || *timestamp < 0 || *timestamp > 253402300799.0) return std::nullopt;
  const std::time_t t = static_cast<std::time_t>(std::floor(*timestamp));
  std::tm tm{};
  if (!::gmtime_r(&t, &tm)) return std::nullopt;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf);
}

json job_to_json(const JobProvenance& j) {
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  return json{{"id", j.job_id},           {"request", opt(j.job_request)},   {"action", j.action},
              {"repo", opt(j.repo)},      {"commit", opt(j.commit)},         {"created_at", opt(j.created_at())},
              {"row_count", opt(j.row_count)}, {"col_count", opt(j.col_count)}};
}

namespace {

// The bytes of the manifest, a buffer at a time (or all at once, from memory), counting lines so
// that an entry's error can name its line.
class Source {
 public:
  explicit Source(int fd) : fd_(fd), owned_(std::make_unique<char[]>(kBuffer)), data_(owned_.get()) {}
  explicit Source(std::string_view text) : data_(text.data()), len_(text.size()) {}

  bool at_end() {
    if (pos_ < len_) return false;
    return !refill();
  }
  char current() const { return data_[pos_]; }
  void advance() {
    if (data_[pos_] == '\n') {
      ++lines_;
      prev_line_chars_ = col_;
      col_ = 0;
    } else {
      ++col_;
    }
    ++pos_;
  }
  std::size_t line() const { return lines_ + 1; }
  // Characters before the last newline read, on its line: where a newline that ended a token sits.
  std::size_t previous_line_chars() const { return prev_line_chars_; }
  int read_errno() const { return errno_; }

 private:
  static constexpr std::size_t kBuffer = 1 << 16;

  bool refill() {
    if (fd_ < 0 || done_) return false;
    ssize_t n;
    do {
      n = ::read(fd_, owned_.get(), kBuffer);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      if (n < 0) errno_ = errno;
      done_ = true;
      return false;
    }
    pos_ = 0;
    len_ = static_cast<std::size_t>(n);
    return true;
  }

  int fd_ = -1;
  std::unique_ptr<char[]> owned_;
  const char* data_ = nullptr;
  std::size_t pos_ = 0, len_ = 0, lines_ = 0, col_ = 0, prev_line_chars_ = 0;
  bool done_ = false;
  int errno_ = 0;
};

// An input iterator over a Source, as nlohmann's parser reads its input.
class SourceIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  SourceIterator() = default;
  explicit SourceIterator(Source* s) : s_(s) {}
  char operator*() const { return s_->current(); }
  SourceIterator& operator++() {
    s_->advance();
    return *this;
  }
  SourceIterator operator++(int) {
    SourceIterator old = *this;
    s_->advance();
    return old;
  }
  // Only ever compared with the end (a default-constructed iterator).
  bool operator==(const SourceIterator& other) const { return ended() == other.ended(); }
  bool operator!=(const SourceIterator& other) const { return !(*this == other); }

 private:
  bool ended() const { return !s_ || s_->at_end(); }
  Source* s_ = nullptr;
};

// What a JSON value is, for messages.
enum class Kind { null, boolean, integer, number, string, object, list };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::null: return "null";
    case Kind::boolean: return "true or false";
    case Kind::integer: return "a whole number";
    case Kind::number: return "a number";
    case Kind::string: return "a string";
    case Kind::object: return "an object";
    case Kind::list: return "a list";
  }
  return "a value";
}

struct Scalar {
  Kind kind = Kind::null;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string* s = nullptr;
};

// Streams the manifest: checks the shape of the top level and of every `outputs` entry, keeps the
// entries `keep` wants. A callback returning false stops the parse; `error` then says why.
class Handler {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  Handler(std::string name, const Source& source, const KeepEntry& keep, JobManifest& out)
      : name_(std::move(name)), source_(source), keep_(keep), out_(out) {}

  std::optional<std::string> error;

  bool null() { return scalar({Kind::null}); }
  bool boolean(bool v) {
    Scalar s{Kind::boolean};
    s.b = v;
    return scalar(s);
  }
  bool number_integer(number_integer_t v) {
    Scalar s{Kind::integer};
    s.i = v;
    s.d = static_cast<double>(v);
    return scalar(s);
  }
  bool number_unsigned(number_unsigned_t v) {
    if (v > static_cast<number_unsigned_t>(INT64_MAX)) {
      Scalar s{Kind::number};
      s.d = static_cast<double>(v);
      return scalar(s);
    }
    return number_integer(static_cast<number_integer_t>(v));
  }
  bool number_float(number_float_t v, const string_t&) {
    Scalar s{Kind::number};
    s.d = v;
    return scalar(s);
  }
  bool string(string_t& v) {
    Scalar s{Kind::string};
    s.s = &v;
    return scalar(s);
  }
  bool binary(binary_t&) { return true; }  // never produced by the JSON parser

  bool start_object(std::size_t) { return open(Kind::object); }
  bool start_array(std::size_t) { return open(Kind::list); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(string_t& k) {
    if (depth_ == 1) {
      top_key_ = k;
    } else if (depth_ == 2 && in_outputs_) {
      entry_path_ = k;
      entry_line_ = source_.line();
    } else if (depth_ == 3 && in_entry_) {
      field_ = k;
      field_line_ = source_.line();
    }
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..."
    std::string what = ex.what();
    static const std::regex located(R"(^\[json\.exception\.[a-z_]+\.\d+\] parse error at line (\d+), column (\d+): ([\s\S]*)$)");
    std::smatch m;
    if (std::regex_match(what, m, located)) {
      std::string line = m[1].str(), column = m[2].str();
      if (column == "0" && line != "1") {
        // The parser stopped on a newline ("tru\n"): name that newline's place, at the end of the
        // line before, rather than column 0 of the next.
        line = std::to_string(std::stoul(line) - 1);
        column = std::to_string(source_.previous_line_chars() + 1);
      }
      error = name_ + ":" + line + ":" + column + ": not valid JSON: " + m[3].str();
    } else {
      error = name_ + ": not valid JSON: " + what;
    }
    return false;
  }

 private:
  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }
  std::string at_entry(std::size_t line) const {
    return name_ + ":" + std::to_string(line) + ": outputs entry \"" + entry_path_ + "\": ";
  }
  bool wrong_type(Kind got, const char* want) {
    return fail(at_entry(field_line_) + "\"" + field_ + "\" must be " + want + ", not " + kind_name(got));
  }

  bool open(Kind k) {
    if (depth_ == 0 && k != Kind::object) return fail(name_ + ": must be a JSON object with an \"outputs\" mapping");
    if (depth_ == 1 && top_key_ == "outputs") {
      if (k != Kind::object) return fail(name_ + ": \"outputs\" must be an object mapping paths to entries, not " + kind_name(k));
      in_outputs_ = true;
    } else if (depth_ == 2 && in_outputs_) {
      if (k != Kind::object) return fail(at_entry(entry_line_) + "must be an object, not " + kind_name(k));
      entry_ = JobProvenance{};
      seen_ = 0;
      in_entry_ = true;
    } else if (depth_ == 3 && in_entry_) {
      if (known(field_)) return wrong_type(k, expected(field_));
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (depth_ == 2 && in_entry_) {
      in_entry_ = false;
      return finish_entry();
    }
    if (depth_ == 1 && in_outputs_) in_outputs_ = false;
    return true;
  }

  bool scalar(const Scalar& v) {
    if (depth_ == 0) return fail(name_ + ": must be a JSON object with an \"outputs\" mapping, not " + kind_name(v.kind));
    if (depth_ == 1 && top_key_ == "outputs") {
      return fail(name_ + ": \"outputs\" must be an object mapping paths to entries, not " + kind_name(v.kind));
    }
    if (depth_ == 2 && in_outputs_) return fail(at_entry(entry_line_) + "must be an object, not " + kind_name(v.kind));
    if (depth_ == 3 && in_entry_) return field(v);
    return true;  // inside a key this reader does not use
  }

  // The fields read, their types, and which an entry must have.
  enum Field : unsigned { kLevel = 1, kJobId = 2, kAction = 4, kHash = 8 };
  static bool known(const std::string& f) {
    static const char* const names[] = {"level",     "job_id",       "job_request", "action",    "repo",
                                        "commit",    "size",         "timestamp",   "content_hash", "excluded",
                                        "message",   "row_count",    "col_count",   "out_of_date_action",
                                        "out_of_date_output", "user"};
    for (const char* n : names) {
      if (f == n) return true;
    }
    return false;
  }
  static const char* expected(const std::string& f) {
    if (f == "size" || f == "row_count" || f == "col_count") return "a whole number";
    if (f == "timestamp") return "a number";
    if (f == "excluded" || f == "out_of_date_action" || f == "out_of_date_output") return "true or false";
    return "a string";
  }

  bool field(const Scalar& v) {
    const std::string& f = field_;
    auto text = [&](std::string& out, unsigned bit) {
      if (v.kind != Kind::string) return wrong_type(v.kind, "a string");
      out = std::move(*v.s);
      seen_ |= bit;
      return true;
    };
    auto optional_text = [&](std::optional<std::string>& out) {
      if (v.kind == Kind::null) {
        out.reset();
        return true;
      }
      if (v.kind != Kind::string) return wrong_type(v.kind, "a string or null");
      out = std::move(*v.s);
      return true;
    };
    auto whole = [&](std::optional<std::int64_t>& out) {
      if (v.kind == Kind::null) {
        out.reset();
        return true;
      }
      if (v.kind != Kind::integer || v.i < 0) return wrong_type(v.kind == Kind::integer ? Kind::number : v.kind, "a whole number or null");
      out = v.i;
      return true;
    };
    auto flag = [&](bool& out) {
      if (v.kind != Kind::boolean) return wrong_type(v.kind, "true or false");
      out = v.b;
      return true;
    };
    if (f == "level") return text(entry_.level, kLevel);
    if (f == "job_id") return text(entry_.job_id, kJobId);
    if (f == "action") return text(entry_.action, kAction);
    if (f == "content_hash") return text(entry_.content_hash, kHash);
    if (f == "job_request") return optional_text(entry_.job_request);
    if (f == "repo") return optional_text(entry_.repo);
    if (f == "commit") return optional_text(entry_.commit);
    if (f == "message") return optional_text(entry_.message);
    if (f == "user") {
      std::optional<std::string> ignored;
      return optional_text(ignored);
    }
    if (f == "size") return whole(entry_.size);
    if (f == "row_count") return whole(entry_.row_count);
    if (f == "col_count") return whole(entry_.col_count);
    if (f == "timestamp") {
      if (v.kind == Kind::null) {
        entry_.timestamp.reset();
        return true;
      }
      if (v.kind != Kind::integer && v.kind != Kind::number) return wrong_type(v.kind, "a number or null");
      entry_.timestamp = v.d;
      return true;
    }
    if (f == "excluded") return flag(entry_.excluded);
    if (f == "out_of_date_action") return flag(entry_.out_of_date_action);
    if (f == "out_of_date_output") return flag(entry_.out_of_date_output);
    return true;  // a key job-runner may add later
  }

  bool finish_entry() {
    ++out_.outputs;
    for (auto [bit, name] : {std::pair{kLevel, "level"}, {kJobId, "job_id"}, {kAction, "action"}, {kHash, "content_hash"}}) {
      if (!(seen_ & bit)) return fail(at_entry(entry_line_) + "has no \"" + name + "\"");
    }
    if (keep_ && keep_(entry_path_)) out_.kept.insert_or_assign(entry_path_, std::move(entry_));
    return true;
  }

  std::string name_;
  const Source& source_;
  const KeepEntry& keep_;
  JobManifest& out_;
  int depth_ = 0;
  std::string top_key_;
  bool in_outputs_ = false, in_entry_ = false;
  std::string entry_path_, field_;
  std::size_t entry_line_ = 0, field_line_ = 0;
  JobProvenance entry_;
  unsigned seen_ = 0;
};

Result<JobManifest> parse_source(const std::string& name, Source& source, const KeepEntry& keep) {
  JobManifest manifest;
  Handler handler(name, source, keep, manifest);
  bool ok = json::sax_parse(SourceIterator(&source), SourceIterator(), &handler);
  if (source.read_errno() != 0) return io_error(name + ": cannot be read: " + std::strerror(source.read_errno()));
  if (!ok || handler.error) return invalid_input(handler.error ? *handler.error : name + ": not valid JSON");
  return manifest;
}

}  // namespace

Result<JobManifest> parse_job_manifest(const std::string& name, std::string_view text, const KeepEntry& keep) {
  Source source(text);
  return parse_source(name, source, keep);
}

Result<std::optional<JobManifest>> load_job_manifest(const fs::path& root, const KeepEntry& keep) {
  const fs::path path = root / kJobManifestPath;
  const std::string name = kJobManifestPath;  // messages name it as the spec does, relative to the workspace
  std::error_code ec;
  auto st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st)) return std::optional<JobManifest>();
  // Only the workspace is read: a manifest (or metadata folder) that is a link out of it is not
  // followed, as project.yaml is not.
  fs::path real = fs::canonical(path, ec);
  if (ec) return invalid_input(name + ": cannot be resolved (" + ec.message() + "); it is not read");
  if (!relative_inside(root, real)) {
    return invalid_input(name + ": a link that leads outside the workspace (to " + real.string() + "); it is not read");
  }
  // The resolved path, opened without following a link swapped in since: never blocks (a FIFO is
  // refused, not waited on), only a regular file is read.
  int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP) return invalid_input(name + ": changed into a link while it was being read; it is not read");
    return io_error(name + ": cannot be read: " + std::strerror(error));
  }
  struct stat fst;
  if (::fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
    const unsigned mode = fst.st_mode;
    ::close(fd);
    return invalid_input(name + ": not a regular file: " + file_kind(mode));
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  Source source(fd);
  auto parsed = parse_source(name, source, keep);
  ::close(fd);
  if (!parsed) return parsed.error();
  return std::optional<JobManifest>(std::move(*parsed));
}

}  // namespace outcheck::checker
