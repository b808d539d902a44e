#pragma once
// shlex.split (POSIX mode, no comments), as the pipeline splits an action's `run` command.
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace outcheck::checker {

// Fails with "No closing quotation" or "No escaped character", as shlex does.
Result<std::vector<std::string>> shell_split(std::string_view command);

}  // namespace outcheck::checker
