// Weighted length (parse_tweet) with configs v2 and v3.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "chirp/text/twitter_text.h"
#include "internal.h"

using namespace chirp::text;

namespace {
std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

TEST_CASE("ASCII counts one per character up to 280", "[text][length]") {
  const ParseResult ok = parse_tweet(repeat("a", 280));
  CHECK(ok.weighted_length == 280);
  CHECK(ok.valid);
  CHECK(ok.permillage == 1000);
  CHECK(ok.valid_range_end == 280);
  const ParseResult over = parse_tweet(repeat("a", 281));
  CHECK_FALSE(over.valid);
  CHECK(over.valid_range_end == 280);
  CHECK(over.display_range_end == 281);
  CHECK(over.utf16_display_range_end == 280);  // twitter-text: inclusive end
}

TEST_CASE("CJK characters weigh two", "[text][length]") {
  CHECK(parse_tweet(repeat("中", 140)).valid);
  const ParseResult r = parse_tweet(repeat("中", 141));
  CHECK(r.weighted_length == 282);
  CHECK_FALSE(r.valid);
  CHECK(r.valid_range_end == 140);
}

TEST_CASE("a URL counts as 23 whatever its length", "[text][length]") {
  const ParseResult r = parse_tweet("a https://example.com/" + repeat("x", 300));
  CHECK(r.weighted_length == 25);
  CHECK(r.valid);
}

TEST_CASE("v3 counts each emoji sequence as two, v2 counts its code points",
          "[text][length][emoji]") {
  const std::string family =
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  CHECK(parse_tweet(family, config_v3()).weighted_length == 2);
  CHECK(parse_tweet(family, config_v2()).weighted_length == 2 + 1 + 2 + 1 + 2);
  CHECK(parse_tweet("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7", config_v3()).weighted_length ==
        2);                                                                           // flag FR
  CHECK(parse_tweet("1\xEF\xB8\x8F\xE2\x83\xA3", config_v3()).weighted_length == 2);  // keycap 1
  CHECK(parse_tweet("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", config_v3()).weighted_length ==
        2);  // thumbs up + tone
}

TEST_CASE("ranges of astral text: code points here, UTF-16 for twitter-text", "[text][length]") {
  const ParseResult r = parse_tweet(repeat("\xF0\x9F\x98\x80", 141), config_v3());
  CHECK(r.weighted_length == 282);
  CHECK_FALSE(r.valid);
  CHECK(r.valid_range_end == 140);
  CHECK(r.display_range_end == 141);
  CHECK(r.utf16_valid_range_end == 279);
  CHECK(r.utf16_display_range_end == 281);
}

TEST_CASE("empty, blank and invalid characters are not valid", "[text][length]") {
  CHECK_FALSE(parse_tweet("").valid);
  CHECK(parse_tweet("   ").weighted_length == 0);
  CHECK_FALSE(parse_tweet("   ").valid);
  const ParseResult r = parse_tweet(
      "ab\xEF\xBF\xBE"
      "cd");  // U+FFFE
  CHECK_FALSE(r.valid);
  CHECK(r.valid_range_end == 2);
}

TEST_CASE("text is NFC-normalised before counting", "[text][length]") {
  const ParseResult r = parse_tweet("A\xCC\x81");  // A + combining acute -> Á
  CHECK(r.weighted_length == 1);
  CHECK(r.display_range_end == 2);  // ranges refer to the text as given
}

TEST_CASE("the plain-ASCII shortcut gives what the full ICU parse gives", "[text][length]") {
  // Random ASCII texts of 0..400 characters from pieces that matter to the
  // parse: words, spaces and controls (blank texts), the emoji bases # * 0-9,
  // URL-like text with and without a dot (a dot takes the full path), and
  // lengths around the 280 limit.
  const std::vector<std::string> pieces = {"a",     "word ", " ",      "\n",     "\t",  "\r",     "\x01", "#",
                                           "*",     "7",     "#tag ",  "@user ", "$AB ", "http://", "https://host/path ",
                                           "www ",  "x.co ", "a.b",    ".",      "!?",  "\x7f",   "localhost:80 "};
  std::mt19937 rng(20261130);
  int compared = 0, shortcut = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t target = rng() % 400;
    const bool dots = i % 2 == 1;  // half the texts without a dot: the shortcut's
    while (text.size() < target) {
      const std::string& piece = pieces[rng() % pieces.size()];
      if (dots || piece.find('.') == std::string::npos) text += piece;
    }
    for (const LengthConfig* config : {&config_v2(), &config_v3()}) {
      const ParseResult fast = parse_tweet(text, *config);
      const ParseResult full = chirp::text::detail::parse_tweet_unicode(text, *config);
      INFO("text: " << text);
      REQUIRE(fast.weighted_length == full.weighted_length);
      REQUIRE(fast.permillage == full.permillage);
      REQUIRE(fast.valid == full.valid);
      REQUIRE(fast.valid_range_start == full.valid_range_start);
      REQUIRE(fast.valid_range_end == full.valid_range_end);
      REQUIRE(fast.display_range_start == full.display_range_start);
      REQUIRE(fast.display_range_end == full.display_range_end);
      REQUIRE(fast.utf16_valid_range_start == full.utf16_valid_range_start);
      REQUIRE(fast.utf16_valid_range_end == full.utf16_valid_range_end);
      REQUIRE(fast.utf16_display_range_start == full.utf16_display_range_start);
      REQUIRE(fast.utf16_display_range_end == full.utf16_display_range_end);
      ++compared;
      if (text.find('.') == std::string::npos) ++shortcut;
    }
  }
  CHECK(shortcut > compared / 4);  // both paths were compared often
  CHECK(shortcut < compared);
}
