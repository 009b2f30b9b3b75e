// A peer search engine the bench compares chirp against (SQLite FTS5,
// PostgreSQL full-text). Row ids are the corpus record index + 1, so they
// sort like chirp's tweet ids (newest = largest).
//
// Two output modes for the timed search (search_bench.cc picks one):
//   equal output (default)  each hit carries what chirp's page carries: the
//                           row's text, username and time, and the highlighted
//                           match ranges (code points, [start, end) in text),
//                           computed by the engine's own highlighter;
//   ids only                the row id alone (CHIRP_BENCH_PEER_IDS_ONLY=1):
//                           less work than chirp does.
// Neither mode gives the peers an estimated total or a spelling suggestion:
// chirp computes those in its timed call, the peers do not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_corpus.h"

namespace chirp::search::bench {

struct PeerHit {
  int64_t row = 0;
  // Filled in equal-output mode only.
  std::string text, username;
  int64_t ts_ms = 0;
  std::vector<std::pair<int, int>> highlights;  // code points [start, end) of text
};

class Peer {
 public:
  virtual ~Peer() = default;
  virtual std::string name() const = 0;
  // Loads every document, durably; returns the wall time in ms.
  virtual double ingest(const std::vector<TweetDocument>& docs) = 0;
  // Top `limit` rows: by the engine's relevance (bm25 / ts_rank) or newest
  // first. `full`: equal output (text, username, time, highlights), else ids only.
  virtual std::vector<PeerHit> search(const BenchQuery& q, bool recent, int limit, bool full) = 0;
  virtual int64_t count(const BenchQuery& q) = 0;
  virtual uint64_t disk_bytes() const = 0;
};

// The highlight markers the peers' highlighters insert (bytes no tweet in the
// corpus holds).
inline constexpr char kMarkOpen = '\x01', kMarkClose = '\x02';

// Code-point ranges of `text` that `marked` (the engine's highlighter output:
// text, maybe re-spaced, with each match between kMarkOpen and kMarkClose)
// wraps. Each marked span is found in `text` at or after the previous one, so
// it works whether or not the highlighter reproduced the text byte for byte.
inline std::vector<std::pair<int, int>> ranges_of_marks(std::string_view text, std::string_view marked) {
  std::vector<std::pair<int, int>> out;
  size_t from = 0;  // byte position in text
  int cp = 0;       // code points of text[0, from)
  for (size_t i = 0; (i = marked.find(kMarkOpen, i)) != std::string_view::npos;) {
    size_t j = marked.find(kMarkClose, i + 1);
    if (j == std::string_view::npos) break;
    std::string_view span = marked.substr(i + 1, j - i - 1);
    i = j + 1;
    size_t at = text.find(span, from);
    if (span.empty() || at == std::string_view::npos) continue;
    auto count_cp = [&](size_t a, size_t b) {
      int n = 0;
      for (size_t k = a; k < b; ++k) n += (static_cast<unsigned char>(text[k]) & 0xC0) != 0x80;
      return n;
    };
    int start = cp + count_cp(from, at);
    int end = start + count_cp(at, at + span.size());
    out.emplace_back(start, end);
    from = at + span.size();
    cp = end;
  }
  return out;
}

}  // namespace chirp::search::bench
