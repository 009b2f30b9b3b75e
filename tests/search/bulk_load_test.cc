// BulkLoad: segments built in parallel and merged by compaction must give the
// same index as apply() would: same matches, same recent order, deletes
// honoured, last_seq stored, and the index keeps working after it.
#include <catch2/catch.hpp>

#include <filesystem>

#include "index_fixture.h"

using namespace chirp::search;
using namespace chirp::search::testing;

namespace {

int64_t day(const char* d) { return *parse_day(d); }

SearchIndexOptions small_segments() {
  SearchIndexOptions o = slow_commits();
  o.bulk_segment_docs = 500;
  return o;
}

// Bulk-loads `ops` with a segment size small enough to need several segments.
void bulk(IndexFixture& fx, std::vector<IndexOp> ops, uint64_t through) {
  auto b = fx.index->begin_bulk(2);
  REQUIRE(b.ok());
  REQUIRE((*b)->add(std::move(ops), through).ok());
  REQUIRE((*b)->finish().ok());
}

}  // namespace

TEST_CASE("bulk: a bulk load equals applying the same changes", "[search][bulk]") {
  int64_t t0 = day("2026-11-01");
  std::vector<IndexOp> ops;
  uint64_t seq = 0;
  std::vector<uint64_t> ids;
  for (int i = 0; i < 1'300; ++i) {  // three segments in the live region
    auto t = tweet(t0 + i * 10, 1 + i % 7, 1 + i % 7, "u" + std::to_string(i % 7),
                   (i % 3 == 0 ? "kiwi " : "mango ") + std::string(i % 5 == 0 ? "#fruit" : "plain"));
    ids.push_back(t.id);
    ops.push_back(IndexOp::Upsert(++seq, t));
  }
  auto late = tweet(t0 - 100'000, 9, 9, "late", "kiwi arrived late");  // out-of-order region
  ops.push_back(IndexOp::Upsert(++seq, late));
  ops.push_back(IndexOp::DeleteTweet(++seq, ids[3]));  // a kiwi tweet
  ops.push_back(IndexOp::DeleteUser(++seq, 2));        // every tweet of user 2

  IndexFixture applied(small_segments()), bulked(small_segments());
  REQUIRE(applied.index->apply(ops).ok());
  REQUIRE(applied.index->flush().ok());
  bulk(bulked, ops, seq + 5);  // +5: changes search ignores still advance the position

  CHECK(bulked.index->last_applied_seq() == seq + 5);
  CHECK(bulked.index->searchable_seq() == seq + 5);
  CHECK(bulked.index->doc_count() == applied.index->doc_count());
  for (const char* q : {"kiwi", "mango", "#fruit", "from:u3", "kiwi -plain", "late"}) {
    INFO(q);
    CHECK(bulked.page(q).estimated_total == applied.page(q).estimated_total);
    CHECK(bulked.ids(q) == applied.ids(q));  // same docids: same newest-first order
  }
  CHECK(bulked.ids("late") == std::vector<uint64_t>{late.id});
  CHECK(bulked.page("since:2026-10-01").estimated_total == applied.page("since:2026-10-01").estimated_total);
  CHECK(bulked.id_set("kiwi").count(ids[3]) == 0);
  CHECK(bulked.page("mangoo").suggestion == std::optional<std::string>("mango"));  // spelling data merged
  CHECK(bulked.page("from:u1").hits.empty());  // user 2
  CHECK_FALSE(std::filesystem::exists(bulked.tmp.sub("search.bulk")));

  // Afterwards the ordinary path continues, and a reopened index resumes from the stored seq.
  bulked.seq = seq + 5;
  uint64_t after = bulked.add(tweet(t0 + 10'000'000, 1, 1, "u1", "kiwi after the bulk load"));
  REQUIRE(bulked.index->flush().ok());
  bulked.open(small_segments());
  CHECK(bulked.index->last_applied_seq() == seq + 6);
  CHECK(bulked.ids("kiwi").front() == after);
}

TEST_CASE("bulk: loading into a non-empty index keeps what is there", "[search][bulk]") {
  int64_t t0 = day("2026-11-01");
  IndexFixture fx(small_segments());
  uint64_t first = fx.add(tweet(t0, 1, 1, "a", "papaya first"));
  uint64_t old_region = fx.add(tweet(t0 - 50'000, 1, 1, "a", "papaya older"));  // spans both regions on disk
  REQUIRE(fx.index->flush().ok());
  uint64_t seq = fx.seq;
  std::vector<IndexOp> ops;
  std::vector<uint64_t> expect;
  for (int i = 1; i <= 30; ++i) {
    auto t = tweet(t0 + i * 1000, 2, 2, "b", "papaya more");
    ops.push_back(IndexOp::Upsert(++seq, t));
    expect.insert(expect.begin(), t.id);
  }
  ops.push_back(IndexOp::Upsert(++seq, tweet(t0, 1, 1, "a", "papaya first")));  // a replay: same tweet again
  // Range overlap (disk holds both regions): the segments are copied in.
  bulk(fx, ops, seq);
  expect.push_back(first);
  expect.push_back(old_region);
  CHECK(fx.ids("papaya") == expect);
  CHECK(fx.index->last_applied_seq() == seq);

  // A second load of newer tweets, whose docids lie below everything on disk.
  IndexFixture live(small_segments());
  live.add(tweet(t0, 1, 1, "a", "guava one"));
  live.add(tweet(t0 + 500, 2, 3, "c", "cherry"));  // no term is in every document: the compaction path
  REQUIRE(live.index->flush().ok());
  uint64_t s2 = live.seq;
  auto t = tweet(t0 + 1000, 1, 1, "a", "guava two");
  bulk(live, {IndexOp::Upsert(++s2, t)}, s2);
  CHECK(live.ids("guava").size() == 2);
  CHECK(live.ids("guava").front() == t.id);
  CHECK(live.ids("from:a").size() == 2);
  CHECK(live.ids("cherry").size() == 1);
}

TEST_CASE("bulk: an interrupted swap is undone on open, leftovers removed", "[search][bulk]") {
  int64_t t0 = day("2026-11-01");
  IndexFixture fx;
  uint64_t id = fx.add(tweet(t0, 1, 1, "a", "lychee"));
  REQUIRE(fx.index->flush().ok());
  uint64_t seq = fx.index->last_applied_seq();
  fx.index.reset();
  // A crash after the first rename of a swap: the index sits in <dir>.old.
  std::filesystem::rename(fx.tmp.sub("search"), fx.tmp.sub("search.old"));
  std::filesystem::create_directories(fx.tmp.sub("search.bulk/seg-0"));
  fx.open();
  CHECK_FALSE(fx.index->needs_rebuild());
  CHECK(fx.index->last_applied_seq() == seq);
  CHECK(fx.ids("lychee") == std::vector<uint64_t>{id});
  CHECK_FALSE(std::filesystem::exists(fx.tmp.sub("search.old")));
  CHECK_FALSE(std::filesystem::exists(fx.tmp.sub("search.bulk")));
}

TEST_CASE("memory bound: the writer commits by size, apply waits for it", "[search][bulk]") {
  SearchIndexOptions o = slow_commits();  // no commits by time or count
  o.commit_bytes = 16 * 1024;             // ~ every 7 tweets (estimate >= 2 KiB each)
  o.max_pending_bytes = 64 * 1024;
  IndexFixture fx(o);
  int64_t t0 = day("2026-11-01");
  std::vector<IndexOp> ops;
  for (int i = 0; i < 300; ++i) ops.push_back(IndexOp::Upsert(++fx.seq, tweet(t0 + i, 1, 1, "a", "durian " + std::to_string(i))));
  for (auto& op : ops) REQUIRE(fx.index->apply({op}).ok());  // would wait forever without size commits
  CHECK(fx.index->last_applied_seq() > 0);                   // committed without flush()
  // Until the memory index empties, copies of committed tweets still in it are
  // counted again by the estimate (hits are merged by id, so never repeated).
  CHECK(fx.page("durian").estimated_total >= 300);
  REQUIRE(fx.index->flush().ok());
  CHECK(fx.page("durian").estimated_total == 300);
}

TEST_CASE("reopen: relevance search finds what is on disk before any new apply", "[search][bulk]") {
  int64_t t0 = day("2026-11-01");
  for (bool use_bulk : {false, true}) {
    INFO("bulk " << use_bulk);
    IndexFixture fx;
    auto t = tweet(t0, 1, 1, "a", "tamarind");
    if (use_bulk) {
      bulk(fx, {IndexOp::Upsert(1, t), IndexOp::Upsert(2, tweet(t0 + 1, 2, 1, "a", "other"))}, 2);
    } else {
      fx.add(t);
      REQUIRE(fx.index->flush().ok());
    }
    fx.open();  // as chirpd does after chirpctl import
    CHECK(fx.ids("tamarind", SortOrder::kRelevance) == std::vector<uint64_t>{t.id});
    CHECK(fx.ids("tamarind", SortOrder::kRecent) == std::vector<uint64_t>{t.id});
  }
}

TEST_CASE("bulk: many small segments merged in levels beside the builds equal applying", "[search][bulk]") {
  // 8 tweets a segment: 80 live-region segments (five merges of 16 while the
  // load goes on), 5 out-of-order-region ones; the final compaction merges the
  // merged parts with what is left. Docids, terms, positions, values and
  // spelling data must come out as apply() makes them.
  SearchIndexOptions o = slow_commits();
  o.bulk_segment_docs = 8;
  int64_t t0 = day("2026-11-01");
  std::vector<IndexOp> ops;
  uint64_t seq = 0;
  std::vector<uint64_t> ids;
  for (int i = 0; i < 640; ++i) {
    auto t = tweet(t0 + i * 10, 1 + i % 11, 1 + i % 11, "u" + std::to_string(i % 11),
                   std::string(i % 3 == 0 ? "kiwi " : "mango ") + (i % 5 == 0 ? "#fruit " : "plain ") +
                       "word" + std::to_string(i % 97) + (i % 2 ? " tangerine" : ""));
    ids.push_back(t.id);
    ops.push_back(IndexOp::Upsert(++seq, t));
  }
  for (int i = 0; i < 40; ++i)  // out-of-order region
    ops.push_back(IndexOp::Upsert(++seq, tweet(t0 - 100'000 - i * 10, 700 + i, 12, "late", "kiwi arrived late")));
  ops.push_back(IndexOp::DeleteTweet(++seq, ids[3]));
  ops.push_back(IndexOp::DeleteUser(++seq, 2));

  IndexFixture applied(o), bulked(o);
  REQUIRE(applied.index->apply(ops).ok());
  REQUIRE(applied.index->flush().ok());
  bulk(bulked, ops, seq);

  CHECK(bulked.index->last_applied_seq() == seq);
  CHECK(bulked.index->doc_count() == applied.index->doc_count());
  for (const char* q : {"kiwi", "mango", "#fruit", "from:u3", "kiwi -plain", "late", "word42", "\"mango plain\"",
                        "tangerine from:u5", "since:2026-10-01"}) {
    INFO(q);
    CHECK(bulked.page(q).estimated_total == applied.page(q).estimated_total);
    CHECK(bulked.ids(q) == applied.ids(q));  // same docids: same newest-first order
    CHECK(bulked.ids(q, SortOrder::kRelevance) == applied.ids(q, SortOrder::kRelevance));
  }
  CHECK(bulked.page("tangerime").suggestion == std::optional<std::string>("tangerine"));  // spelling data merged
  CHECK(bulked.page("tangerime").suggestion == applied.page("tangerime").suggestion);
  CHECK_FALSE(std::filesystem::exists(bulked.tmp.sub("search.bulk")));
  bulked.open(o);  // reopened from disk
  CHECK(bulked.ids("word42") == applied.ids("word42"));
}
