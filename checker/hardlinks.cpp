#include "checker/hardlinks.h"

#include <sys/stat.h>

#include "checker/workspace.h"

namespace fs = std::filesystem;

namespace outcheck::checker {

void HardLinkIndex::build() {
  std::error_code ec;
  fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink < 2) continue;
    if (auto rel = relative_inside(root_, it->path().lexically_normal())) {
      names_[{st.st_dev, st.st_ino}].push_back(*rel);
    }
  }
}

std::vector<std::string> HardLinkIndex::names(dev_t device, ino_t inode) {
  std::call_once(built_, [this] { build(); });
  auto it = names_.find({device, inode});
  return it == names_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace outcheck::checker
