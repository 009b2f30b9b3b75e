// Extraction cost on typical tweets. Hidden ([.perf]): timing depends on the
// machine and its load; run with `text_tests [.perf]`. The bound is loose: it
// catches pathological regressions (runaway backtracking), not small drifts.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "chirp/text/twitter_text.h"

using namespace chirp::text;

TEST_CASE("extraction and length stay in microseconds per tweet", "[.perf][text]") {
  const std::vector<std::string> tweets = {
      "Just landed in Tokyo! The food here is amazing, can't wait to explore more. #travel #japan",
      "@alice thanks for the link https://example.com/articles/2024/search-engines see $TWTR",
      "東京に着きました！明日はもっと探検したいです。#旅行 @bob 😀😀 example.jp/path",
      "Test a ton of periods http://example.com/path..........................................",
  };
  for (const auto& t : tweets) {
    extract_entities(t);  // compile patterns outside the timing
    constexpr int kRounds = 2000;
    const auto start = std::chrono::steady_clock::now();
    std::size_t sink = 0;
    for (int i = 0; i < kRounds; ++i) {
      sink += extract_entities(t).urls.size();
      sink += static_cast<std::size_t>(parse_tweet(t).weighted_length);
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count() /
        kRounds;
    INFO(t);
    WARN("extract_entities + parse_tweet: " << us << " us");
    CHECK(sink > 0);
    CHECK(us < 200.0);
  }
}
