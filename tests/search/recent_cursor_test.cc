// sort=recent pages on disk: the cursor is a docid floor (docid_floor_source.h)
// instead of an order-value comparison. Pages must still cover every match
// once, newest first, across the live and out-of-order docid regions, with
// tweets pending in memory and deletes not yet committed.
#include <chrono>
#include <map>
#include <random>

#include "chirp/search/query.h"
#include "docid_floor_source.h"
#include "id_ceiling_source.h"
#include "index_fixture.h"

namespace chirp::search::testing {
namespace {

constexpr int64_t kHour = 3'600'000;

std::vector<uint64_t> pages(IndexFixture& fx, const std::string& q, int limit) {
  std::vector<uint64_t> out;
  std::string cursor;
  for (int n = 0; n < 10000; ++n) {
    auto p = fx.page(q, SortOrder::kRecent, limit, cursor);
    for (const auto& h : p.hits) out.push_back(h.tweet.id);
    if (!p.next_cursor) break;
    cursor = *p.next_cursor;
  }
  return out;
}

TEST_CASE("recent cursor: pages across docid regions, memory and deletes", "[search][cursor]") {
  IndexFixture fx;
  const int64_t t0 = *parse_day("2026-05-01");
  std::set<uint64_t> alpha, beta;
  auto add = [&](int i) {
    std::string text = std::string(i % 3 == 0 ? "beta " : "") + "alpha n" + std::to_string(i);
    uint64_t id = fx.add(tweet(t0 + i * kHour, static_cast<uint64_t>(i), 1, "u", text));
    alpha.insert(id);
    if (i % 3 == 0) beta.insert(id);
    return id;
  };
  for (int i = 150; i < 300; ++i) add(i);  // live, oldest first
  std::vector<int> older(150);
  for (int i = 0; i < 150; ++i) older[i] = i;
  std::shuffle(older.begin(), older.end(), std::mt19937(3));
  for (int i : older) add(i);  // older than the newest: the out-of-order region
  REQUIRE(fx.index->flush().ok());

  auto check = [&](const char* where) {
    INFO(where);
    for (int limit : {1, 7, 100}) {
      INFO("limit " << limit);
      auto got = pages(fx, "alpha", limit);
      CHECK(got.size() == alpha.size());
      CHECK(std::set<uint64_t>(got.begin(), got.end()) == alpha);
      // Newest first among live tweets (those from hour 150 on were posted in order).
      const uint64_t live_from = tweet(t0 + 150 * kHour, 0, 1, "u", "").id;
      for (size_t i = 1; i < got.size(); ++i)
        if (got[i - 1] >= live_from && got[i] >= live_from) CHECK(got[i - 1] > got[i]);
      auto b = pages(fx, "beta", limit);
      CHECK(std::set<uint64_t>(b.begin(), b.end()) == beta);
      CHECK(b.size() == beta.size());
    }
  };
  check("disk");
  for (int i = 300; i < 320; ++i) add(i);  // pending in memory, newest
  for (int i = 5; i < 300; i += 17) {
    uint64_t id = tweet(t0 + i * kHour, static_cast<uint64_t>(i), 1, "u", "").id;
    fx.del(id);
    alpha.erase(id);
    beta.erase(id);
  }
  check("disk + memory, deletes pending");
  REQUIRE(fx.index->flush().ok());
  check("disk after commit");
}

TEST_CASE("docid floor source: every document at or above the floor", "[search][cursor]") {
  IndexFixture fx;
  const int64_t t0 = *parse_day("2026-05-01");
  for (int i = 0; i < 40; ++i) fx.add(tweet(t0 + i * kHour, 1, 1, "u", "word"));
  fx.del(tweet(t0 + 10 * kHour, 1, 1, "u", "").id);
  REQUIRE(fx.index->flush().ok());
  Xapian::Database db(fx.tmp.sub("search"));
  std::vector<Xapian::docid> all;
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) all.push_back(*it);
  REQUIRE(all.size() == 39);
  for (size_t k : {size_t{0}, size_t{5}, size_t{20}, size_t{38}}) {
    DocidFloorSource s(all[k]);
    s.init(db);
    std::vector<Xapian::docid> got;
    for (s.next(0); !s.at_end(); s.next(0)) got.push_back(s.get_docid());
    CHECK(got == std::vector<Xapian::docid>(all.begin() + static_cast<long>(k), all.end()));
    // check() below the floor moves to the first document at it.
    DocidFloorSource c(all[k]);
    c.init(db);
    CHECK(c.check(all[0], 0));
    CHECK(c.get_docid() == all[k]);
  }
  DocidFloorSource past(all.back() + 1);
  past.init(db);
  past.next(0);
  CHECK(past.at_end());
}

// #tag @user $TAG weigh 0 under BM25 (boolean terms): a query of those alone
// ranks by the recency boost, newest first, like sort=recent, on every page.
TEST_CASE("entity-only relevance queries rank newest first", "[search][cursor]") {
  IndexFixture fx;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  std::set<uint64_t> tagged;
  for (int i = 0; i < 90; ++i) {  // from 45 days ago to now: some boosted, some past the cut
    std::string text = std::string(i % 2 ? "#news " : "") + "@bob story " + std::to_string(i);
    uint64_t id = fx.add(tweet(now - (90 - i) * 12 * kHour, 1, 1, "u", text));
    if (i % 2) tagged.insert(id);
  }
  auto check = [&](const char* where) {
    INFO(where);
    for (const char* q : {"#news", "@bob", "#news @bob"}) {
      INFO(q);
      std::vector<uint64_t> recent = pages(fx, q, 7);
      std::vector<uint64_t> relevance;
      std::string cursor;
      double last = 1e9;
      for (int n = 0; n < 100; ++n) {
        auto p = fx.page(q, SortOrder::kRelevance, 7, cursor);
        for (const auto& h : p.hits) {
          relevance.push_back(h.tweet.id);
          CHECK(h.score <= last);
          last = h.score;
        }
        if (!p.next_cursor) break;
        cursor = *p.next_cursor;
      }
      CHECK(relevance == recent);
      if (std::string(q) == "#news") CHECK(std::set<uint64_t>(recent.begin(), recent.end()) == tagged);
    }
  };
  check("memory");
  REQUIRE(fx.index->flush().ok());
  check("disk");
}

// Later relevance pages bound the tweet id by a docid boundary on disk
// (id_ceiling_source.h): tweets committed after the first page never show up,
// every earlier match shows up once, across live and out-of-order docids.
TEST_CASE("relevance pages: the snapshot bound across docid regions", "[search][cursor]") {
  IndexFixture fx;
  const int64_t t0 = *parse_day("2026-02-01");
  std::set<uint64_t> before;
  auto add = [&](int i, const std::string& text) {
    return fx.add(tweet(t0 + i * kHour, static_cast<uint64_t>(i), 1, "u", text + " n" + std::to_string(i)));
  };
  for (int i = 100; i < 200; ++i) before.insert(add(i, i % 4 ? "alpha" : "alpha alpha"));  // live
  std::vector<int> older(100);
  for (int i = 0; i < 100; ++i) older[i] = i;
  std::shuffle(older.begin(), older.end(), std::mt19937(5));
  for (int i : older) before.insert(add(i, i % 5 ? "alpha" : "alpha beta"));  // out-of-order
  for (bool flushed : {false, true}) {
    INFO((flushed ? "disk" : "memory"));
    if (flushed) REQUIRE(fx.index->flush().ok());
    for (int limit : {9, 50}) {
      INFO("limit " << limit);
      auto first = fx.page("alpha", SortOrder::kRelevance, limit);
      std::vector<uint64_t> got;
      for (const auto& h : first.hits) got.push_back(h.tweet.id);
      // Newer tweets arrive (and reach the disk) between the pages.
      static int next = 1000;
      std::vector<uint64_t> newer;
      for (int k = 0; k < 15; ++k, ++next) newer.push_back(add(next, "alpha alpha"));
      REQUIRE(fx.index->flush().ok());
      std::string cursor = first.next_cursor.value_or("");
      for (int n = 0; n < 1000 && !cursor.empty(); ++n) {
        auto p = fx.page("alpha", SortOrder::kRelevance, limit, cursor);
        for (const auto& h : p.hits) got.push_back(h.tweet.id);
        cursor = p.next_cursor.value_or("");
      }
      CHECK(got.size() == before.size());
      CHECK(std::set<uint64_t>(got.begin(), got.end()) == before);
      before.insert(newer.begin(), newer.end());  // in the next first page's snapshot
    }
  }
}

TEST_CASE("id ceiling source: ids at or below the bound, live and out-of-order", "[search][cursor]") {
  IndexFixture fx;
  const int64_t t0 = *parse_day("2026-02-01");
  std::vector<uint64_t> ids;
  for (int i = 30; i < 60; ++i) ids.push_back(fx.add(tweet(t0 + i * kHour, 1, 1, "u", "w")));
  for (int i = 29; i >= 0; i -= 2) ids.push_back(fx.add(tweet(t0 + i * kHour, 1, 1, "u", "w")));  // out-of-order
  REQUIRE(fx.index->flush().ok());
  Xapian::Database db(fx.tmp.sub("search"));
  std::map<Xapian::docid, uint64_t> id_of;
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it)
    id_of[*it] = schema::from_be64(db.get_document(*it).get_value(schema::kSlotTweetId));
  std::sort(ids.begin(), ids.end());
  for (uint64_t bound : {ids.front() - 1, ids.front(), ids[10], ids[20], ids[40], ids.back(), ids.back() + 1}) {
    IdCeilingSource s(bound);
    s.init(db);
    CHECK(s.ordered());
    std::vector<Xapian::docid> got, want;
    for (s.next(0); !s.at_end(); s.next(0)) got.push_back(s.get_docid());
    for (const auto& [did, id] : id_of)
      if (id <= bound) want.push_back(did);
    CHECK(got == want);
    // check() agrees for every document, then next() goes on past it.
    for (const auto& [did, id] : id_of) {
      IdCeilingSource c(bound);
      c.init(db);
      bool on = c.check(did, 0);
      if (on && !c.at_end() && c.get_docid() == did) CHECK(id <= bound);
      if (!on) {
        CHECK(id > bound);
        c.next(0);
        if (!c.at_end()) CHECK(c.get_docid() > did);
      }
    }
  }
}

}  // namespace
}  // namespace chirp::search::testing
