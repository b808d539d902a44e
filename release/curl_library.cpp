#include "release/curl_library.h"

#include <string>

#include "base/shared_library.h"

namespace outcheck::release {

namespace {

// libcurl's soname, the same since 2006 (libcurl 7.16); Debian's libcurl4 package provides it.
constexpr const char* kSoname = "libcurl.so.4";

struct Loaded {
  CurlLibrary functions{};
  std::string error;  // empty once loaded
};

Status find_all(const SharedLibrary& lib, CurlLibrary& f, decltype(&::curl_global_init)& global_init) {
  OUTCHECK_TRY(lib.find("curl_global_init", global_init));
  OUTCHECK_TRY(lib.find("curl_easy_init", f.easy_init));
  OUTCHECK_TRY(lib.find("curl_easy_setopt", f.easy_setopt));
  OUTCHECK_TRY(lib.find("curl_easy_perform", f.easy_perform));
  OUTCHECK_TRY(lib.find("curl_easy_getinfo", f.easy_getinfo));
  OUTCHECK_TRY(lib.find("curl_easy_reset", f.easy_reset));
  OUTCHECK_TRY(lib.find("curl_easy_cleanup", f.easy_cleanup));
  OUTCHECK_TRY(lib.find("curl_easy_strerror", f.easy_strerror));
  OUTCHECK_TRY(lib.find("curl_easy_escape", f.easy_escape));
  OUTCHECK_TRY(lib.find("curl_free", f.free));
  OUTCHECK_TRY(lib.find("curl_slist_append", f.slist_append));
  OUTCHECK_TRY(lib.find("curl_slist_free_all", f.slist_free_all));
  return Status::OK();
}

Loaded load() {
  Loaded l;
  auto lib = SharedLibrary::open(kSoname, "libcurl4");
  if (!lib.ok()) {
    l.error = lib.error().message;
    return l;
  }
  decltype(&::curl_global_init) global_init = nullptr;
  if (auto found = find_all(*lib, l.functions, global_init); !found.ok()) {
    l.error = found.error().message;
    return l;
  }
  // Once, before any handle is made: it is not safe to call while another thread uses libcurl.
  const CURLcode rc = global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) l.error = std::string("libcurl failed to start: ") + l.functions.easy_strerror(rc);
  return l;
}

}  // namespace

Result<const CurlLibrary*> curl_library() {
  // The one piece of process-wide state here, written once and only read after: the library is
  // the process's, as curl_global_init's own state is.
  static const Loaded loaded = load();
  if (!loaded.error.empty()) return io_error(loaded.error);
  return &loaded.functions;
}

}  // namespace outcheck::release
