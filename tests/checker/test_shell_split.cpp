// shell_split must split a `run` command exactly as Python's shlex.split (POSIX mode, no comments)
// does, because the pipeline reads the image, the command and its flags from those words.
// Every expected value here is shlex.split's documented behaviour, worked by hand.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "checker/shell_split.h"

using outcheck::checker::shell_split;
using Words = std::vector<std::string>;

namespace {

Words split_ok(std::string_view s) {
  auto r = shell_split(s);
  INFO("input: " << std::string(s));
  REQUIRE(r.ok());
  return *r;
}

std::string split_error(std::string_view s) {
  auto r = shell_split(s);
  INFO("input: " << std::string(s));
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

TEST_CASE("shell_split: plain words split on runs of whitespace", "[shell]") {
  CHECK(split_ok("python:v2 python analysis/a.py") == Words{"python:v2", "python", "analysis/a.py"});
  CHECK(split_ok("  a   b  ") == Words{"a", "b"});
  CHECK(split_ok("a\tb\r\nc") == Words{"a", "b", "c"});
  CHECK(split_ok("").empty());
  CHECK(split_ok(" \t\n ").empty());
}

TEST_CASE("shell_split: single quotes keep everything literally", "[shell]") {
  CHECK(split_ok("a 'b c' d") == Words{"a", "b c", "d"});
  CHECK(split_ok(R"('a\b')") == Words{R"(a\b)"});
  CHECK(split_ok(R"('a\')") == Words{R"(a\)"});  // no escapes inside single quotes
  CHECK(split_ok(R"('say "hi"')") == Words{R"(say "hi")"});
  CHECK(split_ok("'it''s'") == Words{"its"});  // adjacent quoted parts join
}

TEST_CASE("shell_split: double quotes escape only the quote and the backslash", "[shell]") {
  CHECK(split_ok(R"(a "b c" d)") == Words{"a", "b c", "d"});
  CHECK(split_ok(R"("a \"q\" b")") == Words{R"(a "q" b)"});
  CHECK(split_ok(R"("a\\b")") == Words{R"(a\b)"});
  // shlex, unlike a POSIX shell, keeps the backslash before anything else.
  CHECK(split_ok(R"("a\$b")") == Words{R"(a\$b)"});
  CHECK(split_ok(R"("a\`b")") == Words{R"(a\`b)"});
  CHECK(split_ok(R"("a\nb")") == Words{R"(a\nb)"});
  CHECK(split_ok("\"a\\\nb\"") == Words{"a\\\nb"});
  CHECK(split_ok(R"("it's")") == Words{"it's"});
}

TEST_CASE("shell_split: quotes inside a word join with it", "[shell]") {
  CHECK(split_ok(R"(a"b c"d)") == Words{"ab cd"});
  CHECK(split_ok(R"(--config='{"a": 1}')") == Words{R"(--config={"a": 1})"});
  CHECK(split_ok(R"(--name="x y")") == Words{"--name=x y"});
}

TEST_CASE("shell_split: empty quotes make an empty word", "[shell]") {
  CHECK(split_ok("a '' b") == Words{"a", "", "b"});
  CHECK(split_ok(R"("")") == Words{""});
}

TEST_CASE("shell_split: backslash outside quotes escapes the next character", "[shell]") {
  CHECK(split_ok(R"(a\ b)") == Words{"a b"});
  CHECK(split_ok(R"(\"x)") == Words{R"("x)"});
  CHECK(split_ok(R"(\'x)") == Words{"'x"});
  CHECK(split_ok(R"(a\\b)") == Words{R"(a\b)"});
  CHECK(split_ok("a\\\nb") == Words{"a\nb"});  // no line continuation in shlex
}

TEST_CASE("shell_split: # is not a comment", "[shell]") {
  CHECK(split_ok("a #b") == Words{"a", "#b"});
}

TEST_CASE("shell_split: a folded multi-line run command", "[shell]") {
  // What YAML's `>` gives for the seed project's codelist report action: more-indented lines keep
  // their line breaks and indentation.
  std::string run =
      "cohortextractor:latest generate_codelist_report\n"
      "  --codelist-path=codelist.csv\n"
      "  --start-date=2019-09-01\n"
      "  --end-date=2022-06-15\n"
      "  --output-dir output/02qBxF241hTOBjX0jLfYkz\n";
  CHECK(split_ok(run) == Words{"cohortextractor:latest", "generate_codelist_report",
                               "--codelist-path=codelist.csv", "--start-date=2019-09-01",
                               "--end-date=2022-06-15", "--output-dir", "output/02qBxF241hTOBjX0jLfYkz"});
}

TEST_CASE("shell_split: unclosed quotes and a dangling escape fail as shlex does", "[shell]") {
  CHECK(split_error("a 'b") == "No closing quotation");
  CHECK(split_error(R"(a "b)") == "No closing quotation");
  CHECK(split_error(R"("a \")") == "No closing quotation");
  CHECK(split_error(R"(a \)") == "No escaped character");
  CHECK(split_error(R"("abc\)") == "No escaped character");
}
