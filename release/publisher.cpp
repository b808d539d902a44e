#include "release/publisher.h"

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

}  // namespace

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
