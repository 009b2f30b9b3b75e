// The memory index's bookkeeping (MemoryState, index_impl.h), driven the way
// apply() and the writer's commit drive it. Issue 8: under steady post +
// delete traffic the InMemory database was never emptied nor rebuilt, so its
// deleted slots (and their terms' entries) piled up for the life of the
// process. InMemory's last docid is its slot count: the physical measure.
#include <catch2/catch.hpp>

#include "index_impl.h"
#include "schema.h"
#include "test_util.h"

namespace chirp::search {
namespace {

using testing::tweet;

struct Driver {
  MemoryState mem;
  Xapian::TermGenerator tg = schema::make_term_generator();
  uint64_t seq = 0;
  uint32_t next_docid = 1000000;
  size_t rebuilds = 0;

  WorkItem post(const TweetDocument& t) {
    WorkItem item;
    item.op = IndexOp::Upsert(++seq, t);
    item.op.id = t.id;
    item.docid = next_docid--;
    mem.upsert(t.id, PendingDoc{item.op.seq, item.docid, t}, schema::build_document(t, item.docid, tg));
    return item;
  }
  WorkItem del(uint64_t tweet_id) {
    WorkItem item;
    item.op = IndexOp::DeleteTweet(++seq, tweet_id);
    mem.delete_tweet(tweet_id, item.op.seq);
    return item;
  }
  // What the writer does after a disk commit of `written`.
  void commit(const std::vector<WorkItem>& written, size_t max_stale) {
    if (mem.evict_committed(written, max_stale)) {
      std::vector<std::pair<uint64_t, PendingDoc>> pending(mem.upserts.begin(), mem.upserts.end());
      mem.install_rebuilt(build_memory_db(pending), pending);
      ++rebuilds;
    }
    drop_retired(std::exchange(mem.retired, {}));  // as the writer does, outside mem_mu
  }
};

TweetDocument nth(uint64_t i) { return tweet(1700000000000 + static_cast<int64_t>(i), 1, 7, "poster", "short lived " + std::to_string(i)); }

}  // namespace

TEST_CASE("memory state: posts deleted before their commit, one post always in flight, stay bounded",
          "[search][memory]") {
  constexpr size_t kMaxStale = 64;
  constexpr int kCycles = 3000;
  Driver d;
  // Each commit covers a tweet's post and its delete while the next tweet is
  // already applied (it arrived during the commit): the memory index never
  // empties and no committed tweet is ever stale in it.
  WorkItem in_flight = d.post(nth(0));
  Xapian::docid most_slots = 0;
  for (int c = 1; c <= kCycles; ++c) {
    std::vector<WorkItem> written{in_flight, d.del(nth(c - 1).id)};
    in_flight = d.post(nth(c));
    d.commit(written, kMaxStale);
    REQUIRE(d.mem.upserts.size() == 1);
    most_slots = std::max(most_slots, d.mem.db.get_lastdocid());
  }
  INFO("rebuilds " << d.rebuilds << ", most slots " << most_slots);
  CHECK(most_slots <= kMaxStale + 2);  // before the fix: kCycles + 1
  CHECK(d.rebuilds > 0);
  CHECK(d.mem.db.get_doccount() == 1);  // only the pending tweet
  CHECK(d.mem.db.term_exists(schema::id_term(nth(kCycles).id)));
  CHECK(d.mem.deleted_tweets.empty());

  // The final flush empties everything.
  d.commit({in_flight}, kMaxStale);
  CHECK(d.mem.upserts.empty());
  CHECK(d.mem.db.get_lastdocid() == 0);
  CHECK(d.mem.garbage() == 0);
}

TEST_CASE("memory state: a high max_stale still rebuilds past kMaxGarbageSlots", "[search][memory]") {
  Driver d;
  WorkItem in_flight = d.post(nth(0));
  Xapian::docid most_slots = 0;
  for (int c = 1; c <= 3000; ++c) {
    std::vector<WorkItem> written{in_flight, d.del(nth(c - 1).id)};
    in_flight = d.post(nth(c));
    d.commit(written, 1'000'000);
    most_slots = std::max(most_slots, d.mem.db.get_lastdocid());
  }
  CHECK(most_slots <= kMaxGarbageSlots + 2);
  CHECK(d.rebuilds >= 2);
}

TEST_CASE("memory state: stale counts exactly the committed copies still in the index", "[search][memory]") {
  Driver d;
  std::vector<WorkItem> written;
  for (uint64_t i = 0; i < 10; ++i) written.push_back(d.post(nth(i)));
  WorkItem late = d.post(nth(100));  // keeps the index from emptying
  d.commit(written, 1000);
  CHECK(d.mem.stale == 10);
  CHECK(d.mem.db.get_doccount() == 11);

  // Deleting a committed tweet removes its stale copy; re-posting one reuses its slot.
  std::vector<WorkItem> more{d.del(nth(0).id), d.del(nth(1).id)};
  CHECK(d.mem.stale == 8);
  more.push_back(d.post(nth(2)));
  CHECK(d.mem.stale == 7);
  CHECK(d.mem.mem_added == 11);
  CHECK(d.mem.garbage() == 11 - 2);  // 2 pending: nth(2) again and `late`
  d.commit(more, 1000);
  CHECK(d.mem.stale == 8);  // nth(2) is stale again
  CHECK(d.mem.deleted_tweets.empty());

  // clear() forgets everything applied (reset).
  d.mem.delete_tweet(nth(5).id, ++d.seq);
  d.mem.clear();
  CHECK(d.mem.retired.size() == 1);  // the replaced db, for the caller to drop outside mem_mu
  CHECK(d.mem.upserts.empty());
  CHECK(d.mem.deleted_tweets.empty());
  CHECK(d.mem.db.get_lastdocid() == 0);
  CHECK(d.mem.stale == 0);
  (void)late;
}

}  // namespace chirp::search
