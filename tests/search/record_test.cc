// The tweet record stored in kSlotRecord (schema::encode_tweet / decode_tweet):
// a hit is rendered from it alone, so every field must come back exactly, and
// a damaged record must decode to false, never to a wrong tweet or UB.
#include <catch2/catch.hpp>

#include "schema.h"

using namespace chirp::search;

namespace {

TweetDocument full_tweet() {
  TweetDocument t;
  t.id = 0xFFFFFFFFFFFFFFFFull;  // the widest varint
  t.author_id = 127;             // one byte below the varint boundary
  t.username = "zoë_b";
  t.display_name = "Zoë 🐦 B";
  t.text = "Café #Ünïcode @al $ACME https://example.com 日本語 " + std::string(300, 'x');
  t.created_at_ms = -86'400'001;  // before 1970: negative times round-trip too
  t.in_reply_to_id = 128;         // two bytes
  t.in_reply_to_username = "al";
  t.entities.hashtags = {{"Ünïcode", 5, 13}};
  t.entities.mentions = {{"al", 14, 17}};
  t.entities.cashtags = {{"ACME", 18, 23}};
  t.entities.urls = {{"https://example.com", 24, 43}, {"https://example.org/a", 44, 65}};
  return t;
}

}  // namespace

TEST_CASE("record: every field round-trips", "[search][record]") {
  const TweetDocument t = full_tweet();
  TweetDocument back;
  REQUIRE(schema::decode_tweet(schema::encode_tweet(t), &back));
  CHECK(back == t);

  TweetDocument empty;  // all zero, all strings empty, no entities
  TweetDocument empty_back = full_tweet();
  REQUIRE(schema::decode_tweet(schema::encode_tweet(empty), &empty_back));
  CHECK(empty_back == empty);
}

TEST_CASE("record: stays compact (it is stored uncompressed)", "[search][record]") {
  TweetDocument t;
  t.id = 1234567890123456789ull;
  t.author_id = 4242;
  t.username = "bob";
  t.text = "hello world";
  t.created_at_ms = 1'700'000'000'000;
  // version 1, id 9, author 2, 3 length bytes + 14 string bytes, created_at 6,
  // reply id 1, reply user 1, 4 empty entity lists 4
  CHECK(schema::encode_tweet(t).size() == 1 + 9 + 2 + 3 + 14 + 6 + 1 + 1 + 4);
}

TEST_CASE("record: a damaged record decodes to false", "[search][record]") {
  const std::string good = schema::encode_tweet(full_tweet());
  TweetDocument out;
  SECTION("every truncation") {
    for (size_t n = 0; n < good.size(); ++n) {
      INFO("first " << n << " of " << good.size() << " bytes");
      CHECK_FALSE(schema::decode_tweet(good.substr(0, n), &out));
    }
  }
  SECTION("trailing bytes") { CHECK_FALSE(schema::decode_tweet(good + '\0', &out)); }
  SECTION("another record version (format 3's 8-byte fields)") {
    std::string v1 = good;
    v1[0] = 1;
    CHECK_FALSE(schema::decode_tweet(v1, &out));
    CHECK_FALSE(schema::decode_tweet(std::string(8, '\0') + good, &out));
  }
  SECTION("a varint longer than 64 bits") {
    CHECK_FALSE(schema::decode_tweet(std::string(1, '\x02') + std::string(11, '\xff'), &out));
  }
  SECTION("a string length past the end") {
    TweetDocument t;
    t.username = "abc";
    std::string s = schema::encode_tweet(t);
    // version, id, author, then the username's length byte
    REQUIRE(s[3] == 3);
    s[3] = 0x7f;
    CHECK_FALSE(schema::decode_tweet(s, &out));
  }
  SECTION("an entity count larger than the record could hold") {
    TweetDocument t;
    std::string s = schema::encode_tweet(t);
    // the last byte is the cashtag count (0): claim 2^62 cashtags
    s.pop_back();
    s += std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x40", 9);
    CHECK_FALSE(schema::decode_tweet(s, &out));
  }
}
