// Extraction edge cases: indices in code points, scripts, URLs without
// protocol, punctuation, mention and cashtag boundaries, overlaps, threads.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chirp/text/twitter_text.h"
#include "chirp/text/utf8.h"
#include "internal.h"

using namespace chirp::text;

namespace {
std::vector<std::string> values(const std::vector<Entity>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.value);
  return out;
}
}  // namespace

TEST_CASE("hashtag indices count code points, not bytes or UTF-16 units", "[text][hashtag]") {
  const std::string t = "\xF0\x9F\x98\x80 #tag";  // U+1F600 (4 bytes, 2 UTF-16 units)
  const auto tags = extract_hashtags(t);
  REQUIRE(tags.size() == 1);
  CHECK(tags[0] == Entity{"tag", 2, 6});
  const auto bytes = byte_offsets_of_code_points(t);
  CHECK(t.substr(bytes[tags[0].start], bytes[tags[0].end] - bytes[tags[0].start]) == "#tag");
}

TEST_CASE("hashtags in Japanese and Korean", "[text][hashtag]") {
  CHECK(extract_hashtags("#日本語 です") == std::vector<Entity>{{"日本語", 0, 4}});
  CHECK(extract_hashtags("What is #트위터 anyway?") == std::vector<Entity>{{"트위터", 8, 12}});
  CHECK(extract_hashtags("今日は、＃ハッシュタグ。") ==
        std::vector<Entity>{{"ハッシュタグ", 4, 11}});
  // No hashtag glued to a preceding word character.
  CHECK(extract_hashtags("日本語#日本語").empty());
  CHECK(extract_hashtags("#123 #_").empty());
}

TEST_CASE("URLs without protocol need a known TLD", "[text][url]") {
  CHECK(extract_urls("visit example.com now") == std::vector<Entity>{{"example.com", 6, 17}});
  CHECK(extract_urls("see foo.co.jp and bar.baz").size() == 1);
  CHECK(extract_urls("file.tar.bz2 and name.notatld").empty());
  CHECK(values(extract_urls("t.co/abc bit.ly/xyz")) ==
        std::vector<std::string>{"t.co/abc", "bit.ly/xyz"});
  // An e-mail address is not a URL.
  CHECK(extract_urls("mail me at bob@example.com").empty());
}

TEST_CASE("URLs stop before trailing punctuation", "[text][url]") {
  CHECK(values(extract_urls("see http://example.com/path.")) ==
        std::vector<std::string>{"http://example.com/path"});
  CHECK(values(extract_urls("(http://example.com)")) ==
        std::vector<std::string>{"http://example.com"});
  CHECK(values(extract_urls("go to https://example.com/a?b=c!!")) ==
        std::vector<std::string>{"https://example.com/a?b=c"});
  CHECK(values(extract_urls("wiki http://en.wikipedia.org/wiki/Primer_(film), ok")) ==
        std::vector<std::string>{"http://en.wikipedia.org/wiki/Primer_(film)"});
}

TEST_CASE("URL indices after astral characters", "[text][url]") {
  const auto urls = extract_urls("\xF0\x9F\x90\xB1 https://t.co/abc");
  REQUIRE(urls.size() == 1);
  CHECK(urls[0] == Entity{"https://t.co/abc", 2, 18});
}

TEST_CASE("an @ after a letter is not a mention", "[text][mention]") {
  CHECK(extract_mentions("foo@bar").empty());
  CHECK(extract_mentions("write to a@b.com").empty());
  CHECK(extract_mentions("hi @bar!") == std::vector<Entity>{{"bar", 3, 7}});
  CHECK(extract_mentions("RT@bob: yes") == std::vector<Entity>{{"bob", 2, 6}});
  CHECK(extract_mentions("@aliceìnheiro").empty());
  // Screen names are at most 20 characters; twitter-text keeps the first 20.
  CHECK(extract_mentions("@abcdefghijklmnopqrstuvwxyz") ==
        std::vector<Entity>{{"abcdefghijklmnopqrst", 0, 21}});
}

TEST_CASE("lists are reported by extract_mentions_or_lists only", "[text][mention]") {
  const std::string t = "cc @bob/friends-1 and @amy";
  const auto all = extract_mentions_or_lists(t);
  REQUIRE(all.size() == 2);
  CHECK(all[0] == MentionOrList{"bob", "/friends-1", 3, 17});
  CHECK(all[1] == MentionOrList{"amy", "", 22, 26});
  CHECK(extract_mentions(t) == std::vector<Entity>{{"amy", 22, 26}});
}

TEST_CASE("cashtags are letters, not numbers", "[text][cashtag]") {
  CHECK(extract_cashtags("buy $TWTR now") == std::vector<Entity>{{"TWTR", 4, 9}});
  CHECK(extract_cashtags("it costs $12").empty());
  CHECK(values(extract_cashtags("$BRK.A and $TWTR.")) == std::vector<std::string>{"BRK.A", "TWTR"});
  CHECK(extract_cashtags("x$TWTR").empty());
  CHECK(extract_cashtags("$TOOLONGX").empty());
}

