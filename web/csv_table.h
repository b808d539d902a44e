#pragma once
// A CSV file as an HTML table for review, with the checker's findings on the cells they concern:
// a cell finding (row and column) marks that cell, a row finding the row's number, a column
// finding the column's header. Marks carry an icon and the rule's name as text, not colour alone.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace outcheck::web {

struct CsvTable {
  std::string html;            // <table class="csv">...</table>
  std::int64_t rows = 0;       // data records in the file
  std::int64_t rows_shown = 0;
  std::int64_t marks = 0;      // cells, rows and headers marked
};

// `findings`: the file's findings as `request show` gives them. Rows past `max_rows` are counted,
// not rendered.
CsvTable render_csv_table(std::string_view bytes, const nlohmann::json& findings, std::int64_t max_rows);

// Every finding of a file as `request show` gives it (its finding_counts, not only those kept).
std::int64_t finding_total(const nlohmann::json& file);

// The mark for one or more findings: class, tooltip and visible icon.
std::string finding_title(const nlohmann::json& finding);

}  // namespace outcheck::web
