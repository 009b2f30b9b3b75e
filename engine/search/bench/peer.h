// A peer search engine the bench compares chirp against (SQLite FTS5,
// PostgreSQL full-text). Row ids are the corpus record index + 1, so they
// sort like chirp's tweet ids (newest = largest).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_corpus.h"

namespace chirp::search::bench {

class Peer {
 public:
  virtual ~Peer() = default;
  virtual std::string name() const = 0;
  // Loads every document, durably; returns the wall time in ms.
  virtual double ingest(const std::vector<TweetDocument>& docs) = 0;
  // Top `limit` row ids: by the engine's relevance (bm25 / ts_rank) or newest first.
  virtual std::vector<int64_t> search(const BenchQuery& q, bool recent, int limit) = 0;
  virtual int64_t count(const BenchQuery& q) = 0;
  virtual uint64_t disk_bytes() const = 0;
};

}  // namespace chirp::search::bench
