// Internal: source text of the URL patterns (see url_pattern.cpp).
#pragma once

#include <unicode/unistr.h>

namespace chirp::text::detail {

// Capture groups of the URL pattern.
enum UrlGroup {
  kUrlAll = 1,
  kUrlBefore,
  kUrl,
  kUrlProtocol,
  kUrlDomain,
  kUrlPort,
  kUrlPath,
  kUrlQuery
};

// Case-insensitive for ASCII letters by construction; compile without flags.
icu::UnicodeString url_pattern_source();
icu::UnicodeString url_query_chars();
icu::UnicodeString url_query_end();

}  // namespace chirp::text::detail
