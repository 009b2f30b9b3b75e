// since: / until: as a docid window (date_range_source.h): the same matches as
// a created_at comparison in the memory index, in the live docid region, in the
// out-of-order region, for tweets whose created_at is on another day than
// their id, with words in both orders of AND-driving, across pages, and in
// counts().
#include <map>
#include <random>

#include "chirp/search/query.h"
#include "date_range_source.h"
#include "index_fixture.h"

namespace chirp::search::testing {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kHour = 3'600'000;
int64_t day(const char* d) { return *parse_day(d); }

struct Corpus {
  std::map<uint64_t, TweetDocument> docs;  // by id
};

// Brute force: ids whose created_at is in [from, to) and whose text has `word` (empty: any).
std::set<uint64_t> expected(const Corpus& c, int64_t from, int64_t to, const std::string& word = "") {
  std::set<uint64_t> out;
  for (const auto& [id, t] : c.docs)
    if (t.created_at_ms >= from && t.created_at_ms < to &&
        (word.empty() || (" " + t.text + " ").find(" " + word + " ") != std::string::npos))
      out.insert(id);
  return out;
}

// Every match of `q` through all its pages, in either sort.
std::set<uint64_t> all_pages(IndexFixture& fx, const std::string& q, SortOrder sort, int limit) {
  std::set<uint64_t> out;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    auto p = fx.page(q, sort, limit, cursor);
    for (const auto& h : p.hits) {
      INFO(q << ": id " << h.tweet.id << " on two pages");
      CHECK(out.insert(h.tweet.id).second);
    }
    if (!p.next_cursor) break;
    cursor = *p.next_cursor;
  }
  return out;
}

// Tweets one every 5 hours over 2026-03-01 .. +40 days; "alpha" on every one,
// "beta" on every 7th, "gamma" on one in 50.
TweetDocument make(int i, int64_t created, uint64_t id_ms_offset = 0) {
  std::string text = "alpha";
  if (i % 7 == 0) text += " beta";
  if (i % 50 == 0) text += " gamma";
  text += " n" + std::to_string(i);
  TweetDocument t = tweet(created, static_cast<uint64_t>(i) & 0xfff, 1 + i % 5, "user" + std::to_string(i % 5), text);
  if (id_ms_offset) t.id = snowflake(created + static_cast<int64_t>(id_ms_offset), static_cast<uint64_t>(i) & 0xfff);
  return t;
}

void check_windows(IndexFixture& fx, const Corpus& c, const std::string& where) {
  const int64_t d0 = day("2026-03-01");
  std::vector<std::pair<int, int>> windows = {{0, 1}, {3, 5}, {10, 11}, {0, 41}, {-5, 2}, {39, 45}, {20, 20}, {25, 22}};
  for (auto [a, b] : windows) {
    const int64_t from = d0 + a * kDay, to = d0 + b * kDay;
    const std::string since = "since:" + schema::utc_day(from), until = "until:" + schema::utc_day(to);
    INFO(where << ": window days " << a << ".." << b);
    for (const std::string word : {"", "alpha", "beta", "gamma"}) {
      std::string q = word.empty() ? since + " " + until : word + " " + since + " " + until;
      INFO("query " << q);
      auto want = expected(c, from, to, word);
      CHECK(all_pages(fx, q, SortOrder::kRecent, 100) == want);
      CHECK(all_pages(fx, q, SortOrder::kRelevance, 100) == want);
      // Paging: small pages cross the window in both sorts.
      CHECK(all_pages(fx, q, SortOrder::kRecent, 7) == want);
      CHECK(all_pages(fx, q, SortOrder::kRelevance, 9) == want);
    }
    // One bound only, and the bounds in the other order.
    CHECK(all_pages(fx, "beta " + since, SortOrder::kRecent, 100) == expected(c, from, INT64_MAX, "beta"));
    CHECK(all_pages(fx, "beta " + until, SortOrder::kRecent, 100) == expected(c, INT64_MIN, to, "beta"));
    CHECK(all_pages(fx, until + " beta " + since, SortOrder::kRelevance, 100) == expected(c, from, to, "beta"));
    // A negated bound excludes its side.
    CHECK(all_pages(fx, "gamma -" + since, SortOrder::kRecent, 100) == expected(c, INT64_MIN, from, "gamma"));
    // OR of two windows.
    CHECK(all_pages(fx, "(beta " + since + " " + until + ") OR (gamma " + until + ")", SortOrder::kRecent, 100) ==
          [&] {
            auto s = expected(c, from, to, "beta");
            for (auto id : expected(c, INT64_MIN, to, "gamma")) s.insert(id);
            return s;
          }());
  }
  // counts() with both bounds agrees with the brute force per day.
  auto counts = fx.index->counts("alpha", "2026-03-04", "2026-03-12");
  REQUIRE(counts.ok());
  REQUIRE(counts->size() == 9);
  for (const auto& dc : *counts) {
    int64_t from = day(dc.date.c_str());
    INFO(where << ": counts " << dc.date);
    CHECK(dc.count == expected(c, from, from + kDay, "alpha").size());
  }
}

