// The record codec against cereal's own portable binary archives: chirp's
// encode() must write exactly cereal's bytes (the on-disk format), decode()
// must read whatever cereal writes (either byte order), and corrupt input must
// give an error without reading outside the value.
#include <catch2/catch.hpp>

#include <cereal/archives/portable_binary.hpp>
#include <random>
#include <sstream>

#include "chirp/storage/codec.h"
#include "chirp/storage/records.h"

using namespace chirp::storage;

namespace {

template <class T>
std::string cereal_encode(const T& r, bool big_endian = false) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(
        os, big_endian ? cereal::PortableBinaryOutputArchive::Options::BigEndian()
                       : cereal::PortableBinaryOutputArchive::Options::Default());
    ar(r);
  }
  return std::move(os).str();
}

template <class T>
bool cereal_decode(const std::string& bytes, T* out) {
  try {
    std::istringstream is(bytes, std::ios::binary);
    cereal::PortableBinaryInputArchive ar(is);
    ar(*out);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint64_t u64() {
    switch (rng() % 4) {
      case 0: return 0;
      case 1: return ~0ull;
      case 2: return rng() % 1000;
      default: return rng();
    }
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string str() {
    size_t n = rng() % 5 == 0 ? 0 : rng() % 300;
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }
  TweetRecord tweet() {
    TweetRecord t;
    t.id = u64();
    t.author_id = u64();
    t.text = str();
    t.created_at_ms = i64();
    t.in_reply_to_id = u64();
    t.in_reply_to_user_id = u64();
    for (size_t i = 0, n = rng() % 6; i < n; ++i)
      t.entities.push_back({static_cast<uint8_t>(rng() % 4), static_cast<int32_t>(rng()),
                            static_cast<int32_t>(rng()), str()});
    t.like_count = u64();
    t.reply_count = u64();
    return t;
  }
  UserRecord user() {
    UserRecord u;
    u.id = u64();
    u.username = str();
    u.display_name = str();
    u.bio = str();
    u.password_hash = str();
    u.created_at_ms = i64();
    u.tweet_count = u64();
    u.follower_count = u64();
    u.following_count = u64();
    return u;
  }
  ChangeRecord change() {
    ChangeRecord c;
    c.seq = u64();
    c.kind = static_cast<uint8_t>(rng());
    c.at_ms = i64();
    c.user_id = u64();
    c.target_id = u64();
    c.target_user_id = u64();
    c.username = str();
    c.display_name = str();
    c.bio = str();
    c.tweet = tweet();
    c.in_reply_to_username = str();
    return c;
  }
  SessionRecord session() { return {u64(), i64(), i64()}; }
  FollowRecord follow() { return {i64()}; }
  IdempotencyRecord idem() { return {u64(), i64()}; }
};

// encode == cereal's bytes; decode(cereal bytes, either order) round-trips.
template <class T>
void check_exact(const T& r) {
  const std::string want = cereal_encode(r);
  REQUIRE(encode(r) == want);
  T back;
  REQUIRE(decode(want, &back).ok());
  REQUIRE(cereal_encode(back) == want);
  T back_big;
  REQUIRE(decode(cereal_encode(r, /*big_endian=*/true), &back_big).ok());
  REQUIRE(cereal_encode(back_big) == want);
}

// Every proper prefix is an error; random corruption never crashes, and
// whenever our decode accepts a value cereal accepts it too, identically.
template <class T>
void check_corruption(const T& r, std::mt19937_64& rng) {
  const std::string good = cereal_encode(r);
  for (size_t n = 0; n < good.size(); ++n) {
    T out;
    INFO("prefix of " << n << " of " << good.size() << " bytes");
    // Heap copy of exactly n bytes: a sanitizer build catches any over-read.
    std::unique_ptr<char[]> buf(new char[n ? n : 1]);
    std::memcpy(buf.get(), good.data(), n);
    REQUIRE_FALSE(decode(std::string_view(buf.get(), n), &out).ok());
  }
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    for (int k = 0, flips = 1 + static_cast<int>(rng() % 3); k < flips; ++k)
      bad[rng() % bad.size()] ^= static_cast<char>(1u << (rng() % 8));
    if (rng() % 4 == 0) bad.resize(rng() % bad.size());
    std::unique_ptr<char[]> buf(new char[bad.size() + 1]);
    std::memcpy(buf.get(), bad.data(), bad.size());
    T mine;
    if (decode(std::string_view(buf.get(), bad.size()), &mine).ok()) {
      T theirs;
      REQUIRE(cereal_decode(bad, &theirs));
      REQUIRE(cereal_encode(mine) == cereal_encode(theirs));
    }
  }
}

}  // namespace

TEST_CASE("codec writes cereal's exact bytes and reads them back, every record type",
          "[codec]") {
  Gen g(12345);
  check_exact(TweetRecord{});
  check_exact(UserRecord{});
  check_exact(ChangeRecord{});
  for (int i = 0; i < 300; ++i) {
    check_exact(g.tweet());
    check_exact(g.user());
    check_exact(g.change());
    check_exact(g.session());
    check_exact(g.follow());
    check_exact(g.idem());
  }
}

TEST_CASE("codec: a versioned type nested in a record carries its version once", "[codec]") {
  // ChangeRecord (v1) holds a TweetRecord (v1): cereal writes both versions, each once.
  ChangeRecord c;
  c.tweet.text = "x";
  const std::string bytes = encode(c);
  REQUIRE(bytes == cereal_encode(c));
  REQUIRE(static_cast<unsigned char>(bytes[0]) == 1);  // little-endian flag
  ChangeRecord back;
  REQUIRE(decode(bytes, &back).ok());
  CHECK(back.tweet.text == "x");
}

TEST_CASE("codec: corrupt or truncated values are errors, never crashes or over-reads",
          "[codec]") {
  Gen g(777);
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20; ++i) {
    check_corruption(g.tweet(), rng);
    check_corruption(g.user(), rng);
    check_corruption(g.change(), rng);
    check_corruption(g.session(), rng);
  }
}

TEST_CASE("codec: a huge length prefix fails before allocating", "[codec]") {
  TweetRecord t;
  t.text = "hello";
  std::string bytes = encode(t);
  // Layout: flag(1) version(4) id(8) author_id(8) text length(8) ...
  const size_t len_at = 1 + 4 + 8 + 8;
  for (uint64_t n : {uint64_t{6}, uint64_t{1} << 40, ~uint64_t{0}}) {
    std::memcpy(&bytes[len_at], &n, 8);
    TweetRecord out;
    CHECK_FALSE(decode(bytes, &out).ok());
  }
}
