#pragma once
// The content-addressed store of request files: `home/store/ab/abcdef...` named by SHA-256, so the
// bytes a reviewer saw cannot change underneath the review, and identical files are kept once.
#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>
#include <string>
#include <string_view>

#include "base/result.h"

namespace outcheck::db {

// The staging folder of one process (store/staging/s-XXXXXX), held under an exclusive flock for as
// long as any copy in it is alive: another writer's sweep sees the lock and leaves it alone, and
// once the process ends (killed or not) the lock is gone and the next writer removes the folder.
struct StagingSession;

// A copy taken into the store's staging area, not yet published under its hash.
struct StagedFile {
  std::shared_ptr<StagingSession> session;  // keeps the folder locked until the copy is committed or discarded
  std::filesystem::path temp;
  std::string sha256;
  std::int64_t size = 0;
  dev_t device = 0;  // of the source file copied, so the caller can check it was the file judged
  ino_t inode = 0;
  std::string mtime;  // the source's modification time, ISO 8601 UTC
};

// Writes all of `s`, short writes continued; 0, or the errno of the write that failed.
int write_fully(int fd, std::string_view s);
// fsyncs a folder, so a rename or link in it survives a power cut.
void sync_folder(const std::filesystem::path& dir);
// The error for a failed write of `path` with the errno of the call that failed: a full disk
// (ENOSPC, EDQUOT) is `unavailable` and says what to do ("the home's disk is full: free space on
// <home>"); anything else is an io error naming the path and the errno's text.
Error io_failure(const std::string& path, const std::string& what, int err, const std::filesystem::path& home = {});

// A file's modification time as the store records it: ISO 8601 UTC, milliseconds.
std::string mtime_iso(const struct stat& st);

class Store {
 public:
  explicit Store(std::filesystem::path root);

  // Copies `source` (links followed) into staging while hashing it.
  Result<StagedFile> stage(const std::filesystem::path& source) const;
  // Moves a staged copy to its content address (a no-op when that content is already stored).
  Status commit(const StagedFile& staged) const;
  void discard(const StagedFile& staged) const;
  // The leftovers in staging: copies no live process holds (each process's folder is under its
  // flock while it writes). With `remove`, they are deleted. Under an exclusive lock on
  // store/staging.lock, which a process holds shared while it creates and locks its folder, so a
  // folder is never seen between its creation and its lock. Any writer that stages calls it.
  std::vector<std::filesystem::path> sweep_staging(bool remove = true) const;

  std::filesystem::path path_of(const std::string& sha256) const;
  // Hashes the stored bytes again; an error when they are missing.
  Result<std::string> rehash(const std::string& sha256) const;

  const std::filesystem::path& root() const { return root_; }

 private:

  std::filesystem::path root_;
  struct Shared;
  std::shared_ptr<Shared> shared_;  // this Store's current staging folder, shared by its copies
};

}  // namespace outcheck::db
