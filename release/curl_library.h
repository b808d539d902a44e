#pragma once
// libcurl, loaded the first time a command needs it (publishing to job-server's API, the CLI's
// --server mode) rather than whenever the program starts. The library and the two dozen it brings
// (GnuTLS, Kerberos, LDAP, SSH, RTMP and more) took 7 ms of every start: a third of a `check` of
// one small file, paid by commands that never open a connection.
#include <curl/curl.h>

#include "base/result.h"

namespace outcheck::release {

// The libcurl functions outcheck calls, as the library's own. (Called through these pointers,
// curl_easy_setopt's arguments lose curl.h's compile-time type check: each option's value must
// have the type libcurl's documentation gives, a long where it says long.)
struct CurlLibrary {
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_escape) easy_escape;
  decltype(&::curl_free) free;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

// libcurl's functions, the library loaded and curl_global_init called on the first call in the
// process (the table never changes after); or an error that names the package to install.
Result<const CurlLibrary*> curl_library();

}  // namespace outcheck::release
