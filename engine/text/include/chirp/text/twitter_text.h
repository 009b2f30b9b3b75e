// twitter-text for chirp: entity extraction and weighted length, following
// https://github.com/twitter/twitter-text (config v2/v3) and its conformance suite.
//
// All offsets are code-point indices [start, end) into the UTF-8 input, as
// twitter-text reports them (chirp/text/utf8.h converts to bytes or UTF-16).
// Ill-formed UTF-8 is not rejected: each bad sequence counts as one U+FFFD.
// Functions are pure and thread-safe (patterns are compiled once, on first
// use; each thread keeps its own matchers). Results own their strings.
// Cost: a few microseconds for a typical tweet (see tests/text/perf_test.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chirp::text {

// One extracted entity. `value` is the tag without '#'/'$', the username without
// '@', or the URL as written.
struct Entity {
  std::string value;
  int start = 0;  // code-point index, inclusive
  int end = 0;    // code-point index, exclusive
  bool operator==(const Entity&) const = default;
};

struct Entities {
  std::vector<Entity> hashtags;
  std::vector<Entity> mentions;
  std::vector<Entity> urls;
  std::vector<Entity> cashtags;
  bool operator==(const Entities&) const = default;
};

// A mention that may name a list: "@bob/friends" gives screen_name "bob",
// list_slug "/friends" (with its slash, as twitter-text reports it), and
// [start, end) covering "@bob/friends". A plain mention has an empty list_slug.
struct MentionOrList {
  std::string screen_name;
  std::string list_slug;
  int start = 0;
  int end = 0;
  bool operator==(const MentionOrList&) const = default;
};

// Extracts hashtags, mentions (screen names; not lists), URLs and cashtags.
// Entities that overlap are resolved as twitter-text does: the one that starts
// first wins (so "#tag" inside a URL is not a hashtag). Each vector is sorted.
Entities extract_entities(std::string_view utf8);

std::vector<Entity> extract_hashtags(std::string_view utf8);
std::vector<Entity> extract_mentions(std::string_view utf8);
std::vector<Entity> extract_urls(std::string_view utf8);
std::vector<Entity> extract_cashtags(std::string_view utf8);
std::vector<MentionOrList> extract_mentions_or_lists(std::string_view utf8);
// The screen name a tweet replies to ("@bob hi" -> "bob"), or "" if none.
std::string extract_reply_username(std::string_view utf8);

// Weighted-length configuration (twitter-text config/v2.json, v3.json).
struct WeightRange {
  int start;
  int end;
  int weight;
};
struct LengthConfig {
  int version = 3;
  int max_weighted_tweet_length = 280;
  int scale = 100;
  int default_weight = 200;
  int transformed_url_length = 23;
  std::vector<WeightRange> ranges;
  bool emoji_parsing_enabled = true;
};
const LengthConfig& config_v2();
const LengthConfig& config_v3();

// Result of parsing a tweet's text, as twitter-text's parseTweet.
// The text is NFC-normalised first (as twitter-text does); weights count the
// normalised text, ranges refer to the text as given.
struct ParseResult {
  int weighted_length = 0;
  int permillage = 0;
  bool valid = false;         // 0 < weighted_length <= max, no invalid characters
  int valid_range_start = 0;  // code-point range [start, end) that fits in the limit
  int valid_range_end = 0;
  int display_range_start = 0;  // code-point range [start, end) of the whole text
  int display_range_end = 0;
  // The same two ranges exactly as twitter-text (Java/JS) reports them: UTF-16
  // code-unit indices with an INCLUSIVE end (an empty text gives 0..0).
  // Clients that compare with twitter-text's own output use these.
  int utf16_valid_range_start = 0;
  int utf16_valid_range_end = 0;
  int utf16_display_range_start = 0;
  int utf16_display_range_end = 0;
};
ParseResult parse_tweet(std::string_view utf8, const LengthConfig& config = config_v3());

// Validation, as twitter-text's isValid* functions. The whole text must be
// exactly one entity: "@name" (username), "@name/list" (list), "#tag"
// (hashtag). is_valid_tweet is parse_tweet(...).valid.
bool is_valid_tweet(std::string_view utf8, const LengthConfig& config = config_v3());
bool is_valid_username(std::string_view utf8);
bool is_valid_list(std::string_view utf8);
bool is_valid_hashtag(std::string_view utf8);
// An RFC 3986 URL (scheme http/https unless require_protocol is false) whose
// host is an IPv4/IPv6 literal or a domain with at least two labels; with
// unicode_domains, labels may hold non-ASCII characters. Paths may also hold
// Cyrillic letters, as twitter-text allows.
bool is_valid_url(std::string_view utf8, bool unicode_domains = true, bool require_protocol = true);

}  // namespace chirp::text
