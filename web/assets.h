#pragma once
// The page's stylesheet and script, compiled into the binary: the review pages fetch nothing from
// anywhere else (the Content-Security-Policy says so too).
#include <string_view>

namespace outcheck::web {

extern const std::string_view kStylesheet;
extern const std::string_view kScript;

}  // namespace outcheck::web
