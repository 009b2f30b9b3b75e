// Quantized BM25 impacts (impact_weight.h): what build_document stores as a
// free-text term's wdf, and that ranking still follows BM25's tf and length.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <map>

#include "impact_weight.h"
#include "index_fixture.h"
#include "schema.h"

using namespace chirp::search;
using namespace chirp::search::testing;

namespace {
constexpr int64_t kHour = 3'600'000;
}  // namespace

TEST_CASE("impact: the BM25 tf part, quantized to 1..16383", "[search][impact]") {
  CHECK(impact_of(0, 10) == 0);
  for (Xapian::termcount len : {1u, 5u, 15u, 31u, 54u, 200u, 5000u}) {
    Xapian::termcount prev = 0;
    for (Xapian::termcount tf = 1; tf <= 50; ++tf) {
      Xapian::termcount q = impact_of(tf, len);
      CHECK(q >= 1);
      CHECK(q <= kImpactMax);
      CHECK(q >= prev);  // never falls as tf rises
      CHECK(std::abs(q / kImpactScale - bm25_tf_part(tf, len)) <= 0.5 / kImpactScale + 1e-12);
      prev = q;
    }
  }
  // Longer documents get less per occurrence; below min_normlen all are equal.
  CHECK(impact_of(1, 31) > impact_of(1, 54));
  CHECK(impact_of(1, 54) > impact_of(1, 200));
  CHECK(impact_of(1, 2) == impact_of(1, 15));
  // At len ≈ avglen (31.15): about tf·2/(tf+1), times 8191.5.
  CHECK(impact_of(1, 31) == 8201);   // 1.00121 · 8191.5 = 8201.37
  CHECK(impact_of(3, 31) == 12295);  // 1.50090 · 8191.5 = 12294.65
  // Fine enough to keep BM25's order between close lengths (0.24% apart).
  CHECK(impact_of(2, 14) > impact_of(2, 16));
}

TEST_CASE("impact: build_document stores impacts as wdf and keeps positions", "[search][impact]") {
  Xapian::TermGenerator tg = schema::make_term_generator();
  TweetDocument t = tweet(1'700'000'000'000, 1, 7, "alice", "Running dogs run; dogs bark #pets");
  Xapian::Document doc = schema::build_document(t, 42, tg);
  // The text's terms: 6 words (running dogs run dogs bark pets), each exact + Z stem.
  Xapian::termcount len = 12;
  std::map<std::string, Xapian::termcount> wdf;
  std::map<std::string, std::vector<Xapian::termpos>> pos;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
    wdf[*it] = it.get_wdf();
    for (auto p = it.positionlist_begin(); p != it.positionlist_end(); ++p) pos[*it].push_back(*p);
  }
  CHECK(wdf["dogs"] == impact_of(2, len));
  CHECK(wdf["Zdog"] == impact_of(2, len));
  CHECK(wdf["running"] == impact_of(1, len));
  CHECK(wdf["Zrun"] == impact_of(2, len));  // running + run
  CHECK(pos["dogs"] == std::vector<Xapian::termpos>{2, 4});
  CHECK(pos["run"] == std::vector<Xapian::termpos>{3});
  CHECK(pos["Zrun"].empty());
  CHECK(wdf[std::string(schema::kHashtag) + "pets"] == 0);  // boolean terms stay wdf 0
  CHECK(wdf[schema::id_term(t.id)] == 0);
}

TEST_CASE("impact: a term counted more often than its impact keeps its positions", "[search][impact]") {
  // tf 20000: the impact (below 16383) is under the count TermGenerator left
  // as wdf, so build_document re-adds the term instead of raising its wdf.
  Xapian::TermGenerator tg = schema::make_term_generator();
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "zebra ";
  Xapian::Document doc = schema::build_document(tweet(1'700'000'000'000, 1, 7, "alice", text), 42, tg);
  auto it = doc.termlist_begin();
  it.skip_to("zebra");
  REQUIRE(it != doc.termlist_end());
  REQUIRE(*it == "zebra");
  CHECK(it.get_wdf() == impact_of(20000, 40000));
  CHECK(it.get_wdf() < 20000);
  CHECK(it.positionlist_count() == 20000);
  auto stem = doc.termlist_begin();
  stem.skip_to("Zzebra");  // "Z" sorts before "z"
  REQUIRE(stem != doc.termlist_end());
  REQUIRE(*stem == "Zzebra");
  CHECK(stem.get_wdf() == impact_of(20000, 40000));
}

TEST_CASE("impact: relevance follows tf and length as BM25 did, on disk and in memory", "[search][impact][ranking]") {
  IndexFixture fx;
  int64_t old = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count() - 400 * kHour;  // no boost
  uint64_t once_long = fx.add(tweet(old, 1, 1, "a",
      "kumquat with a great many other words around it so that this tweet is much longer than "
      "the average tweet in the corpus and its single mention counts for less than usual here"));
  uint64_t once_short = fx.add(tweet(old, 2, 1, "a", "kumquat season"));
  uint64_t twice = fx.add(tweet(old, 3, 1, "a", "kumquat jam and kumquat tea with friends today"));
  fx.add(tweet(old, 4, 1, "a", "nothing to see"));
  for (int i = 0; i < 2; ++i) {
    auto p = fx.page("kumquat", SortOrder::kRelevance);
    REQUIRE(p.hits.size() == 3);
    CHECK(p.hits[0].tweet.id == twice);
    CHECK(p.hits[1].tweet.id == once_short);
    CHECK(p.hits[2].tweet.id == once_long);
    CHECK(p.hits[0].score > p.hits[1].score);
    CHECK(p.hits[1].score > p.hits[2].score);
    // Phrases and positions still work with impact wdfs.
    CHECK(fx.ids("\"kumquat jam\"", SortOrder::kRelevance) == std::vector<uint64_t>{twice});
    REQUIRE(fx.index->flush().ok());  // second round: the same on disk
  }
}
