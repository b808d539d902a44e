#pragma once
// Which workspace paths share an inode. Built on first use by walking the whole workspace (dot
// folders included: a hard link hides anywhere), then shared by every file of the run.
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace outcheck::checker {

class HardLinkIndex {
 public:
  explicit HardLinkIndex(std::filesystem::path root) : root_(std::move(root)) {}

  // Workspace-relative names of the file (device, inode); thread-safe.
  std::vector<std::string> names(dev_t device, ino_t inode);

 private:
  void build();

  std::filesystem::path root_;
  std::once_flag built_;
  std::map<std::pair<dev_t, ino_t>, std::vector<std::string>> names_;
};

}  // namespace outcheck::checker
