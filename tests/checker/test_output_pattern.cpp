// Output patterns: matching as job-runner's pathlib glob (`*` is the only wildcard and stays within
// one path component), the folder a pattern lives under, pathlib's suffix, posixpath.normpath, and
// which privacy level wins when several patterns match.
#include <catch2/catch.hpp>

#include <string>

#include "checker/output_pattern.h"

using namespace outcheck::checker;

TEST_CASE("glob_match: a pattern without * matches only itself", "[pattern]") {
  CHECK(glob_match("output/a.csv", "output/a.csv"));
  CHECK(glob_match("x.csv", "x.csv"));
  CHECK_FALSE(glob_match("output/a.csv", "output/a.csvx"));
  CHECK_FALSE(glob_match("output/a.csv", "output/xa.csv"));
  CHECK_FALSE(glob_match("output/a.csv", "output/A.csv"));  // case-sensitive
  CHECK_FALSE(glob_match("output/a.csv", "output/a.csv/b"));
  CHECK_FALSE(glob_match("output/a.csv", "output"));
  CHECK_FALSE(glob_match("output/a.csv", "a.csv"));
  CHECK_FALSE(glob_match("output/a.csv", "other/output/a.csv"));
}

TEST_CASE("glob_match: * matches any run of characters within one component", "[pattern]") {
  CHECK(glob_match("output/*.csv", "output/a.csv"));
  CHECK(glob_match("output/*.csv", "output/.csv"));  // * may match nothing
  CHECK(glob_match("output/counts_*.csv", "output/counts_.csv"));
  CHECK(glob_match("output/counts_*.csv", "output/counts_per_code.csv"));
  CHECK(glob_match("output/*_*.csv", "output/a_b_c.csv"));
  CHECK(glob_match("output/deciles_*.*", "output/deciles_chart_x.png"));
  CHECK_FALSE(glob_match("output/deciles_*.*", "output/deciles_chart"));
  CHECK_FALSE(glob_match("output/counts_*.csv", "output/counts_x.csv.gz"));
  CHECK_FALSE(glob_match("output/counts_*.csv", "output/count_x.csv"));
  CHECK(glob_match("*", "anything"));
}

TEST_CASE("glob_match: * never crosses a slash", "[pattern]") {
  CHECK_FALSE(glob_match("output/*.csv", "output/sub/a.csv"));
  CHECK_FALSE(glob_match("*.csv", "output/a.csv"));
  CHECK(glob_match("*.csv", "a.csv"));
  CHECK_FALSE(glob_match("output/*", "output/sub/a.csv"));
  CHECK(glob_match("output/*/x.csv", "output/a/x.csv"));
  CHECK_FALSE(glob_match("output/*/x.csv", "output/a/b/x.csv"));
  CHECK_FALSE(glob_match("output/*/x.csv", "output/x.csv"));
  CHECK_FALSE(glob_match("out*", "output/a.csv"));
}

TEST_CASE("glob_match: * matches dot-files, as pathlib's glob does", "[pattern]") {
  CHECK(glob_match("output/*.csv", "output/.hidden.csv"));
  CHECK(glob_match("output/*", "output/.env"));
  CHECK(glob_match("*/a.csv", ".git/a.csv"));
}

TEST_CASE("pattern_root: the folders before the first component with *", "[pattern]") {
  CHECK(pattern_root("output/x/counts_*.csv") == "output/x");
  CHECK(pattern_root("output/a.csv") == "output");
  CHECK(pattern_root("a/b/c/d.csv") == "a/b/c");
  CHECK(pattern_root("output/*/x.csv") == "output");
  CHECK(pattern_root("out*/x.csv") == "");
  CHECK(pattern_root("*.csv") == "");
  CHECK(pattern_root("x.csv") == "");
}

TEST_CASE("path_suffix: pathlib's suffix of the last component", "[pattern]") {
  CHECK(path_suffix("a/b.csv") == ".csv");
  CHECK(path_suffix("b.csv") == ".csv");
  CHECK(path_suffix("x.csv.gz") == ".gz");  // only the last suffix
  CHECK(path_suffix("a/b.CSV") == ".CSV");
  CHECK(path_suffix("a/b") == "");
  CHECK(path_suffix("a.b/c") == "");  // a dot in a folder name is not a suffix
  CHECK(path_suffix("a/.x") == "");   // a dot-file has no suffix
  CHECK(path_suffix(".csv") == "");
  CHECK(path_suffix("a/.x.csv") == ".csv");
  CHECK(path_suffix("deciles_*.*") == ".*");
  CHECK(path_suffix("counts_*.csv") == ".csv");
  CHECK(path_suffix("output/*") == "");
}

