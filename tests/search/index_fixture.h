// A SearchIndex in a temporary folder plus helpers to feed it and read ids back.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <set>

#include "chirp/search/search_index.h"
#include "test_util.h"

namespace chirp::search::testing {

inline SearchIndexOptions slow_commits() {
  SearchIndexOptions o;
  o.commit_interval = std::chrono::hours(1);  // nothing reaches disk unless flushed
  o.commit_docs = 1'000'000;
  return o;
}

struct IndexFixture {
  TempDir tmp;
  std::unique_ptr<SearchIndex> index;
  uint64_t seq = 0;

  explicit IndexFixture(SearchIndexOptions o = slow_commits()) { open(o); }

  void open(SearchIndexOptions o = slow_commits()) {
    index.reset();
    auto r = SearchIndex::Open(tmp.sub("search"), o);
    REQUIRE(r.ok());
    index = std::move(r).value();
    seq = std::max(seq, index->searchable_seq());
  }

  uint64_t add(const TweetDocument& t) {
    REQUIRE(index->apply({IndexOp::Upsert(++seq, t)}).ok());
    return t.id;
  }
  void del(uint64_t tweet_id) { REQUIRE(index->apply({IndexOp::DeleteTweet(++seq, tweet_id)}).ok()); }
  void del_user(uint64_t user_id) { REQUIRE(index->apply({IndexOp::DeleteUser(++seq, user_id)}).ok()); }

  SearchPage page(const std::string& q, SortOrder sort = SortOrder::kRecent, int limit = 100,
                  const std::string& cursor = "") {
    SearchRequest req;
    req.q = q;
    req.sort = sort;
    req.limit = limit;
    req.cursor = cursor;
    auto r = index->search(req);
    INFO("query: " << q << " -> " << (r.ok() ? "" : r.status().message()));
    REQUIRE(r.ok());
    return std::move(r).value();
  }

  // Ids of every match, in result order.
  std::vector<uint64_t> ids(const std::string& q, SortOrder sort = SortOrder::kRecent) {
    std::vector<uint64_t> out;
    for (const auto& h : page(q, sort).hits) out.push_back(h.tweet.id);
    return out;
  }
  std::set<uint64_t> id_set(const std::string& q) {
    auto v = ids(q);
    return {v.begin(), v.end()};
  }
};

}  // namespace chirp::search::testing
