#pragma once
// Writing a file so that readers see the old contents or the new, never a part: write a temporary
// file beside it, flush it to disk, rename it over the target.
#include <string>
#include <string_view>

#include "base/result.h"

namespace outcheck::checker {

Status write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace outcheck::checker
