#include "release/publisher.h"

#include <cstdlib>

#include "release/release_record.h"

namespace outcheck::release {

namespace {

struct Scheme {
  const char* prefix;
  Result<std::unique_ptr<Publisher>> (*make)(const std::string&, const PublisherOptions&);
};

Result<std::unique_ptr<Publisher>> make_http(const std::string& to, const PublisherOptions& o) {
  return make_http_publisher(to, o);
}

const Scheme kSchemes[] = {
    {"https://", make_http},
    {"http://", make_http},
};

void env_int(const char* name, int lo, int hi, int& out) {
  const char* v = std::getenv(name);
  if (!v || !*v) return;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (*end == '\0' && n >= lo && n <= hi) out = static_cast<int>(n);
}

}  // namespace

std::string Publisher::published_record(const ReleasePlan& plan) const { return release_record_text(plan.record); }

PublisherOptions options_from_environment() {
  PublisherOptions options;
  if (const char* t = std::getenv("OUTCHECK_RELEASE_TOKEN")) options.token = t;
  env_int("OUTCHECK_RELEASE_ATTEMPTS", 1, 100, options.max_attempts);
  env_int("OUTCHECK_RELEASE_BACKOFF_MS", 0, 60000, options.backoff_ms);
  return options;
}

Result<std::unique_ptr<Publisher>> make_publisher(const std::string& to, const PublisherOptions& options) {
  if (to.empty()) return invalid_input("--to needs a folder or an http(s) URL");
  for (const auto& s : kSchemes) {
    if (to.rfind(s.prefix, 0) == 0) return s.make(to, options);
  }
  if (to.find("://") != std::string::npos) {
    return invalid_input(to + ": unknown scheme; release to a folder or to http(s)://HOST/api/v2");
  }
  return make_folder_publisher(to);
}

}  // namespace outcheck::release