TEST_CASE("normpath: posixpath.normpath", "[pattern]") {
  CHECK(normpath("a//b.csv") == "a/b.csv");
  CHECK(normpath("./a.csv") == "a.csv");
  CHECK(normpath("a/./b/.") == "a/b");
  CHECK(normpath("a/../b") == "b");
  CHECK(normpath("a/b/../../..") == "..");
  CHECK(normpath("../a") == "../a");
  CHECK(normpath("a/") == "a");
  CHECK(normpath("") == ".");
  CHECK(normpath(".") == ".");
  CHECK(normpath("/") == "/");
  CHECK(normpath("/../a") == "/a");
  CHECK(normpath("//a") == "//a");  // POSIX keeps exactly two leading slashes
  CHECK(normpath("///a") == "/a");
  CHECK(normpath("output/x/counts_*.csv") == "output/x/counts_*.csv");
}

TEST_CASE("protection_rank: the blocking levels win over the releasable one", "[pattern]") {
  // Only moderately_sensitive may be released: highly_sensitive protects most, then
  // minimally_sensitive (never released either), then moderately_sensitive, and any declared
  // level outranks `undeclared` (no pattern matched).
  CHECK(protection_rank(Privacy::highly_sensitive) > protection_rank(Privacy::minimally_sensitive));
  CHECK(protection_rank(Privacy::minimally_sensitive) > protection_rank(Privacy::moderately_sensitive));
  CHECK(protection_rank(Privacy::moderately_sensitive) > protection_rank(Privacy::undeclared));
}

TEST_CASE("privacy names round-trip", "[pattern]") {
  for (Privacy p : {Privacy::highly_sensitive, Privacy::moderately_sensitive, Privacy::minimally_sensitive}) {
    auto back = privacy_from_name(privacy_name(p));
    REQUIRE(back.has_value());
    CHECK(*back == p);
  }
  CHECK(std::string(privacy_name(Privacy::undeclared)) == "undeclared");
  CHECK_FALSE(privacy_from_name("undeclared").has_value());
  CHECK_FALSE(privacy_from_name("Highly_Sensitive").has_value());
  CHECK_FALSE(privacy_from_name("").has_value());
}

TEST_CASE("glob_pattern_problem: the pipeline's reasons, in its order", "[pattern]") {
  using R = std::optional<std::string>;
  CHECK(glob_pattern_problem("output/a.csv", false) == R{});
  CHECK(glob_pattern_problem("male*.csv", false) == R{});
  CHECK(glob_pattern_problem(R"(output\a.csv)", false) == R{"contains back slashes (use forward slashes only)"});
  CHECK(glob_pattern_problem("output/**/a.csv", false) ==
        R{"contains '**' (only the * wildcard character is supported)"});
  CHECK(glob_pattern_problem("output/a?.csv", false) ==
        R{"contains '?' (only the * wildcard character is supported)"});
  CHECK(glob_pattern_problem("output/[ab].csv", false) ==
        R{"contains '[' (only the * wildcard character is supported)"});
  CHECK(glob_pattern_problem("output/*", false) == R{"output paths must have a file type extension at the end"});
  CHECK(glob_pattern_problem("output/x.*", false) == R{"output paths must have a file type extension at the end"});
  CHECK(glob_pattern_problem("output/*", true) == R{});  // left to the caller
  CHECK(glob_pattern_problem("a//b.csv", false) ==
        R{"is not in standard form (contains double slashes or '..' elements)"});
  CHECK(glob_pattern_problem("output/../a.csv", false) ==
        R{"is not in standard form (contains double slashes or '..' elements)"});
  CHECK(glob_pattern_problem("metadata/a.csv", false) == R{"should not include the metadata directory"});
  CHECK(glob_pattern_problem("metadata_x/a.csv", false) == R{});
  CHECK(glob_pattern_problem("/abs/x.csv", false) == R{"is an absolute path"});
  CHECK(glob_pattern_problem("c:/x.csv", false) == R{"is an absolute path"});
  // Back slashes are reported before anything else.
  CHECK(glob_pattern_problem(R"(c:\x.csv)", false) == R{"contains back slashes (use forward slashes only)"});
}
