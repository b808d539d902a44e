// The embedded default: DIR/<workspace>/<request id>/files/<path> and manifest.json beside them.
#include "checker/json_text.h"
#include <filesystem>

#include "checker/atomic_file.h"
#include "checker/sha256.h"
#include "release/publisher.h"

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace outcheck::release {

namespace {

class FolderPublisher : public Publisher {
 public:
  explicit FolderPublisher(std::string dir) : dir_(std::move(dir)) {}

  std::string target() const override { return fs::absolute(dir_).lexically_normal().string(); }

  Status create_release(const ReleasePlan& plan) override {
    std::error_code ec;
    fs::create_directories(root(plan) / "files", ec);
    if (ec) return io_error((root(plan) / "files").string() + ": " + ec.message());
    return Status::OK();
  }

  Status upload(const ReleasePlan& plan, const ReleaseFile& file, const std::string& bytes) override {
    fs::path dest = root(plan) / "files" / file.name;
    // Harmless to repeat: an existing copy with the reviewed bytes is left as it is.
    if (fs::exists(dest) && file_sha256(dest) == file.sha256) return Status::OK();
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return io_error(dest.parent_path().string() + ": " + ec.message());
    return checker::write_file_atomically(dest.string(), bytes);
  }

  Status finish(const ReleasePlan& plan) override {
    // A run killed while writing leaves its temporary (".NAME.tmp-XXXXXX") beside the final name;
    // every file is in place now, so none of them is wanted in what is published.
    remove_stale_temporaries(root(plan) / "manifest.json");
    for (const auto& f : plan.files) remove_stale_temporaries(root(plan) / "files" / f.name);
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : plan.files) {
      files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}, {"date", f.date},
                       {"reviewers", f.reviewers}});
    }
    nlohmann::json manifest{{"tool", "outcheck"},
                            {"workspace", plan.workspace},
                            {"airlock_id", plan.request_id},
                            {"released_by", plan.releasing_user},
                            {"audit_head", plan.audit_head},
                            {"audit_seq", plan.audit_seq},
                            {"files", files}};
    return checker::write_file_atomically((root(plan) / "manifest.json").string(), checker::json_text(manifest, 2) + "\n");
  }

 private:
  fs::path root(const ReleasePlan& plan) const { return fs::path(dir_) / plan.workspace / plan.request_id; }

  // Removes the temporaries checker::write_file_atomically made for `final_name`.
  static void remove_stale_temporaries(const fs::path& final_name) {
    const std::string prefix = "." + final_name.filename().string() + ".tmp-";
    std::error_code ec;
    for (fs::directory_iterator it(final_name.parent_path(), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0) {
        std::error_code rm;
        fs::remove(it->path(), rm);
      }
    }
  }

  static std::string file_sha256(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return checker::sha256_hex(s.str());
  }

  std::string dir_;
};

}  // namespace

std::unique_ptr<Publisher> make_folder_publisher(const std::string& dir) { return std::make_unique<FolderPublisher>(dir); }

}  // namespace outcheck::release
