// Hit highlighting: which code-point ranges of a tweet's text matched a query,
// and a helper that wraps given ranges in tags (twitter-text's HitHighlighter
// semantics, checked against its hit_highlighting.yml conformance suite).
//
// Pure functions, thread-safe. Offsets are code points [start, end), as in API.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chirp/search/query.h"
#include "chirp/search/types.h"

namespace chirp::search {

using Ranges = std::vector<std::pair<int, int>>;

// Ranges of `tweet.text` matching the query's positive terms: words (exact or
// same English stem), prefixes, and hashtag / mention / cashtag entities.
// Sorted, non-overlapping.
Ranges find_highlights(const TweetDocument& tweet, const HighlightTerms& terms);

// Inserts `before` / `after` around each range of `text`. Offsets count only
// characters outside HTML tags (<...>), so already-linked text can be
// highlighted: a tag that ends a range is placed inside the enclosing element
// when the range started in it, otherwise after it (twitter-text's rule).
// Ranges must be sorted; a range past the end is closed at the end.
std::string highlight(std::string_view text, const Ranges& ranges, std::string_view before = "<em>",
                      std::string_view after = "</em>");

}  // namespace chirp::search
