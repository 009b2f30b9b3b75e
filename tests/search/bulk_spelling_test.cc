// BulkLoad's spelling data: built in parallel spelling-only databases merged
// by the compaction, without the load's hapax words (seen once), and merged
// with the spelling data already on disk.
#include <catch2/catch.hpp>

#include <xapian.h>

#include "index_fixture.h"

using namespace chirp::search;
using namespace chirp::search::testing;

namespace {

Xapian::termcount spelling_freq(const std::string& dir, const std::string& word) {
  Xapian::Database db(dir);
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it)
    if (*it == word) return it.get_termfreq();
  return 0;
}

}  // namespace

TEST_CASE("bulk spelling: words seen once are left out, the rest merged with the disk's", "[search][bulk]") {
  SearchIndexOptions o = slow_commits();
  o.bulk_segment_docs = 50;  // several segments, so words are counted across them
  IndexFixture fx(o);
  const int64_t t0 = 1'780'000'000'000;
  // On disk first, through the ordinary path (every word gets spelling data).
  fx.add(tweet(t0, 1, 1, "a", "tamarind quince"));
  REQUIRE(fx.index->flush().ok());

  std::vector<IndexOp> ops;
  uint64_t seq = fx.seq;
  for (int i = 1; i <= 120; ++i)  // "tamarind" in every segment (no term in every tweet), "quince" in two
    ops.push_back(IndexOp::Upsert(++seq, tweet(t0 + i * 1000, 1, 2, "b",
                                               std::string(i % 2 ? "tamarind" : "kumquat") +
                                                   (i == 11 || i == 111 ? " quince" : "") + (i == 60 ? " zzyzxq" : ""))));
  auto b = fx.index->begin_bulk(2);
  REQUIRE(b.ok());
  REQUIRE((*b)->add(std::move(ops), seq).ok());
  REQUIRE((*b)->finish().ok());
  fx.index.reset();  // closes the index; the folder is read directly below
  const std::string dir = fx.tmp.sub("search");
  CHECK(spelling_freq(dir, "tamarind") == 61);  // 1 on disk + 60 loaded, summed by the compaction
  CHECK(spelling_freq(dir, "kumquat") == 60);
  CHECK(spelling_freq(dir, "quince") == 3);
  CHECK(spelling_freq(dir, "zzyzxq") == 0);  // a hapax of the load
  fx.open(o);
  CHECK(fx.ids("zzyzxq").size() == 1);  // still indexed and found
  CHECK(fx.page("tamarin").suggestion == std::optional<std::string>("tamarind"));
}
