// Fuzz target: twitter-text entity extraction and weighted length
// (engine/text). Tweets are user input, ill-formed UTF-8 included (each bad
// sequence counts as one U+FFFD). Properties checked beyond "no crash":
// - every entity lies inside the text: 0 <= start < end <= code points;
// - each entity list is sorted and its entities do not overlap;
// - parse_tweet's ranges stay inside the text, the valid range inside the
//   display range.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "chirp/text/twitter_text.h"
#include "chirp/text/utf8.h"

namespace {

// Aborts (a libFuzzer finding) naming the property that failed.
void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "property failed at %s:%d: %s\n", __FILE__, line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

void check_entities(const std::vector<chirp::text::Entity>& list, int code_points) {
  int last_end = 0;
  for (const auto& e : list) {
    check(e.start >= 0 && e.start < e.end && e.end <= code_points);
    check(e.start >= last_end);  // sorted, no overlap
    last_end = e.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto all = chirp::text::extract_entities(text);
  const int n = chirp::text::code_point_count(text);
  check_entities(all.hashtags, n);
  check_entities(all.mentions, n);
  check_entities(all.urls, n);
  check_entities(all.cashtags, n);

  for (const auto& m : chirp::text::extract_mentions_or_lists(text))
    check(m.start >= 0 && m.start < m.end && m.end <= n);
  (void)chirp::text::extract_reply_username(text);

  const auto r = chirp::text::parse_tweet(text);
  check(r.weighted_length >= 0);
  check(r.display_range_start == 0 && r.display_range_end <= n);
  check(r.valid_range_start >= r.display_range_start && r.valid_range_end <= r.display_range_end);

  (void)chirp::text::is_valid_username(text);
  (void)chirp::text::is_valid_list(text);
  (void)chirp::text::is_valid_hashtag(text);
  (void)chirp::text::is_valid_url(text);
  (void)chirp::text::is_valid_url(text, false, false);
  return 0;
}
