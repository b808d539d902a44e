#pragma once
// The content-addressed store of request files: `home/store/ab/abcdef...` named by SHA-256, so the
// bytes a reviewer saw cannot change underneath the review, and identical files are kept once.
#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "base/result.h"

namespace outcheck::db {

// A copy taken into the store's staging area, not yet published under its hash.
struct StagedFile {
  std::filesystem::path temp;
  std::string sha256;
  std::int64_t size = 0;
  dev_t device = 0;  // of the source file copied, so the caller can check it was the file judged
  ino_t inode = 0;
  std::string mtime;  // the source's modification time, ISO 8601 UTC
};

// A file's modification time as the store records it: ISO 8601 UTC, milliseconds.
std::string mtime_iso(const struct stat& st);

class Store {
 public:
  explicit Store(std::filesystem::path root) : root_(std::move(root)) {}

  // Copies `source` (links followed) into staging while hashing it.
  Result<StagedFile> stage(const std::filesystem::path& source) const;
  // Moves a staged copy to its content address (a no-op when that content is already stored).
  Status commit(const StagedFile& staged) const;
  void discard(const StagedFile& staged) const;
  // Removes staging copies older than `max_age`: left by a process killed mid-add (a live add
  // commits or discards its copies within seconds).
  void sweep_staging(std::chrono::seconds max_age = std::chrono::hours(1)) const;

  std::filesystem::path path_of(const std::string& sha256) const;
  // Hashes the stored bytes again; an error when they are missing.
  Result<std::string> rehash(const std::string& sha256) const;

 private:
  std::filesystem::path root_;
};

}  // namespace outcheck::db
