// Plain value types exchanged with chirp_search: what the engine feeds the
// index (TweetDocument, IndexOp) and what a search returns (SearchPage).
//
// Ownership: all types are self-contained values (no pointers into the index);
// they may be copied and moved across threads freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chirp/text/twitter_text.h"

namespace chirp::search {

// Everything search needs to index a tweet and to return it as a hit, so a
// search answers without touching LMDB.
struct TweetDocument {
  uint64_t id = 0;  // snowflake: 41-bit ms since 2020-01-01 UTC, 10-bit node, 12-bit sequence
  uint64_t author_id = 0;
  std::string username;
  std::string display_name;
  std::string text;
  int64_t created_at_ms = 0;  // Unix epoch milliseconds
  uint64_t in_reply_to_id = 0;  // 0 if none
  std::string in_reply_to_username;
  chirp::text::Entities entities;
  bool operator==(const TweetDocument&) const = default;
};

// One change-log entry, already translated by the engine. `seq` is the change
// log's sequence number; ops must be applied in increasing seq order.
struct IndexOp {
  enum Kind { kUpsertTweet, kDeleteTweet, kDeleteUser } kind = kUpsertTweet;
  uint64_t seq = 0;
  TweetDocument tweet;  // for kUpsertTweet
  uint64_t id = 0;      // tweet id (kDeleteTweet) or user id (kDeleteUser)

  static IndexOp Upsert(uint64_t seq, TweetDocument t) {
    IndexOp op;
    op.kind = kUpsertTweet;
    op.seq = seq;
    op.id = t.id;
    op.tweet = std::move(t);
    return op;
  }
  static IndexOp DeleteTweet(uint64_t seq, uint64_t tweet_id) {
    IndexOp op;
    op.kind = kDeleteTweet;
    op.seq = seq;
    op.id = tweet_id;
    return op;
  }
  static IndexOp DeleteUser(uint64_t seq, uint64_t user_id) {
    IndexOp op;
    op.kind = kDeleteUser;
    op.seq = seq;
    op.id = user_id;
    return op;
  }
};

enum class SortOrder { kRelevance, kRecent };

struct SearchRequest {
  std::string q;
  SortOrder sort = SortOrder::kRelevance;
  int limit = 20;       // 1..100, else InvalidArgument (the API clamps above 100 first)
  std::string cursor;   // opaque, from a previous SearchPage::next_cursor; "" = first page
};

struct SearchHit {
  TweetDocument tweet;
  std::vector<std::pair<int, int>> highlights;  // code-point [start, end) ranges in tweet.text
  double score = 0;  // relevance: BM25 + recency boost; recent: 0
};

struct SearchPage {
  std::vector<SearchHit> hits;
  std::optional<std::string> next_cursor;  // absent on the last page
  uint64_t estimated_total = 0;
  std::optional<std::string> suggestion;   // "did you mean", when few results
};

struct DayCount {
  std::string date;  // YYYY-MM-DD (UTC)
  uint64_t count = 0;
};

}  // namespace chirp::search
