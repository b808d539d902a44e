// project.yaml validation: the OpenSAFELY pipeline's checks, in its order, with its messages
// (../shared/reference/opensafely.md sections 1 and 5), each located as `path:line:col: ` at the
// offending node. Line and column are 1-based and worked out by hand from the YAML below.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "checker/project.h"
#include "tests/support/workspace_fixture.h"

using namespace outcheck::checker;

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

bool located_at_start(const std::string& message, const std::string& path) {
  return message.rfind(path + ":", 0) == 0 &&
         std::regex_search(message.substr(path.size()), std::regex("^:[0-9]+:[0-9]+: "));
}

// Parses `text` as p.yaml, requires it to fail, checks the `p.yaml:line:col: ` prefix and returns
// the whole message.
std::string error_of(const std::string& text) {
  auto r = parse_project("p.yaml", text);
  INFO("project:\n" << text);
  REQUIRE_FALSE(r.ok());
  const std::string& m = r.error().message;
  INFO("message: " << m);
  CHECK(located_at_start(m, "p.yaml"));
  return m;
}

std::string first_error_line(const std::string& text) { return first_line(error_of(text)); }

Project ok(const std::string& text) {
  auto r = parse_project("p.yaml", text);
  INFO("project:\n" << text);
  if (!r.ok()) FAIL("unexpected error: " << r.error().message);
  for (const auto& w : r->warnings) {
    INFO("warning: " << w);
    CHECK(located_at_start(w, "p.yaml"));
  }
  return std::move(*r);
}

// A version-5 project whose one action `a` has the given body (lines indented by four spaces).
// The body's first line is line 4 of the file.
std::string v5_action(const std::string& body) { return "version: 5\nactions:\n  a:\n" + body; }

// One moderately/highly sensitive output `t` with `pattern`, on line 7 at column 12.
std::string with_output(const std::string& pattern, const std::string& level = "moderately_sensitive",
                        const std::string& version = "5") {
  std::string head = "version: " + version + "\nactions:\n  a:\n";
  std::string body =
      "    run: python:v2 python a.py\n"
      "    outputs:\n"
      "      " + level + ":\n"
      "        t: " + pattern + "\n";
  std::string tail = version == "3" ? "expectations:\n  population_size: 1000\n" : "";
  return head + body + tail;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kOldVersion5 = "; consider updating to version 5";

}  // namespace

// ---------------------------------------------------------------------------------------------
// The seed project

TEST_CASE("project: the seed project loads with exactly two warnings", "[project]") {
  std::string text = read_text(std::string(OUTCHECK_SHARED_DIR) + "/examples/seed-project.yaml");
  auto r = parse_project("project.yaml", text);
  if (!r.ok()) FAIL(r.error().message);
  const Project& p = *r;
  CHECK(p.version == 3.0);
  CHECK(p.path == "project.yaml");

  REQUIRE(p.warnings.size() == 2);
  CHECK(first_line(p.warnings[0]) ==
        "project.yaml:1:10: Your project file is using an old version (3.0); consider updating to version 5");
  const std::string deciles = "output/02qBxF241hTOBjX0jLfYkz/deciles_*.*";
  INFO(p.warnings[1]);
  CHECK(p.warnings[1].rfind("project.yaml:51:25: Output path " + deciles + " ", 0) == 0);
  CHECK(p.warnings[1].find("output paths must have a file type extension at the end") != std::string::npos);

  REQUIRE(p.outputs.size() == 8);
  CHECK(p.outputs[0].action == "codelist_report_02qBxF241hTOBjX0jLfYkz");
  CHECK(p.outputs[0].output_name == "table");
  CHECK(p.outputs[0].pattern == "output/02qBxF241hTOBjX0jLfYkz/counts_per_*.csv");
  CHECK(p.outputs[7].action == "deciles_charts_02qBxF241hTOBjX0jLfYkz");
  CHECK(p.outputs[7].output_name == "deciles_charts");
  CHECK(p.outputs[7].pattern == deciles);
  for (const auto& o : p.outputs) CHECK(o.privacy == Privacy::moderately_sensitive);
}

TEST_CASE("project: a minimal valid version-5 project has no warnings", "[project]") {
  Project p = ok(with_output("output/a.csv"));
  CHECK(p.version == 5.0);
  CHECK(p.warnings.empty());
  REQUIRE(p.outputs.size() == 1);
  CHECK(p.outputs[0].action == "a");
  CHECK(p.outputs[0].output_name == "t");
  CHECK(p.outputs[0].pattern == "output/a.csv");
  CHECK(p.outputs[0].privacy == Privacy::moderately_sensitive);
}

// ---------------------------------------------------------------------------------------------
// Top level

TEST_CASE("project: unknown top-level key", "[project]") {
  CHECK(error_of("version: 5\nactions: {}\nfoo: 1\n") ==
        "p.yaml:3:1: Invalid project: Unexpected parameters (foo) in project\n"
        "    foo: 1\n"
        "    ^");
  CHECK(first_error_line("version: 5\nfoo: 1\nactions: {}\nbar: 2\n") ==
        "p.yaml:2:1: Invalid project: Unexpected parameters (foo, bar) in project");
  // It is the first check: it wins over a missing version.
  CHECK(first_error_line("actions: {}\nfoo: 1\n") == "p.yaml:2:1: Invalid project: Unexpected parameters (foo) in project");
}

