#include "checker/csv_writer.h"

namespace outcheck::checker {

void append_csv_field(std::string& out, std::string_view field, char delimiter) {
  bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
               (delimiter != ',' && field.find(delimiter) != std::string_view::npos);
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_csv_row(std::string& out, const std::vector<std::string>& fields, char delimiter) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(delimiter);
    append_csv_field(out, fields[i], delimiter);
  }
  out.push_back('\n');
}

}  // namespace outcheck::checker
