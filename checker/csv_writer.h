#pragma once
// Writing CSV text: RFC 4180 quoting where a field needs it, `\n` line ends (as pandas writes).
#include <string>
#include <string_view>
#include <vector>

namespace outcheck::checker {

void append_csv_field(std::string& out, std::string_view field);
void append_csv_row(std::string& out, const std::vector<std::string>& fields);

}  // namespace outcheck::checker
