// libcurl loaded on demand (release/curl_library.h): the table is whole, the same on every call,
// and its functions are libcurl's own.
#include <catch2/catch.hpp>

#include <string>

#include "release/curl_library.h"

using namespace outcheck;

TEST_CASE("curl library: loaded once, every function found, and each one libcurl's", "[release]") {
  auto loaded = release::curl_library();
  REQUIRE(loaded.ok());
  const release::CurlLibrary* curl = loaded.value();
  auto again = release::curl_library();
  REQUIRE(again.ok());
  CHECK(again.value() == curl);

  CURL* handle = curl->easy_init();
  REQUIRE(handle != nullptr);
  char* escaped = curl->easy_escape(handle, "a b/ü", 0);
  REQUIRE(escaped != nullptr);
  CHECK(std::string(escaped) == "a%20b%2F%C3%BC");
  curl->free(escaped);
  CHECK(curl->easy_setopt(handle, CURLOPT_URL, "http://127.0.0.1:1/") == CURLE_OK);
  CHECK(curl->easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 5L) == CURLE_OK);
  curl->easy_reset(handle);
  CHECK(std::string(curl->easy_strerror(CURLE_COULDNT_CONNECT)) == "Couldn't connect to server");
  curl_slist* headers = curl->slist_append(nullptr, "Accept: application/json");
  REQUIRE(headers != nullptr);
  CHECK(std::string(headers->data) == "Accept: application/json");
  curl->slist_free_all(headers);
  long code = -1;
  CHECK(curl->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK);
  CHECK(code == 0);
  curl->easy_cleanup(handle);
}
