#include <catch2/catch.hpp>

#include "chirp/storage/codec.h"
#include "chirp/storage/keys.h"
#include "chirp/storage/records.h"

using namespace chirp::storage;

TEST_CASE("big-endian keys sort numerically", "[keys]") {
  const uint64_t values[] = {0, 1, 255, 256, 65535, 1ull << 32, (1ull << 63) + 5, ~0ull};
  for (size_t i = 0; i + 1 < std::size(values); ++i) {
    CHECK(key_u64(values[i]) < key_u64(values[i + 1]));
    CHECK(read_u64(key_u64(values[i])) == values[i]);
  }
  CHECK(key_u64_u64(1, 999) < key_u64_u64(2, 0));
  CHECK(read_u64(key_u64_u64(7, 42), 8) == 42);
}

TEST_CASE("records round-trip through the codec", "[codec]") {
  TweetRecord t;
  t.id = 123456789012345ull;
  t.author_id = 42;
  t.text = "héllo #world 🌍";
  t.created_at_ms = 1760000000000;
  t.entities.push_back({EntityRecord::kHashtag, 6, 12, "world"});
  t.like_count = 3;
  TweetRecord back;
  REQUIRE(decode(encode(t), &back).ok());
  CHECK(back.id == t.id);
  CHECK(back.text == t.text);
  CHECK(back.entities.size() == 1);
  CHECK(back.entities[0].value == "world");
  CHECK(back.entities[0].end == 12);
  CHECK(back.like_count == 3);
}

TEST_CASE("a corrupt record decodes to an error, not a crash", "[codec]") {
  UserRecord u;
  u.username = "alice";
  u.bio = std::string(100, 'x');
  std::string bytes = encode(u);
  UserRecord out;
  CHECK_FALSE(decode(bytes.substr(0, bytes.size() / 2), &out).ok());
  CHECK_FALSE(decode("", &out).ok());
  std::string garbage(64, '\xff');
  CHECK_FALSE(decode(garbage, &out).ok());
}
