// Validators: usernames, lists, hashtags, URLs, tweets.
#include <catch2/catch.hpp>
#include <string>

#include "chirp/text/twitter_text.h"

using namespace chirp::text;

TEST_CASE("username, list and hashtag validators need the whole text", "[text][validate]") {
  CHECK(is_valid_username("@bob_99"));
  CHECK_FALSE(is_valid_username("@bob-99"));
  CHECK_FALSE(is_valid_username("bob"));
  CHECK(is_valid_list("@bob/friends"));
  CHECK_FALSE(is_valid_list("@bob"));
  CHECK_FALSE(is_valid_list("@bob/friends "));
  CHECK(is_valid_hashtag("#café"));
  CHECK_FALSE(is_valid_hashtag("#2024"));
  CHECK_FALSE(is_valid_hashtag("#a b"));
}

TEST_CASE("URL validation follows RFC 3986 with twitter-text's domain rules",
          "[text][validate][url]") {
  CHECK(is_valid_url("https://example.com/a/b?c=d#e"));
  CHECK(is_valid_url("http://user:pw@example.com:8080/x"));
  CHECK(is_valid_url("http://[::1]:80/"));
  CHECK(is_valid_url("http://10.0.0.1/"));
  CHECK(is_valid_url("http://bücher.de/"));
  CHECK_FALSE(is_valid_url("http://bücher.de/", /*unicode_domains=*/false));
  CHECK_FALSE(is_valid_url("ftp://example.com/"));
  CHECK_FALSE(is_valid_url("http://localhost/"));
  CHECK_FALSE(is_valid_url("http://300.1.2.3/"));
  CHECK_FALSE(is_valid_url("http://[1::2::3]/"));
  CHECK_FALSE(is_valid_url("http://example.com/a b"));
  CHECK_FALSE(is_valid_url("http://exa_mple.com/"));
  CHECK(is_valid_url("sub_domain.example.com", true, /*require_protocol=*/false));
  CHECK_FALSE(is_valid_url("example.com"));  // protocol required by default
}

TEST_CASE("is_valid_tweet uses the given config", "[text][validate]") {
  const std::string t(200, 'a');
  CHECK(is_valid_tweet(t));
  LengthConfig legacy = config_v2();
  legacy.max_weighted_tweet_length = 140;
  CHECK_FALSE(is_valid_tweet(t, legacy));
}
