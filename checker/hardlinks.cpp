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
    // Every regular file, not only those with several links now: the file being judged may have
    // gained its second name after this scan's lstat of the other one (a hard link made and
    // renamed over it while `request add` runs), and that other name must still be found.
    if (lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
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
