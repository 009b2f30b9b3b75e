// JSON objects of API.md written with RapidJSON: User, Tweet, search hit.
// Ids are decimal strings, times RFC 3339 UTC (engine::format_time), text
// indices code-point offsets. `viewer_*` fields appear only when given (the
// request carried a token).
#pragma once

#include <optional>

#include "chirp/api/pagination.h"
#include "chirp/engine/engine.h"

namespace chirp::api {

void write_user(JsonWriter& w, const engine::User& u, std::optional<bool> viewer_follows = std::nullopt);
void write_tweet(JsonWriter& w, const engine::Tweet& t, std::optional<bool> viewer_liked = std::nullopt);
void write_search_hit(JsonWriter& w, const engine::SearchHitView& h,
                      std::optional<bool> viewer_liked = std::nullopt);

// OpenAPI component schemas for the objects above ("User", "Tweet", ...).
const std::vector<std::pair<std::string, std::string>>& object_schemas();

}  // namespace chirp::api
