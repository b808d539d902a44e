#include "checker/file_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "checker/file_scan.h"

namespace fs = std::filesystem;

namespace outcheck::checker {

namespace {

using rules::Finding;
using rules::Outcome;

Finding file_finding(const char* rule, Outcome outcome, std::string message) {
  Finding f;
  f.rule = rule;
  f.outcome = outcome;
  f.message = std::move(message);
  return f;
}

bool allowed_type(const rules::Policy& policy, const std::string& suffix) {
  return std::find(policy.release_types.begin(), policy.release_types.end(), suffix) != policy.release_types.end();
}

std::string mib(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

// Why a workspace file may never leave on its own account, or "" when it may.
std::string protected_reason(const CheckContext& ctx, const std::string& relpath) {
  if (!ctx.workspace.no_project) {
    Classification c = classify(ctx.workspace.project, relpath);
    if (c.privacy == Privacy::undeclared) return "not declared as an output in project.yaml";
    if (c.privacy != Privacy::moderately_sensitive) return std::string("declared ") + privacy_name(c.privacy);
  }
  std::string suffix = path_suffix(relpath);
  if (!allowed_type(ctx.policies.for_path(relpath).policy(), suffix)) {
    return "of a file type that may not be released (" + (suffix.empty() ? std::string("none") : suffix) + ")";
  }
  return "";
}

// Hex digests compared without regard to case.
bool same_hash(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string realpath_of(const fs::path& p) {
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) return "";
  return buf;
}

// A report lists the roles of this many columns at most (a table of a million columns would make a
// report of hundreds of MB); the rest are counted.
constexpr std::size_t kMaxColumnRoles = 10'000;

// Reads the file once (checker/file_scan.h): hashes every byte and, for CSVs, streams it through
// the table rules.
void read_contents(const fs::path& location, bool is_csv, std::shared_ptr<const rules::CompiledPolicy> policy,
                   FileReport& r) {
  // Never blocks, whatever was swapped in since the gate looked: only a regular file is read.
  auto opened = open_regular_file(location);
  if (!opened) {
    // "cannot be read: ..." or "not a regular file: a FIFO", without the path the report names.
    std::string m = opened.error().message;
    const std::string prefix = location.string() + ": ";
    if (m.rfind(prefix, 0) == 0) m = m.substr(prefix.size());
    r.findings.add(file_finding("special_file", Outcome::blocked, m));
    return;
  }
  const int fd = *opened;
  ScanSinks sinks;
  if (is_csv) {
    sinks.rules = std::move(policy);
    sinks.findings = &r.findings;
  }
  auto scanned = scan_file(fd, sinks);
  ::close(fd);
  if (!scanned) {
    r.findings.add(file_finding("special_file", Outcome::blocked, scanned.error().message));
    return;
  }
  r.sha256 = scanned->sha256;
  r.size = scanned->size;
  if (is_csv) {
    r.rows = scanned->data_records;
    r.columns = static_cast<std::int64_t>(scanned->header_fields);
    const auto& roles = scanned->column_roles;
    for (std::size_t c = 0; c < roles.size() && c < kMaxColumnRoles; ++c) {
      r.column_roles.push_back({roles[c].name, rules::role_report_name(roles[c]), roles[c].why});
    }
    r.column_roles_omitted = roles.size() - r.column_roles.size();
    r.roles_read_on_rows = scanned->roles_read_on_rows;
  }
}

}  // namespace

std::string file_kind(unsigned mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a file";
}

Result<int> open_regular_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return io_error(path.string() + ": cannot be read: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return io_error(path.string() + ": cannot be read: " + std::strerror(error));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{ErrorKind::refused, path.string() + ": not a regular file: " + file_kind(st.st_mode)};
  }
  // A regular file never blocks a read; clearing the flag keeps reads plain all the same.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

FileReport check_file(const CheckContext& ctx, const Target& t) {
  FileReport r;
  r.path = t.display;
  r.findings = rules::FindingList(ctx.max_findings);

  const PolicyOverride* override = t.inside ? ctx.policies.override_for(t.display) : nullptr;
  std::shared_ptr<const rules::CompiledPolicy> compiled = override ? override->policy : ctx.policies.base;
  const rules::Policy& policy = compiled->policy();
  if (override) r.policy_override = override->keys;

  if (ctx.workspace.no_project) {
    r.privacy = Privacy::unclassified;  // no project declares anything, inside or out
  } else if (t.inside) {
    Classification c = classify(ctx.workspace.project, t.display);
    r.privacy = c.privacy;
    if (c.pattern) {
      r.action = c.pattern->action;
      r.output_name = c.pattern->output_name;
    }
  }

  bool gate_blocked = false;  // blocked before reading: contents are never read
  auto block = [&](const char* rule, std::string message) {
    r.findings.add(file_finding(rule, Outcome::blocked, std::move(message)));
    gate_blocked = true;
  };

  struct stat lst;
  if (::lstat(t.location.c_str(), &lst) != 0) {
    block("special_file", std::string("cannot be read: ") + std::strerror(errno));
    return r;
  }
  const bool is_link = S_ISLNK(lst.st_mode);
  std::string resolved = realpath_of(t.location);
  std::optional<std::string> resolved_rel;

  if (resolved.empty()) {
    std::error_code ec;
    fs::path target = is_link ? fs::read_symlink(t.location, ec) : fs::path();
    block("special_file", is_link ? "is a symbolic link to " + target.string() + ", which does not exist"
                                  : std::string("cannot be resolved: ") + std::strerror(errno));
  } else {
    resolved_rel = relative_inside(ctx.workspace.root, fs::path(resolved));
    if (!resolved_rel) {
      const std::string place = workspace_word(ctx.workspace);
      block("outside_workspace", is_link ? "is a symbolic link to " + resolved + ", outside " + place
                                         : (t.inside ? "resolves to " + resolved + ", outside " + place
                                                     : "lies outside " + place));
    }
  }

  if (t.inside && !ctx.workspace.no_project) {
    if (r.privacy == Privacy::undeclared) {
      block("undeclared", "matches no output pattern in project.yaml");
    } else if (r.privacy != Privacy::moderately_sensitive) {
      block("privacy_level", std::string("declared ") + privacy_name(r.privacy) + " by action " + *r.action +
                                 " (output " + *r.output_name + "); only moderately_sensitive outputs may be released");
    }
  }

  struct stat st;
  bool regular = false;
  // lstat, not stat: `resolved` has no links in it, so a link here (or nothing at all) means the
  // file was swapped or removed since it was resolved, and it must not slip past the link checks.
  if (!resolved.empty() && ::lstat(resolved.c_str(), &st) != 0) {
    block("special_file", std::string("changed while it was being checked (") + std::strerror(errno) + "); check it again");
  } else if (!resolved.empty()) {
    regular = S_ISREG(st.st_mode);
    if (!regular) {
      block("special_file", S_ISDIR(st.st_mode)   ? "is a link to a folder; only files can be released"
                            : S_ISLNK(st.st_mode) ? "changed while it was being checked (it is now a link); check it again"
                                                  : "is not a regular file (a pipe, socket or device)");
    }
  }

  // A name that resolves to another workspace file is judged by that file too, wherever the name
  // itself lies: a link outside the workspace must not carry a protected file out either.
  if (regular && resolved_rel && (!t.inside || *resolved_rel != t.display)) {
    std::string why = protected_reason(ctx, *resolved_rel);
    if (!why.empty()) {
      block("linked_to_protected",
            (is_link ? "is a symbolic link to " : "resolves to ") + *resolved_rel + ", which is " + why);
    }
  }

  if (regular && st.st_nlink > 1) {
    std::vector<std::string> names = ctx.hard_links.names(st.st_dev, st.st_ino);
    for (const auto& name : names) {
      if (resolved_rel && name == *resolved_rel) continue;
      std::string why = protected_reason(ctx, name);
      if (!why.empty()) {
        block("linked_to_protected", "shares its data with " + name + " (a hard link), which is " + why);
        break;
      }
    }
    auto outside = static_cast<std::int64_t>(st.st_nlink) - static_cast<std::int64_t>(names.size());
    if (outside > 0 && !gate_blocked) {
      // Those names cannot be read from here: a person must say what they are, or a copy goes out.
      r.findings.add(file_finding("linked_to_protected", Outcome::review,
                                  "shares its data (a hard link) with " + std::to_string(outside) + " other name" +
                                      (outside == 1 ? "" : "s") +
                                      " outside the workspace, which outcheck cannot judge: confirm none is "
                                      "a protected file, or release a copy instead of a link"));
    }
  }

  // Provenance (interface.md "Provenance: job-runner's manifest"): which job wrote this name, and
  // what job-runner recorded about it. A file outside the workspace is already blocked.
  const JobProvenance* job = nullptr;
  if (t.inside && !ctx.workspace.no_project) {
    if (ctx.manifest) {
      job = ctx.manifest->find(t.display);
      if (!job) {
        r.findings.add(file_finding("not_from_job", Outcome::blocked,
                                    std::string("no job wrote it: ") + kJobManifestPath + " has no entry for this file"));
      }
    } else if (ctx.manifest_required) {
      r.findings.add(file_finding("not_from_job", Outcome::blocked,
                                  std::string("no job wrote it that can be shown: the workspace has no ") +
                                      kJobManifestPath + ", and the policy requires one (provenance: required)"));
    }
  }
  if (job) {
    r.job = *job;
    const std::string who = "job " + job->job_id + " of action " + job->action;
    if (job->level == "highly_sensitive" && r.privacy != Privacy::highly_sensitive) {
      // Never read: whatever project.yaml says now, its job wrote it as patient-level data.
      block("privacy_level", who + " wrote it as highly_sensitive (" + kJobManifestPath +
                                 "); only moderately_sensitive outputs may be released");
    }
    if (job->excluded) {
      r.findings.add(file_finding("excluded_by_job", Outcome::blocked,
                                  who + " excluded it from release: " +
                                      (job->message ? "\"" + *job->message + "\"" : std::string("(no message recorded)"))));
    }
    if (job->out_of_date_action) {
      r.findings.add(file_finding("out_of_date", Outcome::review,
                                  "its action " + job->action +
                                      " is no longer in project.yaml (out_of_date_action): it may be stale"));
    }
    if (job->out_of_date_output) {
      r.findings.add(file_finding("out_of_date", Outcome::review,
                                  "action " + job->action +
                                      " no longer writes this file (out_of_date_output): it is left from an earlier run"));
    }
  }

  const std::string suffix = path_suffix(t.display);
  if (!allowed_type(policy, suffix)) {
    r.findings.add(file_finding("file_type", Outcome::blocked,
                                suffix.empty() ? std::string("has no file type extension; it may not be released")
                                               : "file type '" + suffix + "' may not be released"));
  }
  if (regular) {
    r.size = static_cast<std::int64_t>(st.st_size);
    if (st.st_size > policy.max_file_bytes) {
      // In MiB, unless that rounds both to the same figure ("16.0 MiB, larger than 16.0 MiB").
      std::string size = mib(st.st_size), limit = mib(policy.max_file_bytes);
      if (size == limit) {
        size = std::to_string(st.st_size) + " bytes";
        limit = std::to_string(policy.max_file_bytes) + " bytes";
      }
      r.findings.add(file_finding("file_size", Outcome::blocked, "is " + size + ", larger than the limit of " + limit));
    }
  }

  if (regular && t.expected_file && (st.st_dev != t.expected_file->first || st.st_ino != t.expected_file->second)) {
    block("special_file", "changed while it was being added (a different file now has this name); add it again");
  }

  if (gate_blocked || !regular || t.gate_only) return r;

  const bool is_csv = suffix == ".csv";
  read_contents(t.content_from.empty() ? fs::path(resolved) : t.content_from, is_csv, compiled, r);
  // The hash just computed, compared with the one job-runner recorded: the file is read once.
  if (job && r.sha256 && !same_hash(*r.sha256, job->content_hash)) {
    r.findings.add(file_finding("changed_since_job", Outcome::blocked,
                                "changed since job " + job->job_id + " wrote it: its sha256 is " + *r.sha256 + ", " +
                                    kJobManifestPath + " records " + job->content_hash));
  }
  if (!is_csv && allowed_type(policy, suffix)) {
    r.findings.add(file_finding("needs_review", Outcome::review,
                                "a " + suffix + " file cannot be checked automatically: a person must look at it"));
  }
  if (is_csv && r.rows && *r.rows > policy.max_csv_rows) {
    r.findings.add(file_finding("csv_rows", Outcome::fail,
                                "has " + std::to_string(*r.rows) + " data rows, more than the " +
                                    std::to_string(policy.max_csv_rows) + " allowed"));
  }
  return r;
}

}  // namespace outcheck::checker
