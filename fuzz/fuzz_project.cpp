// libFuzzer harness for the project.yaml loader (checker/project.h): parse_project on the bytes,
// then classify a few paths against whatever patterns it accepted.
#include <cstddef>
#include <cstdint>
#include <string>

#include "checker/project.h"
#include "checker/workspace.h"

using namespace outcheck::checker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto project = parse_project("project.yaml", std::move(text));
  if (!project) {
    if (project.error().message.empty()) __builtin_trap();  // every error says what is wrong
    return 0;
  }
  for (const OutputPattern& o : project->outputs) {
    (void)classify(*project, o.pattern);
    (void)pattern_root(o.pattern);
    (void)glob_match(o.pattern, "output/table.csv");
  }
  (void)classify(*project, "output/table.csv");
  (void)classify(*project, "metadata/x.log");
  return 0;
}
