// Reading job-runner's metadata/manifest.json (checker/job_manifest.h): every field and its type as
// job-runner's get_output_metadata writes it, the entries kept, and the errors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/job_manifest.h"

using namespace outcheck::checker;
using nlohmann::json;

namespace {

const char* const kManifest = R"({
  "workspace": "example-workspace",
  "repo": null,
  "outputs": {
    "output/tables/a.csv": {
      "level": "moderately_sensitive",
      "job_id": "kx3xlnn4wwkzbkas",
      "job_request": "b3ksq2rw6kw6yg2c",
      "action": "summarise",
      "user": "researcher",
      "repo": "https://github.com/opensafely/example-study",
      "commit": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
      "size": 21,
      "timestamp": 1709296496.5,
      "content_hash": "fcc4efdb64c6d2951008ba235581465636614c572f72c622f158d8ba0eb60813",
      "excluded": false,
      "message": null,
      "row_count": 2,
      "col_count": 2,
      "out_of_date_action": false,
      "out_of_date_output": true
    },
    "output/dataset.arrow": {
      "level": "highly_sensitive",
      "job_id": "aaaabbbbccccdddd",
      "job_request": "b3ksq2rw6kw6yg2c",
      "action": "generate_dataset",
      "repo": "https://github.com/opensafely/example-study",
      "commit": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
      "size": 12345,
      "timestamp": 1709290000.0,
      "content_hash": "00",
      "excluded": true,
      "message": "File type of .arrow is not valid level 4 file",
      "row_count": null,
      "col_count": null,
      "future_key": {"nested": [1, 2, {"x": null}]}
    }
  }
}
)";

KeepEntry all() {
  return [](std::string_view) { return true; };
}

}  // namespace

