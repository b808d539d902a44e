// The embedded default: DIR/<workspace>/<request id>/files/<path> and manifest.json beside them.
// A release is built in DIR/<workspace>/.<request id>.partial/ (files, manifest and, where written,
// the release record) and renamed to its final name once complete: the final folder appears whole
// or not at all, and a run that was killed resumes in the partial folder it left.
#include "checker/json_text.h"
#include <filesystem>

#include "checker/atomic_file.h"
#include "checker/sha256.h"
#include "release/publisher.h"
#include "release/release_record.h"

#include <fstream>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include "db/crash_point.h"
#include "db/store.h"
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace outcheck::release {

namespace {

class FolderPublisher : public Publisher {
 public:
  explicit FolderPublisher(std::string dir) : dir_(std::move(dir)) {}

  std::string target() const override { return fs::absolute(dir_).lexically_normal().string(); }

  Status create_release(const ReleasePlan& plan) override {
    if (complete(plan)) return Status::OK();  // renamed into place by a run that ended before recording it
    std::error_code ec;
    fs::create_directories(partial(plan) / "files", ec);
    if (ec) return failure(partial(plan) / "files", "cannot create the release folder", ec.value());
    return Status::OK();
  }

  Status upload(const ReleasePlan& plan, const ReleaseFile& file, const std::string& bytes) override {
    if (complete(plan)) {
      // Already published whole: it must hold the reviewed bytes, and is never written again.
      fs::path dest = final_root(plan) / "files" / file.name;
      if (file_sha256(dest) == file.sha256) return Status::OK();
      return io_error(final_root(plan).string() + " already exists and its " + file.name +
                      " does not hold the reviewed bytes; nothing was written: move that folder aside and run it again");
    }
    fs::path dest = partial(plan) / "files" / file.name;
    // Harmless to repeat: an existing copy with the reviewed bytes is left as it is.
    if (fs::exists(dest) && file_sha256(dest) == file.sha256) return Status::OK();
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return failure(dest.parent_path(), "cannot create the release folder", ec.value());
    auto written = checker::write_file_atomically(dest.string(), bytes);
    if (!written.ok()) return full_disk(written.error(), dest);
    return Status::OK();
  }

  bool resend_on_resume() const override { return true; }

  std::string published_record(const ReleasePlan& plan) const override {
    if (complete(plan)) {
      std::ifstream in(final_root(plan) / kReleaseRecordJson, std::ios::binary);
      if (in) {
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
      }
    }
    return Publisher::published_record(plan);
  }

  Status finish(const ReleasePlan& plan) override {
    if (complete(plan)) return Status::OK();
    const fs::path root = partial(plan);
    // Only the reviewed bytes may appear under the final name: every file is checked in the partial
    // folder before it is renamed, and the folders holding them are synced, so a power cut after
    // the rename cannot take a file out of a published release.
    for (const auto& f : plan.files) {
      const fs::path copy = root / "files" / f.name;
      if (file_sha256(copy) != f.sha256) {
        return io_error(copy.string() + ": missing or not the reviewed bytes; nothing was published: run the release "
                                        "again (it writes the file again from the store)");
      }
    }
    {
      std::set<fs::path> folders;
      for (const auto& f : plan.files) {
        for (fs::path d = (root / "files" / f.name).parent_path(); d != root && folders.insert(d).second;) d = d.parent_path();
      }
      for (const auto& d : folders) db::sync_folder(d);
    }
    // A run killed while writing leaves its temporary (".NAME.tmp-XXXXXX") beside the final name;
    // every file is in place now, so none of them is wanted in what is published.
    remove_stale_temporaries(root / "manifest.json");
    remove_stale_temporaries(root / kReleaseRecordJson);
    remove_stale_temporaries(root / kReleaseRecordHtml);
    for (const auto& f : plan.files) remove_stale_temporaries(root / "files" / f.name);
    // The release record, so that a complete release always has it; the manifest names its hash.
    const std::string record_text = release_record_text(plan.record);
    for (const auto& [name, text] : {std::pair<const char*, std::string>{kReleaseRecordJson, record_text},
                                     {kReleaseRecordHtml, release_record_html(plan.record)}}) {
      auto put = checker::write_file_atomically((root / name).string(), text);
      if (!put.ok()) return full_disk(put.error(), root / name);
    }
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
                            {"release_record_sha256", checker::sha256_hex(record_text)},
                            {"files", files}};
    auto written = checker::write_file_atomically((root / "manifest.json").string(), checker::json_text(manifest, 2) + "\n");
    if (!written.ok()) return full_disk(written.error(), root / "manifest.json");
    db::sync_folder(root);
    db::crash_point("release.before_rename");
    std::error_code ec;
    if (fs::exists(final_root(plan), ec)) {
      // A final folder with no manifest is an older outcheck's interrupted release: never complete.
      fs::remove_all(final_root(plan), ec);
    }
    // Complete: renamed to its final name in one step, and the folder holding it synced.
    if (::rename(root.c_str(), final_root(plan).c_str()) != 0) {
      return failure(final_root(plan), "cannot move the finished release into place", errno);
    }
    db::sync_folder(final_root(plan).parent_path());
    return Status::OK();
  }

 private:
  fs::path final_root(const ReleasePlan& plan) const { return fs::path(dir_) / plan.workspace / plan.request_id; }
  fs::path partial(const ReleasePlan& plan) const {
    return fs::path(dir_) / plan.workspace / ("." + plan.request_id + ".partial");
  }
  bool complete(const ReleasePlan& plan) const {
    std::error_code ec;
    return fs::exists(final_root(plan) / "manifest.json", ec);
  }

  // A failed write of `path` with the errno of the call that failed; a full destination says so.
  Error failure(const fs::path& path, const std::string& what, int err) const {
    if (err == ENOSPC || err == EDQUOT) {
      return Error{ErrorKind::unavailable, path.string() + ": " + what + ": the release folder's disk is full: free space on " +
                                               dir_ + " and run the release again (it resumes)"};
    }
    return io_error(path.string() + ": " + what + ": " + std::strerror(err));
  }
  Error full_disk(const Error& e, const fs::path& path) const {
    if (e.message.find(std::strerror(ENOSPC)) == std::string::npos) return e;
    return Error{ErrorKind::unavailable, path.string() + ": cannot write it: the release folder's disk is full: free space on " +
                                             dir_ + " and run the release again (it resumes)"};
  }

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
