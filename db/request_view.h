#pragma once
// One request as one user may see it (Service::show): Airlock's visibility already applied, so
// whatever holds a RequestView may show all of it to that user. db/service_json gives the API's
// JSON of it; the request page reads that JSON through the API.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/model.h"
#include "db/release_state.h"

namespace outcheck::db {

struct CommentView {
  std::string author, text, visibility, created_at;
  std::int64_t review_turn = 0;
};

struct GroupView {
  std::string name, context, controls;
  std::vector<CommentView> comments;  // those the viewer may read
};

struct VoteView {
  std::string reviewer;
  std::string vote;  // vote_name
  std::int64_t review_turn = 0;
  std::optional<std::string> comment, override_reason;
};

struct FileView {
  std::size_t file = 0;                 // its index in the view's request.files
  std::optional<std::string> decision;  // decision_name, when the viewer may see the votes' outcome
  std::vector<VoteView> votes;          // those the viewer may see
  // Airlock's workspace file status: under_review, updated, missing; withdrawn; or unavailable
  // when the workspace no longer passes its checks (nothing in it is looked at then).
  std::string workspace_status;
};

struct ReleaseProblem {
  std::string at, problem;  // why the last release attempt stopped
};

struct RequestView {
  Request request;
  std::int64_t output_files = 0;
  std::vector<GroupView> groups;
  std::vector<FileView> files;
  std::vector<std::pair<std::string, std::string>> reviews_submitted;  // reviewer, submitted_at
  std::optional<std::string> workspace_problem;  // the workspace fails its checks now: why
  std::optional<ReleaseProblem> release_problem;
  std::optional<ReleaseInterruption> release_interrupted;

  const RequestFile& file_of(const FileView& f) const { return request.files[f.file]; }
};

}  // namespace outcheck::db
