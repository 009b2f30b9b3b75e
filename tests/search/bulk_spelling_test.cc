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
  // On disk first, through the ordinary path (two tweets: the writer, too,
  // gives a word spelling data once a second tweet uses it).
  fx.add(tweet(t0, 1, 1, "a", "tamarind quince"));
  fx.add(tweet(t0 + 1, 1, 1, "a", "tamarind quince"));
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
  CHECK(spelling_freq(dir, "tamarind") == 62);  // 2 on disk + 60 loaded, summed by the compaction
  CHECK(spelling_freq(dir, "kumquat") == 60);
  CHECK(spelling_freq(dir, "quince") == 4);
  CHECK(spelling_freq(dir, "zzyzxq") == 0);  // a hapax of the load
  fx.open(o);
  CHECK(fx.ids("zzyzxq").size() == 1);  // still indexed and found
  CHECK(fx.page("tamarin").suggestion == std::optional<std::string>("tamarind"));
}

TEST_CASE("writer spelling: a word gets spelling data once a second tweet uses it", "[search][spelling]") {
  IndexFixture fx(slow_commits());
  const int64_t t0 = 1'780'000'000'000;
  fx.add(tweet(t0, 1, 1, "a", "persimmon lychee lychee"));  // persimmon once, lychee twice in one tweet
  fx.add(tweet(t0 + 1, 1, 1, "a", "durian"));
  REQUIRE(fx.index->flush().ok());
  fx.add(tweet(t0 + 2, 1, 1, "a", "durian again"));  // the second tweet with durian
  fx.add(tweet(t0 + 3, 1, 1, "a", "durian and lychee"));
  REQUIRE(fx.index->flush().ok());
  fx.index.reset();
  const std::string dir = fx.tmp.sub("search");
  CHECK(spelling_freq(dir, "persimmon") == 0);  // a one-off word: no spelling data
  CHECK(spelling_freq(dir, "again") == 0);
  // 2 in the first tweet (added then), then the second tweet adds its 1 plus
  // the 1 it assumes for the first: one too high (writer.cc, add_spelling).
  CHECK(spelling_freq(dir, "lychee") == 4);
  CHECK(spelling_freq(dir, "durian") == 3);     // 1 + 1 when the second tweet came, then 1
  fx.open(slow_commits());
  CHECK(fx.ids("persimmon").size() == 1);  // still indexed and found
  CHECK(fx.page("duriam").suggestion == std::optional<std::string>("durian"));
}
