#pragma once
// Writing a file so that readers see the old contents or the new, never a part: write a temporary
// file beside it, flush it to disk, rename it over the target.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace outcheck::checker {

Status write_file_atomically(const std::string& path, std::string_view contents);

// Several files (path, contents) that belong together: every one is written to a temporary file
// beside its target and flushed before any is renamed, so that a failure to write one (a folder
// that does not exist, a full disk) leaves none of them changed. Only a rename failing after
// another has succeeded could leave some written, and renames in place do not fail for those
// reasons.
Status write_files_atomically(const std::vector<std::pair<std::string, std::string_view>>& files);

}  // namespace outcheck::checker
