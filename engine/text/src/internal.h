// Internal plumbing shared by the extractors (not a public header).
//
// Extraction runs on an icu::UnicodeString (UTF-16) because the patterns are
// ICU regular expressions; results are first produced in UTF-16 indices and
// converted to code-point indices at the public boundary. parse_tweet needs the
// UTF-16 form directly, which is why these live here rather than in each file.
#pragma once

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chirp/text/twitter_text.h"

namespace chirp::text::detail {

enum class Kind { kUrl, kHashtag, kMention, kCashtag };

// An entity with UTF-16 code-unit indices [start, end).
struct Span16 {
  int start = 0;
  int end = 0;
  std::string value;      // UTF-8
  std::string list_slug;  // mentions only
  Kind kind = Kind::kUrl;
};

icu::UnicodeString to_utf16(std::string_view utf8);
std::string to_utf8(const icu::UnicodeString& s, int start, int end);

// Compiles `pattern` or throws std::logic_error: patterns are constants, so a
// failure is a programming error caught by the first test that runs.
std::unique_ptr<icu::RegexPattern> compile(const icu::UnicodeString& pattern, uint32_t flags);

// A matcher for `pattern` private to the calling thread, reset to `text`.
// `slot` must be a thread_local owned by the caller (one per pattern); `text`
// must outlive the use of the returned matcher.
icu::RegexMatcher& thread_matcher(std::unique_ptr<icu::RegexMatcher>& slot,
                                  const icu::RegexPattern& pattern, const icu::UnicodeString& text);

// Character classes shared by several patterns (ICU set syntax, no brackets).
extern const char16_t* const kUnicodeSpaces;
extern const char16_t* const kDirectionalChars;
extern const char16_t* const kInvalidChars;
extern const char16_t* const kLatinAccents;
extern const char16_t* const kCyrillic;

bool contains_any(const icu::UnicodeString& s, std::u16string_view chars);

// parse_tweet without its plain-ASCII shortcut: every text through ICU (the
// shortcut's tests compare the two).
ParseResult parse_tweet_unicode(std::string_view utf8, const LengthConfig& config);
// extract_entities without its shortcut for texts that cannot hold one.
Entities extract_entities_unicode(std::string_view utf8);

// The extractors, in UTF-16 indices, in text order.
std::vector<Span16> find_urls(const icu::UnicodeString& text);
std::vector<Span16> find_hashtags(const icu::UnicodeString& text);  // without URL-overlap check
std::vector<Span16> find_mentions_or_lists(const icu::UnicodeString& text);
std::vector<Span16> find_cashtags(const icu::UnicodeString& text);

// Drops every span that starts before the previous kept span ends (spans sorted
// by start first). twitter-text's rule: the earlier entity wins.
void remove_overlapping(std::vector<Span16>& spans);

// Converts UTF-16 spans to public entities with code-point indices.
std::vector<Entity> to_entities(const icu::UnicodeString& text, std::vector<Span16>&& spans);

// Emoji sequence starting at UTF-16 index `i`: its length in code units, or 0.
int emoji_length_at(const icu::UnicodeString& text, int i);

}  // namespace chirp::text::detail
