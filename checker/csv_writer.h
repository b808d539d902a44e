#pragma once
// Writing CSV text: RFC 4180 quoting where a field needs it, `\n` line ends (as pandas writes), and
// the delimiter the file was read with (commas unless told otherwise).
#include <string>
#include <string_view>
#include <vector>

namespace outcheck::checker {

// Quotes a field holding the delimiter, a quote or a line break; with another delimiter than the
// comma, a field holding a comma too, so that the text is never read back as comma-separated.
void append_csv_field(std::string& out, std::string_view field, char delimiter = ',');
void append_csv_row(std::string& out, const std::vector<std::string>& fields, char delimiter = ',');

}  // namespace outcheck::checker