TEST_CASE("project: version", "[project]") {
  const std::string missing =
      "Project file must have a `version` attribute specifying which version of the project configuration "
      "format it uses (current latest version is 5)";
  SECTION("missing") {
    CHECK(first_error_line("actions: {}\n") == "p.yaml:1:1: Invalid project: " + missing);
  }
  SECTION("null is missing, as Python's None") {
    CHECK(first_error_line("version:\nactions: {}\n") == "p.yaml:1:1: Invalid project: " + missing);
  }
  SECTION("not a number") {
    CHECK(first_error_line("version: five\nactions: {}\n") == "p.yaml:1:10: Invalid project: `version` must be a number between 1 and 5");
    CHECK(first_error_line("version: [5]\nactions: {}\n") == "p.yaml:1:10: Invalid project: `version` must be a number between 1 and 5");
  }
  SECTION("newer than the latest") {
    CHECK(first_error_line("version: 6\nactions: {}\n") == "p.yaml:1:10: Invalid project: The latest version is v5, but got v6.0");
    CHECK(first_error_line("version: '6'\nactions: {}\n") == "p.yaml:1:10: Invalid project: The latest version is v5, but got v6.0");
    CHECK(first_error_line("version: 5.5\nactions: {}\n") == "p.yaml:1:10: Invalid project: The latest version is v5, but got v5.5");
    // Checked before the actions.
    CHECK(first_error_line("version: 6\nactions: []\n") == "p.yaml:1:10: Invalid project: The latest version is v5, but got v6.0");
  }
  SECTION("coerced with float(), and older versions warn") {
    for (std::string v : {"3", "'3'", "\"3.0\"", "3.0"}) {
      Project p = ok("version: " + v + "\nactions: {}\nexpectations:\n  population_size: 1000\n");
      CHECK(p.version == 3.0);
      REQUIRE(p.warnings.size() == 1);
      CHECK(first_line(p.warnings[0]) ==
            "p.yaml:1:10: Your project file is using an old version (3.0)" + kOldVersion5);
    }
    Project p5 = ok("version: '5'\nactions: {}\n");
    CHECK(p5.warnings.empty());
  }
}

TEST_CASE("project: actions must be a mapping", "[project]") {
  CHECK(first_error_line("version: 5\nactions: [a, b]\n") ==
        "p.yaml:2:10: Invalid project: Project `actions` section must be a dictionary of key/value pairs");
  CHECK(first_error_line("version: 5\n") ==
        "p.yaml:1:1: Invalid project: Project `actions` section must be a dictionary of key/value pairs");
  Project p = ok("version: 5\nactions: {}\n");
  CHECK(p.outputs.empty());
}

// ---------------------------------------------------------------------------------------------
// Actions

TEST_CASE("project: an action must be a mapping", "[project]") {
  CHECK(first_error_line("version: 5\nactions:\n  a: python:v2 x\n") ==
        "p.yaml:3:3: Invalid project: Configuration for action a must be a dictionary of key/value pairs");
}

TEST_CASE("project: run and outputs are required", "[project]") {
  CHECK(first_error_line(v5_action("    outputs:\n      moderately_sensitive:\n        t: output/a.csv\n")) ==
        "p.yaml:3:3: Invalid project: Action a must contain a configuration for 'run'");
  CHECK(first_error_line(v5_action("    run: python:v2 python a.py\n")) ==
        "p.yaml:3:3: Invalid project: Action a must contain a configuration for 'outputs'");
  CHECK(first_error_line(v5_action("    needs: []\n")) == "p.yaml:3:3: Invalid project: Action a must contain a configuration for 'run'");
}

TEST_CASE("project: unknown action key", "[project]") {
  CHECK(error_of(v5_action("    run: python:v2 python a.py\n"
                           "    foo: 1\n"
                           "    outputs:\n"
                           "      moderately_sensitive:\n"
                           "        t: output/a.csv\n")) ==
        "p.yaml:5:5: Invalid project: Unexpected parameters (foo) in action a\n"
        "        foo: 1\n"
        "        ^");
}