TEST_CASE("replies", "[text][reply]") {
  CHECK(extract_reply_username("@bob hi") == "bob");
  CHECK(extract_reply_username("\xE3\x80\x80@bob hi") == "bob");  // ideographic space
  CHECK(extract_reply_username("hi @bob").empty());
  CHECK(extract_reply_username(".@bob hi").empty());
}

TEST_CASE("extract_entities resolves overlaps: the entity starting first wins",
          "[text][entities]") {
  const Entities e = extract_entities("#go http://x.com/#frag @amy $ABC @bob/list");
  CHECK(values(e.hashtags) == std::vector<std::string>{"go"});
  CHECK(values(e.urls) == std::vector<std::string>{"http://x.com/#frag"});
  CHECK(values(e.mentions) == std::vector<std::string>{"amy"});
  CHECK(values(e.cashtags) == std::vector<std::string>{"ABC"});
  CHECK(e.urls[0].start == 4);
  CHECK(extract_hashtags("http://twitter.com/#hashtag").empty());
}

TEST_CASE("ill-formed UTF-8 counts one code point per bad sequence", "[text][utf8]") {
  const std::string t = "\xE2\x82#tag \xFF@bob";  // truncated 3-byte sequence, stray byte
  CHECK(extract_hashtags(t) == std::vector<Entity>{{"tag", 1, 5}});
  const auto m = extract_mentions(t);
  REQUIRE(m.size() == 1);
  CHECK(m[0] == Entity{"bob", 7, 11});
  CHECK(code_point_count(t) == 11);
}

TEST_CASE("extraction is thread-safe and deterministic", "[text][threads]") {
  const std::vector<std::string> inputs = {"#one @two http://three.com $FOUR",
                                           "日本語 #ハッシュ example.jp", "\xF0\x9F\x98\x80 @x #y",
                                           "RT @a: see https://t.co/abc #b"};
  std::vector<Entities> expected;
  for (const auto& s : inputs) expected.push_back(extract_entities(s));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::size_t k = static_cast<std::size_t>(i + t) % inputs.size();
        if (!(extract_entities(inputs[k]) == expected[k])) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>{0, 0, 0, 0});
  CHECK_FALSE(expected[0].urls.empty());
}

TEST_CASE("the shortcut for texts without entity characters gives what the full extraction gives",
          "[text][extract]") {
  // Random texts from pieces that matter: the trigger characters (# @ $ . and
  // the full-width ＃ ＠), look-alikes that trigger nothing (full-width dot
  // and dollar, ideographic full stop, small number sign and commercial at),
  // entity-shaped text with and without its trigger, other scripts, emoji.
  const std::vector<std::string> pieces = {"word ",
                                           " ",
                                           "\n",
                                           "e\xCC\x81",
                                           "\xC3\xA9t\xC3\xA9 ",
                                           "\xE6\x97\xA5\xE6\x9C\xAC ",
                                           "\xF0\x9F\x90\xA6",
                                           "#",
                                           "@",
                                           "$",
                                           ".",
                                           "\xEF\xBC\x83tag ",
                                           "\xEF\xBC\xA0user ",
                                           "\xEF\xBC\x8E",
                                           "\xEF\xBC\x84"
                                           "AB ",
                                           "\xE3\x80\x82",
                                           "\xEF\xB9\x9Ftag ",
                                           "\xEF\xB9\xABuser ",
                                           "#tag ",
                                           "@user ",
                                           "$AB ",
                                           "x.co ",
                                           "example\xEF\xBC\x8E"
                                           "com ",
                                           "http://",
                                           "tag ",
                                           "user/list "};
  auto triggers = [](const std::string& p) {
    return p.find_first_of("#@$.") != std::string::npos ||
           p.find("\xEF\xBC\x83") != std::string::npos ||
           p.find("\xEF\xBC\xA0") != std::string::npos;
  };
  std::mt19937 rng(20261130);
  int compared = 0, lookalikes = 0, found = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t target = rng() % 200;
    const bool with_triggers = i % 2 == 1;  // half the texts have none: the shortcut's
    while (text.size() < target) {
      const std::string& piece = pieces[rng() % pieces.size()];
      if (with_triggers || !triggers(piece)) text += piece;
    }
    const Entities fast = extract_entities(text);
    const Entities full = chirp::text::detail::extract_entities_unicode(text);
    INFO("text: " << text);
    REQUIRE(fast == full);
    ++compared;
    if (!with_triggers && (text.find("\xEF\xBC\x8E") != std::string::npos ||
                           text.find("\xEF\xBC\x84") != std::string::npos ||
                           text.find("\xE3\x80\x82") != std::string::npos ||
                           text.find("\xEF\xB9") != std::string::npos))
      ++lookalikes;
    if (!full.hashtags.empty() || !full.mentions.empty() || !full.urls.empty() ||
        !full.cashtags.empty())
      ++found;
  }
  CHECK(lookalikes > compared / 4);  // the shortcut met look-alikes of its triggers
  CHECK(found > compared / 4);       // the texts with triggers do hold entities
}