TEST_CASE("job manifest: every field job-runner writes", "[manifest]") {
  auto m = parse_job_manifest("metadata/manifest.json", kManifest, all());
  REQUIRE(m.ok());
  CHECK(m->outputs == 2);
  const JobProvenance* a = m->find("output/tables/a.csv");
  REQUIRE(a);
  CHECK(a->level == "moderately_sensitive");
  CHECK(a->job_id == "kx3xlnn4wwkzbkas");
  CHECK(a->job_request == std::optional<std::string>("b3ksq2rw6kw6yg2c"));
  CHECK(a->action == "summarise");
  CHECK(a->repo == std::optional<std::string>("https://github.com/opensafely/example-study"));
  CHECK(a->commit == std::optional<std::string>("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"));
  CHECK(a->size == std::optional<std::int64_t>(21));
  CHECK(a->created_at() == std::optional<std::string>("2024-03-01T12:34:56Z"));
  CHECK(a->content_hash == "fcc4efdb64c6d2951008ba235581465636614c572f72c622f158d8ba0eb60813");
  CHECK_FALSE(a->excluded);
  CHECK_FALSE(a->message);
  CHECK(a->row_count == std::optional<std::int64_t>(2));
  CHECK(a->col_count == std::optional<std::int64_t>(2));
  CHECK_FALSE(a->out_of_date_action);
  CHECK(a->out_of_date_output);
  CHECK(job_to_json(*a) == json{{"id", "kx3xlnn4wwkzbkas"},
                                {"request", "b3ksq2rw6kw6yg2c"},
                                {"action", "summarise"},
                                {"repo", "https://github.com/opensafely/example-study"},
                                {"commit", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"},
                                {"created_at", "2024-03-01T12:34:56Z"},
                                {"row_count", 2},
                                {"col_count", 2}});

  const JobProvenance* d = m->find("output/dataset.arrow");
  REQUIRE(d);
  CHECK(d->level == "highly_sensitive");
  CHECK(d->excluded);
  CHECK(d->message == std::optional<std::string>("File type of .arrow is not valid level 4 file"));
  CHECK_FALSE(d->row_count);
  CHECK(job_to_json(*d)["row_count"].is_null());
  CHECK_FALSE(d->out_of_date_action);  // absent: false, as job-runner's .get() reads it
}

TEST_CASE("job manifest: only the entries asked for are kept", "[manifest]") {
  auto m = parse_job_manifest("metadata/manifest.json", kManifest,
                              [](std::string_view p) { return p == "output/dataset.arrow"; });
  REQUIRE(m.ok());
  CHECK(m->outputs == 2);
  CHECK(m->kept.size() == 1);
  CHECK_FALSE(m->find("output/tables/a.csv"));
  CHECK(m->find("output/dataset.arrow"));

  auto none = parse_job_manifest("metadata/manifest.json", kManifest, nullptr);
  REQUIRE(none.ok());
  CHECK(none->kept.empty());

  // No `outputs` (job-runner's read_manifest_file defaults it to {}): nothing recorded.
  auto empty = parse_job_manifest("metadata/manifest.json", R"({"workspace": "w", "repo": null})", all());
  REQUIRE(empty.ok());
  CHECK(empty->outputs == 0);
}

TEST_CASE("job manifest: malformed JSON names the file, line and column", "[manifest]") {
  auto m = parse_job_manifest("metadata/manifest.json", "{\n  \"outputs\": {\n    \"a\": tru\n  }\n}\n", all());
  REQUIRE_FALSE(m.ok());
  INFO(m.error().message);
  CHECK(m.error().kind == outcheck::ErrorKind::invalid_input);
  CHECK(m.error().message.rfind("metadata/manifest.json:3:13: ", 0) == 0);
  CHECK(m.error().message.find("not valid JSON: syntax error while parsing value") != std::string::npos);

  auto trunc = parse_job_manifest("metadata/manifest.json", "{\"outputs\": {\"a\": {", all());
  REQUIRE_FALSE(trunc.ok());
  CHECK(trunc.error().message.rfind("metadata/manifest.json:1:", 0) == 0);
}

TEST_CASE("job manifest: wrong types name the entry, its line and the key", "[manifest]") {
  auto bad = [](const std::string& field_line) {
    std::string text = "{\n  \"outputs\": {\n    \"output/x.csv\": {\n      \"level\": \"moderately_sensitive\",\n"
                       "      \"job_id\": \"j\",\n      \"action\": \"a\",\n      \"content_hash\": \"00\",\n      " +
                       field_line + "\n    }\n  }\n}\n";
    auto m = parse_job_manifest("metadata/manifest.json", text, nullptr);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().kind == outcheck::ErrorKind::invalid_input);
    return m.error().message;
  };
  const std::string at = "metadata/manifest.json:8: outputs entry \"output/x.csv\": ";
  CHECK(bad("\"size\": \"21\"") == at + "\"size\" must be a whole number or null, not a string");
  CHECK(bad("\"size\": 2.5") == at + "\"size\" must be a whole number or null, not a number");
  CHECK(bad("\"row_count\": -1") == at + "\"row_count\" must be a whole number or null, not a number");
  CHECK(bad("\"timestamp\": \"yesterday\"") == at + "\"timestamp\" must be a number or null, not a string");
  CHECK(bad("\"excluded\": \"false\"") == at + "\"excluded\" must be true or false, not a string");
  CHECK(bad("\"out_of_date_action\": null") == at + "\"out_of_date_action\" must be true or false, not null");
  CHECK(bad("\"message\": 3") == at + "\"message\" must be a string or null, not a whole number");
  CHECK(bad("\"commit\": [\"x\"]") == at + "\"commit\" must be a string, not a list");
  CHECK(bad("\"level\": null") == at + "\"level\" must be a string, not null");

  auto missing = parse_job_manifest("metadata/manifest.json", R"({"outputs": {"o.csv": {"level": "x", "job_id": "j"}}})", nullptr);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "metadata/manifest.json:1: outputs entry \"o.csv\": has no \"action\"");

  auto outputs = parse_job_manifest("metadata/manifest.json", R"({"outputs": ["o.csv"]})", nullptr);
  REQUIRE_FALSE(outputs.ok());
  CHECK(outputs.error().message == "metadata/manifest.json: \"outputs\" must be an object mapping paths to entries, not a list");
}