TEST_CASE("project: field types", "[project]") {
  const std::string outputs = "    outputs:\n      moderately_sensitive:\n        t: output/a.csv\n";
  SECTION("run not a string") {
    CHECK(first_error_line(v5_action("    run: [python, a.py]\n" + outputs)) ==
          "p.yaml:4:10: Invalid project: `run` section for action a must be a string");
  }
  SECTION("needs not a list") {
    CHECK(first_error_line(v5_action("    run: python:v2 python a.py\n    needs: b\n" + outputs)) ==
          "p.yaml:5:12: Invalid project: `needs` section for action a must be a list");
  }
  SECTION("config and dummy_data_file are allowed") {
    Project p = ok(v5_action("    run: python:v2 python a.py\n"
                             "    config: {x: 1}\n"
                             "    dummy_data_file: dummy.csv\n" + outputs));
    CHECK(p.outputs.size() == 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs

TEST_CASE("project: output levels", "[project]") {
  const std::string run = "    run: python:v2 python a.py\n";
  const std::string none =
      "must specify at least one output of: highly_sensitive, moderately_sensitive, minimally_sensitive";
  SECTION("no level") {
    CHECK(first_error_line(v5_action(run + "    outputs: {}\n")) == "p.yaml:5:14: Invalid project: " + none);
  }
  SECTION("an unknown level on its own") {
    CHECK(first_error_line(v5_action(run + "    outputs:\n      foo:\n        t: output/a.csv\n")) ==
          "p.yaml:6:7: Invalid project: " + none);
  }
  SECTION("an unknown level beside a known one") {
    CHECK(first_error_line(v5_action(run +
                                     "    outputs:\n"
                                     "      moderately_sensitive:\n"
                                     "        t: output/a.csv\n"
                                     "      foo:\n"
                                     "        u: output/b.csv\n")) ==
          "p.yaml:8:7: Invalid project: Unexpected parameters (foo) in `outputs` section for action a");
  }
  SECTION("a level that is not a mapping") {
    CHECK(first_error_line(v5_action(run + "    outputs:\n      moderately_sensitive: output/a.csv\n")) ==
          "p.yaml:6:29: Invalid project: `moderately_sensitive` section for action a must be a dictionary of key/value pairs");
  }
  SECTION("an output that is not a string") {
    CHECK(first_error_line(with_output("[output/a.csv]")) == "p.yaml:7:12: Invalid project: `t` output for action a must be a string");
  }
  SECTION("all three levels") {
    Project p = ok(v5_action(run +
                             "    outputs:\n"
                             "      highly_sensitive:\n"
                             "        h: output/h.arrow\n"
                             "      moderately_sensitive:\n"
                             "        m: output/m.csv\n"
                             "      minimally_sensitive:\n"
                             "        n: output/n.csv\n"));
    REQUIRE(p.outputs.size() == 3);
    CHECK(p.outputs[0].privacy == Privacy::highly_sensitive);
    CHECK(p.outputs[1].privacy == Privacy::moderately_sensitive);
    CHECK(p.outputs[2].privacy == Privacy::minimally_sensitive);
  }
}

TEST_CASE("project: output glob rules", "[project]") {
  auto invalid = [](const std::string& pattern, const std::string& reason) {
    return "p.yaml:7:12: Invalid project: Output path " + pattern + " is invalid: " + reason;
  };
  const std::string only_star = "(only the * wildcard character is supported)";
  const std::string no_ext = "output paths must have a file type extension at the end";
  const std::string not_normal = "is not in standard form (contains double slashes or '..' elements)";

  SECTION("back slash") {
    CHECK(first_error_line(with_output(R"(output\a.csv)")) ==
          invalid(R"(output\a.csv)", "contains back slashes (use forward slashes only)"));
  }
  SECTION("other wildcards") {
    CHECK(first_error_line(with_output("output/**/a.csv")) == invalid("output/**/a.csv", "contains '**' " + only_star));
    CHECK(first_error_line(with_output("output/a?.csv")) == invalid("output/a?.csv", "contains '?' " + only_star));
    CHECK(first_error_line(with_output("output/[ab].csv")) == invalid("output/[ab].csv", "contains '[' " + only_star));
  }
  SECTION("no fixed file type is an error from version 4") {
    CHECK(first_error_line(with_output("output/a")) == invalid("output/a", no_ext));
    CHECK(first_error_line(with_output("output/*")) == invalid("output/*", no_ext));
    CHECK(first_error_line(with_output("output/x.*")) == invalid("output/x.*", no_ext));
    CHECK(first_error_line(with_output("output/a", "highly_sensitive")) == invalid("output/a", no_ext));
    CHECK(first_error_line(with_output("output/deciles_*.*", "moderately_sensitive", "4")) ==
          invalid("output/deciles_*.*", no_ext));
  }
  SECTION("no fixed file type is a warning in version 3") {
    Project p = ok(with_output("output/deciles_*.*", "moderately_sensitive", "3"));
    REQUIRE(p.warnings.size() == 2);
    CHECK(first_line(p.warnings[0]) == "p.yaml:1:10: Your project file is using an old version (3.0)" + kOldVersion5);
    CHECK(p.warnings[1].rfind("p.yaml:7:12: Output path output/deciles_*.* ", 0) == 0);
    CHECK(p.warnings[1].find(no_ext) != std::string::npos);
    REQUIRE(p.outputs.size() == 1);
    CHECK(p.outputs[0].pattern == "output/deciles_*.*");
  }
  SECTION("moderately_sensitive file types") {
    for (std::string ext : {".csv", ".jpg", ".jpeg", ".png", ".svg", ".svgz", ".html", ".txt", ".log", ".json", ".md"}) {
      INFO(ext);
      ok(with_output("output/a" + ext));
    }
    CHECK(first_error_line(with_output("output/a.CSV")) ==
          invalid("output/a.CSV", "output/a.CSV is not an allowed file type for moderately_sensitive outputs"));
    CHECK(first_error_line(with_output("output/x.csv.gz")) ==
          invalid("output/x.csv.gz", "output/x.csv.gz is not an allowed file type for moderately_sensitive outputs"));
    CHECK(first_error_line(with_output("output/x.pdf")) ==
          invalid("output/x.pdf", "output/x.pdf is not an allowed file type for moderately_sensitive outputs"));
    CHECK(first_error_line(with_output("output/x.tsv")) ==
          invalid("output/x.tsv", "output/x.tsv is not an allowed file type for moderately_sensitive outputs"));
    // The pipeline names the path as pathlib prints it.
    CHECK(first_error_line(with_output("output//a.CSV")) ==
          invalid("output//a.CSV", "output/a.CSV is not an allowed file type for moderately_sensitive outputs"));
  }
  SECTION("other levels have no file-type rule") {
    ok(with_output("output/a.CSV", "highly_sensitive"));
    ok(with_output("output/x.csv.gz", "highly_sensitive"));
    ok(with_output("output/x.feather", "minimally_sensitive"));
  }
  SECTION("standard form") {
    CHECK(first_error_line(with_output("a//b.csv")) == invalid("a//b.csv", not_normal));
    CHECK(first_error_line(with_output("./a.csv")) == invalid("./a.csv", not_normal));
    CHECK(first_error_line(with_output("output/../a.csv")) == invalid("output/../a.csv", not_normal));
    // pathlib ignores a trailing slash, so the suffix is .csv and normpath catches it.
    CHECK(first_error_line(with_output("output/a.csv/")) == invalid("output/a.csv/", not_normal));
  }
  SECTION("metadata") {
    CHECK(first_error_line(with_output("metadata/a.csv")) ==
          invalid("metadata/a.csv", "should not include the metadata directory"));
  }
  SECTION("absolute paths") {
    CHECK(first_error_line(with_output("/abs/x.csv")) == invalid("/abs/x.csv", "is an absolute path"));
    CHECK(first_error_line(with_output("c:/x.csv")) == invalid("c:/x.csv", "is an absolute path"));
  }
  SECTION("outputs need not be under output/") {
    ok(with_output("x.csv"));
    ok(with_output("male*.csv"));
  }
}

// ---------------------------------------------------------------------------------------------
// run and needs

TEST_CASE("project: run command", "[project]") {
  const std::string outputs = "    outputs:\n      moderately_sensitive:\n        t: output/a.csv\n";
  SECTION("empty") {
    CHECK(first_error_line(v5_action("    run: ''\n" + outputs)) ==
          "p.yaml:4:10: Invalid project: run must have a value, a has an empty run key");
  }
  SECTION("image without a tag") {
    CHECK(first_error_line(v5_action("    run: python a.py\n" + outputs)) ==
          "p.yaml:4:10: Invalid project: Action command python must have a version specified in the form :vN (e.g. python:v2)");
    CHECK(first_error_line(v5_action("    run: r:4.1 analysis/a.R\n" + outputs)) ==
          "p.yaml:4:10: Invalid project: Action command r must have a version specified in the form :vN (e.g. r:v2)");
  }
  SECTION("accepted tags") {
    for (std::string tag : {"v2", "v1.2.3", "v2-pre", "dev"}) {
      INFO(tag);
      ok(v5_action("    run: python:" + tag + " python a.py\n" + outputs));
    }
  }
}

TEST_CASE("project: needs", "[project]") {
  auto project = [](const std::string& needs) {
    return "version: 5\n"
           "actions:\n"
           "  b:\n"
           "    run: python:v2 python b.py\n"
           "    outputs:\n"
           "      moderately_sensitive:\n"
           "        t: output/b.csv\n"
           "  a:\n"
           "    run: python:v2 python a.py\n"
           "    needs: " + needs + "\n"
           "    outputs:\n"
           "      moderately_sensitive:\n"
           "        t: output/a.csv\n";
  };
  CHECK(first_error_line(project("[b c]")) ==
        "p.yaml:10:13: Invalid project: `needs` actions should be separated with commas, but a needs `b c`");
  CHECK(first_error_line(project("[b, zz]")) ==
        "p.yaml:10:16: Invalid project: Action `a` references an unknown action in its `needs` list: zz");
  Project p = ok(project("[b]"));
  CHECK(p.outputs.size() == 2);
}

// ---------------------------------------------------------------------------------------------
// Project-wide rules

TEST_CASE("project: two actions with the same run command", "[project]") {
  CHECK(first_error_line("version: 5\n"
                         "actions:\n"
                         "  a:\n"
                         "    run: python:v2 python a.py\n"
                         "    outputs:\n"
                         "      moderately_sensitive:\n"
                         "        t: output/a.csv\n"
                         "  b:\n"
                         "    run: python:v2 python a.py\n"
                         "    outputs:\n"
                         "      moderately_sensitive:\n"
                         "        t: output/b.csv\n") ==
        "p.yaml:8:3: Invalid project: Action b has the same 'run' command as other actions: a");
  // The raw strings are compared: different spacing is a different command.
  ok("version: 5\n"
     "actions:\n"
     "  a:\n"
     "    run: python:v2 python a.py\n"
     "    outputs:\n"
     "      moderately_sensitive:\n"
     "        t: output/a.csv\n"
     "  b:\n"
     "    run: python:v2  python a.py\n"
     "    outputs:\n"
     "      moderately_sensitive:\n"
     "        t: output/b.csv\n");
}

TEST_CASE("project: duplicate output patterns from version 2", "[project]") {
  auto project = [](const std::string& version, const std::string& b_needs) {
    std::string text = "version: " + version + "\n"
                       "actions:\n"
                       "  a:\n"
                       "    run: python:v2 python a.py\n"
                       "    outputs:\n"
                       "      moderately_sensitive:\n"
                       "        t: output/a.csv\n"
                       "  b:\n"
                       "    run: python:v2 python b.py\n" + b_needs +
                       "    outputs:\n"
                       "      highly_sensitive:\n"
                       "        u: output/a.csv\n";
    return text;
  };
  CHECK(first_error_line(project("5", "")) == "p.yaml:12:12: Invalid project: Output path output/a.csv is not unique");
  CHECK(first_error_line(project("2", "")) == "p.yaml:12:12: Invalid project: Output path output/a.csv is not unique");
  // Reported before an unknown `needs` entry.
  CHECK(first_error_line(project("5", "    needs: [zz]\n")) == "p.yaml:13:12: Invalid project: Output path output/a.csv is not unique");

  Project p = ok(project("1", ""));  // version 1 allows it
  CHECK(p.outputs.size() == 2);
  REQUIRE(p.warnings.size() == 1);
  CHECK(first_line(p.warnings[0]) == "p.yaml:1:10: Your project file is using an old version (1.0)" + kOldVersion5);

  // Within one action, too.
  CHECK(first_error_line(v5_action("    run: python:v2 python a.py\n"
                                   "    outputs:\n"
                                   "      moderately_sensitive:\n"
                                   "        t: output/a.csv\n"
                                   "        u: output/a.csv\n")) ==
        "p.yaml:8:12: Invalid project: Output path output/a.csv is not unique");
}

TEST_CASE("project: cohortextractor is not supported from version 4", "[project]") {
  const std::string cohort =
      "  a:\n"
      "    run: cohortextractor:latest generate_cohort\n"
      "    outputs:\n"
      "      highly_sensitive:\n"
      "        cohort: output/input.csv\n";
  CHECK(first_error_line("version: 4\nactions:\n" + cohort) ==
        "p.yaml:3:3: Invalid project: Action a uses cohortextractor actions, which are not supported in this version.");
  // In version 5 the cohortextractor ban comes before the `:latest` ban.
  CHECK(first_error_line("version: 5\nactions:\n" + cohort) ==
        "p.yaml:3:3: Invalid project: Action a uses cohortextractor actions, which are not supported in this version.");
  // The per-action checks of every action come first.
  CHECK(first_error_line("version: 4\nactions:\n" + cohort + "  b:\n    run: python:v2 python b.py\n") ==
        "p.yaml:8:3: Invalid project: Action b must contain a configuration for 'outputs'");
}

TEST_CASE("project: :latest is not supported in version 5", "[project]") {
  const std::string outputs = "    outputs:\n      moderately_sensitive:\n        t: output/a.csv\n";
  CHECK(first_error_line(v5_action("    run: python:latest python a.py\n" + outputs)) ==
        "p.yaml:3:3: Invalid project: Action a uses `python:latest`, which is not supported. Provide a version e.g. `:v2` instead");
  Project p = ok("version: 4\nactions:\n  a:\n    run: python:latest python a.py\n" + outputs);
  REQUIRE(p.warnings.size() == 1);
  CHECK(first_line(p.warnings[0]) == "p.yaml:1:10: Your project file is using an old version (4.0)" + kOldVersion5);
}

TEST_CASE("project: run_all is reserved in version 5 and a warning before", "[project]") {
  const std::string action =
      "  run_all:\n"
      "    run: python:v2 python a.py\n"
      "    outputs:\n"
      "      moderately_sensitive:\n"
      "        t: output/a.csv\n";
  const std::string msg = "`run_all` is a reserved action name and is not allowed for user-defined actions.";
  CHECK(first_error_line("version: 5\nactions:\n" + action) == "p.yaml:3:3: Invalid project: " + msg);
  Project p = ok("version: 4\nactions:\n" + action);
  REQUIRE(p.warnings.size() == 2);
  CHECK(first_line(p.warnings[0]) == "p.yaml:1:10: Your project file is using an old version (4.0)" + kOldVersion5);
  CHECK(first_line(p.warnings[1]) == "p.yaml:3:3: " + msg);
}

TEST_CASE("project: generate_cohort outputs", "[project]") {
  const std::string head = "version: 3\nexpectations:\n  population_size: 1000\nactions:\n  c:\n";
  SECTION("exactly one privacy level") {
    CHECK(first_error_line(head +
                           "    run: cohortextractor:latest generate_cohort --study-definition s\n"
                           "    outputs:\n"
                           "      highly_sensitive:\n"
                           "        cohort: output/input.csv\n"
                           "      moderately_sensitive:\n"
                           "        log: output/log.txt\n") ==
          "p.yaml:8:7: Invalid project: A `generate_cohort` action must have exactly one output; c had 2");
  }
  SECTION("one directory unless --output-dir") {
    const std::string outputs =
        "    outputs:\n"
        "      highly_sensitive:\n"
        "        a: output/a/input.csv\n"
        "        b: output/b/input.csv\n";
    std::string m = error_of(head + "    run: cohortextractor:latest generate_cohort\n" + outputs);
    CHECK(first_line(m) == "p.yaml:8:7: Invalid project: generate_cohort command should produce output in only one directory, found 2:");
    CHECK(m.find("\n - output/a/") != std::string::npos);
    CHECK(m.find("\n - output/b/") != std::string::npos);
    ok(head + "    run: cohortextractor:latest generate_cohort --output-dir output\n" + outputs);
    ok(head + "    run: cohortextractor:latest generate_cohort --output-dir=output\n" + outputs);
  }
  SECTION("moderately_sensitive is allowed") {
    ok(head +
       "    run: cohortextractor:latest generate_cohort\n"
       "    outputs:\n"
       "      moderately_sensitive:\n"
       "        cohort: output/input.csv\n");
  }
}

TEST_CASE("project: ehrql generate-dataset outputs", "[project]") {
  const std::string head = "version: 5\nactions:\n  d:\n";
  SECTION("only highly_sensitive outputs") {
    CHECK(first_error_line(head +
                           "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv\n"
                           "    outputs:\n"
                           "      moderately_sensitive:\n"
                           "        dataset: output/dataset.csv\n") ==
          "p.yaml:6:7: Invalid project: `d` action uses `generate-dataset` and so all outputs must be labelled `highly_sensitive`");
  }
  SECTION("--output is required") {
    CHECK(first_error_line(head +
                           "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py\n"
                           "    outputs:\n"
                           "      highly_sensitive:\n"
                           "        dataset: output/dataset.csv.gz\n") ==
          "p.yaml:4:10: Invalid project: `d` action does not provide an `--output` argument specifying where the results of "
          "`generate-dataset` should be stored");
  }
  SECTION("valid") {
    for (std::string flag : {"--output output/dataset.csv.gz", "--output=output/dataset.csv.gz"}) {
      ok(head + "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py " + flag +
         "\n"
         "    outputs:\n"
         "      highly_sensitive:\n"
         "        dataset: output/dataset.csv.gz\n");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Expectations

TEST_CASE("project: expectations", "[project]") {
  const std::string actions =
      "actions:\n"
      "  a:\n"
      "    run: python:v2 python a.py\n"
      "    outputs:\n"
      "      moderately_sensitive:\n"
      "        t: output/a.csv\n";
  SECTION("required in version 3") {
    CHECK(first_error_line("version: 3\n" + actions) == "p.yaml:1:1: Invalid project: Project must include `expectations` section");
    CHECK(first_error_line("version: 3\nexpectations: {}\n" + actions) ==
          "p.yaml:2:15: Invalid project: Project `expectations` section must include `population_size` section");
    CHECK(first_error_line("version: 3\nexpectations:\n  population_size: lots\n" + actions) ==
          "p.yaml:3:20: Invalid project: Project expectations population size must be a number");
    ok("version: 3\nexpectations:\n  population_size: 1000\n" + actions);
    ok("version: 3\nexpectations:\n  population_size: '1000'\n" + actions);
  }
  SECTION("forbidden from version 4") {
    CHECK(first_error_line("version: 4\nexpectations: {population_size: 1000}\n" + actions) ==
          "p.yaml:2:15: Invalid project: Project includes `expectations` section, which is not supported in this version. This "
          "section is only applicable to deprecated cohortextractor actions; you can safely remove it.");
    CHECK(first_error_line("version: 5\nexpectations: {population_size: 1000}\n" + actions) ==
          "p.yaml:2:15: Invalid project: Project includes `expectations` section, which is not supported in this version. This "
          "section is only applicable to deprecated cohortextractor actions; you can safely remove it.");
  }
  SECTION("optional in versions 1 and 2") {
    for (std::string v : {"1", "2"}) {
      Project p = ok("version: " + v + "\n" + actions);
      REQUIRE(p.warnings.size() == 1);
      CHECK(first_line(p.warnings[0]) ==
            "p.yaml:1:10: Your project file is using an old version (" + v + ".0)" + kOldVersion5);
      ok("version: " + v + "\nexpectations:\n  population_size: 10\n" + actions);
      // Whatever the section holds is replaced by the default (the pipeline's
      // test_expectations_before_v3_has_a_default_set): never an error.
      ok("version: " + v + "\nexpectations: {}\n" + actions);
      ok("version: " + v + "\nexpectations: [1]\n" + actions);
      ok("version: " + v + "\nexpectations:\n  population_size: lots\n  other: 1\n" + actions);
    }
  }
  SECTION("version 3: a dictionary, and population size as Python's int() takes it") {
    CHECK(first_error_line("version: 3\nexpectations: [1]\n" + actions) ==
          "p.yaml:2:15: Invalid project: Project `expectations` section must be a dictionary of key/value pairs");
    CHECK(first_error_line("version: 3\nexpectations:\n  population_size: 10\n  other: 1\n" + actions) ==
          "p.yaml:3:3: Invalid project: Unexpected parameters (other) in project `expectations` section");
    for (std::string size : {"1000.5", "true", "' 1000 '", "1_000", "-5"}) {
      INFO(size);
      ok("version: 3\nexpectations:\n  population_size: " + size + "\n" + actions);
    }
    for (std::string size : {"~", "'10.5'", "[1]", "{a: 1}", "''"}) {
      INFO(size);
      CHECK(first_error_line("version: 3\nexpectations:\n  population_size: " + size + "\n" + actions)
                .find("Project expectations population size must be a number") != std::string::npos);
    }
  }
  SECTION("checked after the actions") {
    CHECK(first_error_line("version: 3\n" + actions + "    needs: [zz]\n") ==
          "p.yaml:8:13: Invalid project: Action `a` references an unknown action in its `needs` list: zz");
  }
}

// ---------------------------------------------------------------------------------------------
// The YAML layer

TEST_CASE("project: documents that are not a mapping", "[project]") {
  for (std::string text : {"", "\n\n", "# only a comment\n"}) {
    std::string m = error_of(text);
    CHECK(m.rfind("p.yaml:1:1: ", 0) == 0);
    CHECK(m.find("mapping") != std::string::npos);
  }
  std::string list = error_of("- version\n- actions\n");
  CHECK(list.rfind("p.yaml:1:1: ", 0) == 0);
  CHECK(list.find("list") != std::string::npos);
  CHECK(list.find("mapping") != std::string::npos);
  std::string scalar = error_of("hello\n");
  CHECK(scalar.rfind("p.yaml:1:1: ", 0) == 0);
  CHECK(scalar.find("mapping") != std::string::npos);
}

TEST_CASE("project: a tab in indentation", "[project]") {
  // The pipeline's YAML parser: "found character '\t' that cannot start any token", at the tab.
  auto check_tab = [](const std::string& text, const std::string& where) {
    std::string m = error_of(text);
    CHECK(m.rfind("p.yaml:" + where + ": ", 0) == 0);
    CHECK(first_line(m).find("found character '\\t' that cannot start any token") != std::string::npos);
    CHECK(first_line(m).find("tab") != std::string::npos);
  };
  check_tab("version: 5\nactions:\n\ta:\n", "3:1");
  check_tab("version: 5\nactions:\n  a:\n\trun: python:v2 python a.py\n\toutputs: {}\n", "4:1");
  check_tab("version: 5\nactions:\n  a:\n  \trun: python:v2 python a.py\n", "4:3");
  check_tab("\tversion: 5\n", "1:1");
  // A tab inside a block scalar's text, after its indentation, is content.
  Project p = ok(v5_action("    run: |\n      python:v2 python a.py\n      \t--flag\n"
                           "    outputs:\n      moderately_sensitive:\n        t: output/a.csv\n"));
  CHECK(p.outputs.size() == 1);
}

TEST_CASE("project: a NUL byte", "[project]") {
  std::string m = error_of(std::string("version: 5\nact") + '\0' + "ions: {}\n");
  CHECK(first_line(m) == "p.yaml:2:4: contains a NUL byte; it is not a YAML text file");
}

TEST_CASE("project: a duplicate key names the key and where it was first", "[project]") {
  CHECK(error_of("version: 5\nactions: {}\nversion: 4\n") ==
        "p.yaml:3:1: found duplicate key \"version\" with value \"4\" (original value: \"5\"; first defined at line 1)\n"
        "    version: 4\n"
        "    ^");
  CHECK(error_of(v5_action("    run: python:v2 python a.py\n"
                           "    outputs:\n"
                           "      moderately_sensitive:\n"
                           "        t: output/a.csv\n"
                           "    run: python:v2 python b.py\n")) ==
        "p.yaml:8:5: found duplicate key \"run\" with value \"python:v2 python b.py\" (original value: \"python:v2 "
        "python a.py\"; first defined at line 4)\n"
        "        run: python:v2 python b.py\n"
        "        ^");
  // The pipeline's own fixture (tests/fixtures/invalid_yaml/duplicate_keys.yaml): values as Python
  // prints them.
  CHECK(first_line(error_of("test:\ntest:\n")) ==
        "p.yaml:2:1: found duplicate key \"test\" with value \"None\" (original value: \"None\"; first defined at line 1)");
  CHECK(first_line(error_of("version: '5'\nactions: {}\nversion: 5.50\n")) ==
        "p.yaml:3:1: found duplicate key \"version\" with value \"5.5\" (original value: \"5\"; first defined at line 1)");
  CHECK(first_line(error_of("a: {x: 1, y: [true, ~, 'q']}\na: 007\n")) ==
        "p.yaml:2:1: found duplicate key \"a\" with value \"7\" (original value: \"{'x': 1, 'y': [True, None, 'q']}\"; "
        "first defined at line 1)");
  // The same key in different mappings is fine.
  ok(v5_action("    run: python:v2 python a.py\n"
               "    outputs:\n"
               "      moderately_sensitive:\n"
               "        t: output/a.csv\n"
               "      highly_sensitive:\n"
               "        t: output/b.csv\n"));
}

TEST_CASE("project: exactly one YAML document", "[project]") {
  std::string m = error_of("version: 5\nactions: {}\n---\nversion: 5\nactions: {}\n");
  CHECK(m.rfind("p.yaml:3:1: ", 0) == 0);
  CHECK(first_line(m).find("document") != std::string::npos);
  ok("---\nversion: 5\nactions: {}\n");
}

TEST_CASE("project: a billion-laughs document returns quickly", "[project]") {
  // Ten levels of ten-fold aliases: 10^10 strings if anything expanded them.
  std::string laughs;
  laughs += "      l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    laughs += "      l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) laughs += (k ? ", " : "") + prev;
    laughs += "]\n";
  }
  auto started = std::chrono::steady_clock::now();

  SECTION("inside config, which is not looked into") {
    ok(v5_action("    run: python:v2 python a.py\n"
                 "    config:\n" + laughs +
                 "    outputs:\n"
                 "      moderately_sensitive:\n"
                 "        t: output/a.csv\n"));
  }
  SECTION("as an output") {
    std::string text = v5_action("    run: python:v2 python a.py\n"
                                 "    config:\n" + laughs +
                                 "    outputs:\n"
                                 "      moderately_sensitive:\n"
                                 "        t: *l9\n");
    // An alias may be located at its anchor: only the message is fixed here.
    std::string m = first_error_line(text);
    CHECK(m.size() > std::string("`t` output for action a must be a string").size());
    CHECK(m.substr(m.find(": ") + 2) == "Invalid project: `t` output for action a must be a string");
  }
  SECTION("as the version") {
    std::string text = "x:\n" + laughs + "version: *l9\nactions: {}\n";
    CHECK(first_error_line(text) == "p.yaml:1:1: Invalid project: Unexpected parameters (x) in project");
    std::string v = "actions:\n  a:\n    run: python:v2 python a.py\n    config:\n" + laughs + "version: *l9\n";
    std::string m = first_error_line(v);
    CHECK(m.substr(m.find(": ") + 2) == "Invalid project: `version` must be a number between 1 and 5");
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(elapsed < std::chrono::seconds(2));
}

TEST_CASE("ehrql --output DIR:ext: each highly_sensitive pattern must fit DIR/*.ext", "[project]") {
  auto project = [](const std::string& pattern) {
    return outcheck::checker::parse_project(
        "p.yaml", "version: '5'\nactions:\n  d:\n    run: ehrql:v1 generate-dataset a.py --output out:arrow\n"
                  "    outputs:\n      highly_sensitive:\n        ds: " + pattern + "\n");
  };
  CHECK(project("out/*.arrow").ok());
  CHECK(project("out/dataset.arrow").ok());  // fnmatch("out/dataset.arrow", "out/*.arrow")
  auto wrong = project("out/*.csv");
  REQUIRE(!wrong.ok());
  CHECK(wrong.error().message.find("output specification must match the `--output` argument in the `run` command\n"
                                   "              got: out/*.csv\nbut was expecting: out/:arrow") != std::string::npos);
  // A file named by --output must be one of the patterns exactly (the pipeline's `spec in patterns`).
  auto file = [](const std::string& spec, const std::string& pattern) {
    return outcheck::checker::parse_project(
        "p.yaml", "version: '5'\nactions:\n  d:\n    run: ehrql:v1 generate-dataset a.py --output " + spec +
                      "\n    outputs:\n      highly_sensitive:\n        ds: " + pattern + "\n");
  };
  CHECK(file("out/d.arrow", "out/d.arrow").ok());
  CHECK_FALSE(file("out/d.arrow", "out/*.arrow").ok());
  CHECK_FALSE(file("output/dataset1.csv", "output/dataset.csv").ok());
  // The pipeline's own cases (tests/test_validation.py, test_output_patterns_match_spec).
  CHECK(file("foo/bar.csv", "foo/bar.csv").ok());
  CHECK_FALSE(file("foo/bar.csv", "foo/baz.csv").ok());
  CHECK(file("foo/bar:csv", "foo/bar/*.csv").ok());
  CHECK(file("foo/bar/:csv", "foo/bar/*.csv").ok());  // the directory form: foo/bar/*.csv
  CHECK_FALSE(file("foo/bar:arrow", "foo/bar/*.csv").ok());
  CHECK(file("outputs:arrow", "outputs/*.arrow").ok());
  auto mismatch = file("outputs:arrow", "outputs.arrow");
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().message.find("got: outputs.arrow\nbut was expecting: outputs/:arrow") != std::string::npos);
}
