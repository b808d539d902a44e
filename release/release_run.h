#pragma once
// `outcheck request release ID --to DIR|URL`: publishes a reviewed request's approved output files,
// exactly the bytes that were reviewed, and resumes an interrupted release.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "db/service.h"
#include "release/publisher.h"

namespace outcheck::release {

// Told before each file is sent (for a progress line on a terminal).
using Progress = std::function<void(std::size_t index, std::size_t total, const ReleaseFile& file)>;

Result<nlohmann::json> release_request(db::Service& service, const db::User& actor, const std::string& id,
                                       const std::string& to, const PublisherOptions& options, const Progress& progress);

}  // namespace outcheck::release
