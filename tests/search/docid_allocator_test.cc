#include <catch2/catch.hpp>

#include "docid_allocator.h"

using chirp::search::DocidAllocator;

TEST_CASE("docid allocator: newer live tweets get smaller docids", "[search][docid]") {
  DocidAllocator a;
  uint32_t prev = a.allocate(100);
  for (uint64_t id = 101; id < 200; ++id) {
    uint32_t d = a.allocate(id);
    REQUIRE(d < prev);
    REQUIRE(d >= 1);
    prev = d;
  }
  REQUIRE(prev <= DocidAllocator::kLiveTop);
}

TEST_CASE("docid allocator: out-of-order tweets sort after every live one", "[search][docid]") {
  DocidAllocator a;
  uint32_t live_new = a.allocate(1000);
  uint32_t live_newer = a.allocate(2000);
  uint32_t old = a.allocate(1500);  // older than the newest seen: out-of-order region
  REQUIRE(live_newer < live_new);
  REQUIRE(old > live_new);
  REQUIRE(old > DocidAllocator::kLiveTop);
  uint32_t older = a.allocate(10);
  REQUIRE(older != old);  // never the same docid twice
}

TEST_CASE("docid allocator: state round-trips through metadata text", "[search][docid]") {
  DocidAllocator a;
  (void)a.allocate(5);
  (void)a.allocate(3);
  auto b = DocidAllocator::parse(a.serialise());
  REQUIRE(b.has_value());
  REQUIRE(*b == a);
  REQUIRE(b->allocate(9) == a.allocate(9));
  REQUIRE_FALSE(DocidAllocator::parse("garbage").has_value());
  REQUIRE(DocidAllocator::parse("").has_value());  // a fresh index
}