TEST_CASE("date range: the live docid region, memory and disk", "[search][date]") {
  IndexFixture fx;
  Corpus c;
  const int64_t d0 = day("2026-03-01");
  for (int i = 0; i < 200; ++i) {  // oldest first: all live, docids counting down
    auto t = make(i, d0 + i * 5 * kHour);
    c.docs[t.id] = t;
    fx.add(t);
  }
  check_windows(fx, c, "memory");
  REQUIRE(fx.index->flush().ok());
  check_windows(fx, c, "disk");
  // Deleted tweets leave holes in the window.
  for (int i = 3; i < 200; i += 11) {
    auto t = make(i, d0 + i * 5 * kHour);
    c.docs.erase(t.id);
    fx.del(t.id);
  }
  check_windows(fx, c, "disk, deletes pending");
  REQUIRE(fx.index->flush().ok());
  check_windows(fx, c, "disk after deletes");
}

TEST_CASE("date range: out-of-order docids and skewed created_at", "[search][date]") {
  IndexFixture fx;
  Corpus c;
  const int64_t d0 = day("2026-03-01");
  std::vector<int> order(200);
  for (int i = 0; i < 200; ++i) order[i] = i;
  // The middle half first, oldest first (live), then the rest shuffled: the
  // older ones go to the out-of-order region, the newer ones stay live.
  std::mt19937 rng(7);
  std::stable_partition(order.begin(), order.end(), [](int i) { return i >= 50 && i < 150; });
  std::shuffle(order.begin() + 100, order.end(), rng);
  for (int i : order) {
    // Every 9th tweet's id is 30 hours after its created_at: another UTC day.
    auto t = make(i, d0 + i * 5 * kHour, i % 9 == 0 ? 30 * kHour : 0);
    if (i % 9 == 0) CHECK(schema::date_skewed(t));
    c.docs[t.id] = t;
    fx.add(t);
  }
  check_windows(fx, c, "memory");
  REQUIRE(fx.index->flush().ok());
  check_windows(fx, c, "disk");
  // Half more in memory only, on top of the disk part.
  for (int i = 200; i < 240; ++i) {
    auto t = make(i, d0 + (i - 200) * 23 * kHour + kHour, i % 4 == 0 ? 50 * kHour : 0);
    c.docs[t.id] = t;
    fx.add(t);
  }
  check_windows(fx, c, "disk + memory");
  REQUIRE(fx.index->flush().ok());
  check_windows(fx, c, "disk again");
}

TEST_CASE("date range: bulk-loaded index", "[search][date]") {
  IndexFixture fx;
  Corpus c;
  const int64_t d0 = day("2026-03-01");
  auto bulk = fx.index->begin_bulk();
  REQUIRE(bulk.ok());
  std::vector<IndexOp> ops;
  for (int i = 0; i < 200; ++i) {
    auto t = make(i, d0 + i * 5 * kHour, i % 13 == 0 ? 40 * kHour : 0);
    c.docs[t.id] = t;
    ops.push_back(IndexOp::Upsert(++fx.seq, t));
  }
  REQUIRE((*bulk)->add(std::move(ops), fx.seq).ok());
  REQUIRE((*bulk)->finish().ok());
  check_windows(fx, c, "bulk");
}

TEST_CASE("date range source: the docid window on disk", "[search][date]") {
  IndexFixture fx;
  const int64_t d0 = day("2026-03-01");
  for (int i = 0; i < 48; ++i) fx.add(make(i, d0 + i * kHour));  // two days, hourly
  REQUIRE(fx.index->flush().ok());
  Xapian::Database db(fx.tmp.sub("search"));
  DateRangeSource day2(d0 + kDay, d0 + 2 * kDay);
  day2.init(db);
  REQUIRE(day2.ordered());
  // The second day is newer: smaller docids, the first 24 live ones.
  CHECK(day2.window_hi() - day2.window_lo() == 24);
  CHECK(day2.get_termfreq_max() >= 24);
  std::vector<Xapian::docid> seen;
  for (day2.next(0); !day2.at_end(); day2.next(0)) seen.push_back(day2.get_docid());
  CHECK(seen.size() == 24);
  // check(): true inside the window, false before it, and next() then goes on past it.
  DateRangeSource day1(d0, d0 + kDay);
  day1.init(db);
  CHECK_FALSE(day1.check(seen.front(), 0));
  day1.next(0);
  REQUIRE_FALSE(day1.at_end());
  CHECK(day1.get_docid() == seen.back() + 1);
  // The memory-style fallback (bounds not at day starts) matches the same documents.
  DateRangeSource odd(d0 + kDay - 1, d0 + 2 * kDay - 1);
  odd.init(db);
  CHECK_FALSE(odd.ordered());
  std::vector<Xapian::docid> by_value;
  for (odd.next(0); !odd.at_end(); odd.next(0)) by_value.push_back(odd.get_docid());
  CHECK(by_value == seen);  // the same 24: hour 23 of the first day is before its last millisecond
}

}  // namespace
}  // namespace chirp::search::testing
