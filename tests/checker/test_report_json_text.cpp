// The JSON report written a file at a time is byte for byte the one dumped from the whole tree.
#include <catch2/catch.hpp>

#include "checker/json_text.h"
#include "checker/report.h"

using namespace outcheck::checker;

namespace {

FileReport csv_file(const std::string& path, bool failing) {
  FileReport f;
  f.path = path;
  f.action = "act";
  f.output_name = "table";
  f.privacy = Privacy::moderately_sensitive;
  f.size = 42;
  f.sha256 = std::string(64, 'a');
  f.rows = 3;
  f.columns = 2;
  f.column_roles = {{"group", "category", "text values"}, {"n\"um", "count", "header: count word"}};
  if (failing) {
    outcheck::rules::Finding x;
    x.rule = "small_count";
    x.row = 2;
    x.column = "n\"um";
    x.value = "3\xff";  // invalid UTF-8 is replaced, as everywhere
    x.message = "count 3 is 7 or fewer:\nredact it";
    f.findings.add(x);
  }
  return f;
}

}  // namespace

TEST_CASE("report: the JSON text built a file at a time equals the whole tree's dump", "[report]") {
  Report r;
  r.workspace = "/ws";
  r.policy = nlohmann::json{{"name", "opensafely"}, {"small_count", {{"threshold", 7}}}};
  CHECK(report_to_json_text(r) == json_text(report_to_json(r), 2));  // no files
  r.files.push_back(csv_file("output/a.csv", true));
  CHECK(report_to_json_text(r) == json_text(report_to_json(r), 2));
  FileReport png;
  png.path = "output/b.png";
  png.privacy = Privacy::undeclared;
  r.files.push_back(png);
  r.files.push_back(csv_file("output/c.csv", false));
  INFO(report_to_json_text(r));
  CHECK(report_to_json_text(r) == json_text(report_to_json(r), 2));
}
