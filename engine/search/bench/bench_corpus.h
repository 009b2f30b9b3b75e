// The search bench's corpus and its fixed query set, shared by every engine
// the bench runs (chirp, SQLite FTS5, PostgreSQL).
//
// Queries are drawn from the corpus with a fixed seed and kept in a
// structured form (BenchQuery) that each engine translates into its own
// language, so all engines answer the same questions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chirp/search/types.h"

namespace chirp::search::bench {

// A snowflake tweet id as chirp assigns them (engine/src/ids.h, which this
// bench does not link): ms since 2020-01-01 above 22 bits of node and sequence.
constexpr int64_t kEpoch2020Ms = 1577836800000;
inline uint64_t snowflake_id(int64_t ms, uint64_t low_bits) {
  return (static_cast<uint64_t>(ms - kEpoch2020Ms) << 22) | low_bits;
}

// Reads {"user","text","ts"} JSON lines; ids are snowflakes in file order, so
// the record index (row id in the peers) and the tweet id sort alike.
std::vector<TweetDocument> load_corpus(const std::string& path, size_t max);

struct BenchQuery {
  // common, rare (single words), and2, and3, phrase, or, hashtag, from, date
  std::string kind;
  enum Op { kAnd, kOr, kPhrase } op = kAnd;
  std::vector<std::string> words;  // lower-case ASCII letters only (safe in every syntax)
  std::string hashtag;             // lower-case, no '#'
  std::string from;                // user name as in the corpus
  int64_t since_ms = 0, until_ms = 0;  // date: [since, until) at UTC day bounds
  std::string chirp;               // the same query in chirp's language
};

// `per_kind` queries of each kind (fewer for a kind the corpus cannot supply).
std::vector<BenchQuery> make_queries(const std::vector<TweetDocument>& docs, int per_kind);

double percentile(std::vector<double> v, double p);

}  // namespace chirp::search::bench
