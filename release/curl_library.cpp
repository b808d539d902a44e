#include "release/curl_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace outcheck::release {

namespace {

// libcurl's soname, the same since 2006 (libcurl 7.16); Debian's libcurl4 package provides it.
constexpr const char* kSoname = "libcurl.so.4";

struct Loaded {
  CurlLibrary functions{};
  std::string error;  // empty once loaded
};

template <class F>
bool find(void* handle, const char* name, F& out, std::string& error) {
  void* symbol = ::dlsym(handle, name);
  if (!symbol) {
    error = std::string(kSoname) + " has no " + name + ": install Debian's libcurl4 (apt-get install libcurl4)";
    return false;
  }
  out = reinterpret_cast<F>(symbol);
  return true;
}

Loaded load() {
  Loaded l;
  // Never closed: the process may call it until it ends. RTLD_LOCAL: its symbols stay its own.
  void* handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    l.error = std::string("cannot load ") + kSoname + " (" + (why ? why : "unknown error") +
              "): install Debian's libcurl4 (apt-get install libcurl4)";
    return l;
  }
  CurlLibrary& f = l.functions;
  decltype(&::curl_global_init) global_init = nullptr;
  if (!(find(handle, "curl_global_init", global_init, l.error) && find(handle, "curl_easy_init", f.easy_init, l.error) &&
        find(handle, "curl_easy_setopt", f.easy_setopt, l.error) &&
        find(handle, "curl_easy_perform", f.easy_perform, l.error) &&
        find(handle, "curl_easy_getinfo", f.easy_getinfo, l.error) &&
        find(handle, "curl_easy_reset", f.easy_reset, l.error) &&
        find(handle, "curl_easy_cleanup", f.easy_cleanup, l.error) &&
        find(handle, "curl_easy_strerror", f.easy_strerror, l.error) &&
        find(handle, "curl_easy_escape", f.easy_escape, l.error) && find(handle, "curl_free", f.free, l.error) &&
        find(handle, "curl_slist_append", f.slist_append, l.error) &&
        find(handle, "curl_slist_free_all", f.slist_free_all, l.error))) {
    return l;
  }
  // Once, before any handle is made: it is not safe to call while another thread uses libcurl.
  const CURLcode rc = global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) l.error = std::string("libcurl failed to start: ") + f.easy_strerror(rc);
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
