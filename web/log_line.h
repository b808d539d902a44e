#pragma once
// The server's log: one line per event on standard error. Each line goes out in a single write(2),
// so lines from concurrent connections never interleave mid-line (several `std::cerr <<` pieces
// from many threads did, at thousands of requests a second).
#include <string>

namespace outcheck::web {

// Writes "outcheck serve: <text>\n" to standard error in one call.
void log_line(const std::string& text);

}  // namespace outcheck::web
