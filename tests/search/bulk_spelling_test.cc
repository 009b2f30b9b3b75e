// The spelling data (the index's spelling database, schema::kSpellingDir):
// BulkLoad's, written beside the compaction without the load's hapax words
// (seen once) and summed with the spelling data already on disk; the
// writer's, once a second tweet uses a word.
#include <xapian.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "index_fixture.h"

using namespace chirp::search;
using namespace chirp::search::testing;

namespace {

Xapian::termcount spelling_freq(const std::string& dir, const std::string& word) {
  Xapian::Database db(dir + "/spelling");
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it)
    if (*it == word) return it.get_termfreq();
  return 0;
}

}  // namespace

TEST_CASE("bulk spelling: words seen once are left out, the rest merged with the disk's",
          "[search][bulk]") {
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
  for (int i = 1; i <= 120;
       ++i)  // "tamarind" in every segment (no term in every tweet), "quince" in two
    ops.push_back(IndexOp::Upsert(
        ++seq, tweet(t0 + i * 1000, 1, 2, "b",
                     std::string(i % 2 ? "tamarind" : "kumquat") + (i == 2 ? " kumquat" : "") +
                         (i == 11 || i == 111 ? " quince" : "") + (i == 60 ? " zzyzxq" : ""))));
  auto b = fx.index->begin_bulk(2);
  REQUIRE(b.ok());
  REQUIRE((*b)->add(std::move(ops), seq).ok());
  REQUIRE((*b)->finish().ok());
  fx.index.reset();  // closes the index; the folder is read directly below
  const std::string dir = fx.tmp.sub("search");
  CHECK(spelling_freq(dir, "tamarind") == 62);  // 2 on disk + 60 loaded
  CHECK(spelling_freq(dir, "kumquat") ==
        60);  // tweets holding it, not occurrences (one holds it twice)
  CHECK(spelling_freq(dir, "quince") == 4);
  CHECK(spelling_freq(dir, "zzyzxq") == 0);  // a hapax of the load
  fx.open(o);
  CHECK(fx.ids("zzyzxq").size() == 1);  // still indexed and found
  CHECK(fx.page("tamarin").suggestion == std::optional<std::string>("tamarind"));
}

TEST_CASE("writer spelling: a word gets spelling data once a second tweet uses it",
          "[search][spelling]") {
  IndexFixture fx(slow_commits());
  const int64_t t0 = 1'780'000'000'000;
  fx.add(tweet(t0, 1, 1, "a",
               "persimmon lychee lychee"));  // persimmon once, lychee twice in one tweet
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
  CHECK(spelling_freq(dir, "durian") == 3);  // 1 + 1 when the second tweet came, then 1
  fx.open(slow_commits());
  CHECK(fx.ids("persimmon").size() == 1);  // still indexed and found
  CHECK(fx.page("duriam").suggestion == std::optional<std::string>("durian"));
}

namespace {

// A tweet of six words over a small vocabulary (26 fruits with a digit: most
// words are seen in several segments, some only a few times) and, every 50th,
// a word of its own.
std::string fruit_text(int i, uint64_t* x) {
  const char* const vocab[] = {
      "apricot",     "banana",     "cherry",    "damson",   "elderberry",  "feijoa",    "guava",
      "huckleberry", "imbe",       "jackfruit", "kiwano",   "lingonberry", "mango",     "nectarine",
      "olive",       "papaya",     "quandong",  "rambutan", "salak",       "tangerine", "ugni",
      "voavanga",    "watermelon", "ximenia",   "yuzu",     "zucchini"};
  const size_t nv = sizeof vocab / sizeof vocab[0];
  std::string text;
  for (int w = 0; w < 6; ++w) {
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    text += std::string(vocab[(*x >> 33) % nv]) + std::to_string((*x >> 45) % 7) + " ";
  }
  if (i % 50 == 0) text += "oneoff" + std::to_string(i);
  return text;
}

struct SpellingData {
  std::vector<std::pair<std::string, Xapian::termcount>> words;  // in the spelling database
  std::vector<std::pair<std::string, Xapian::termcount>>
      expected;  // tweets holding each word, summed per load, words in two or more
  std::vector<std::string> suggestions;
};

// The spelling data after bulk loads of 600 such tweets, split into `loads`
// loads of consecutive tweets (each after the first merged with the data the
// ones before left on disk).
SpellingData bulk_spelling(int loads) {
  SearchIndexOptions o = slow_commits();
  o.bulk_segment_docs = 40;
  IndexFixture fx(o);
  uint64_t seq = fx.seq;
  uint64_t x = 12345;
  const int per_load = 600 / loads;
  std::map<std::string, Xapian::termcount> expected;
  for (int load = 0; load < loads; ++load) {
    std::vector<IndexOp> ops;
    std::map<std::string, Xapian::termcount> counts;
    for (int i = load * per_load + 1; i <= (load + 1) * per_load; ++i) {
      const std::string text = fruit_text(i, &x);
      std::istringstream words(text);
      std::set<std::string> distinct;
      for (std::string w; words >> w;) distinct.insert(w);
      for (const auto& w : distinct) ++counts[w];  // tweets holding the word
      // Several authors: a term in every tweet would send the load down the copy path.
      ops.push_back(IndexOp::Upsert(++seq, tweet(1'780'000'000'000 + i * 1000, 1, 2 + i % 3,
                                                 "u" + std::to_string(i % 3), text)));
    }
    for (const auto& [w, n] : counts)
      if (n >= 2) expected[w] += n;
    auto b = fx.index->begin_bulk(2);
    REQUIRE(b.ok());
    REQUIRE((*b)->add(std::move(ops), seq).ok());
    REQUIRE((*b)->finish().ok());
  }
  fx.index.reset();
  Xapian::Database db(fx.tmp.sub("search") + "/spelling");
  SpellingData out;
  out.expected.assign(expected.begin(), expected.end());
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it)
    out.words.emplace_back(*it, it.get_termfreq());
  for (const char* typo :
       {"aprict3", "bananna1", "chery2", "mang0", "yuzzu4", "zuchini5", "tangerin6", "oneof50"})
    out.suggestions.push_back(db.get_spelling_suggestion(typo, 2));
  return out;
}

}  // namespace

TEST_CASE("bulk spelling: each load adds its words seen twice to the data on disk",
          "[search][bulk]") {
  const SpellingData one = bulk_spelling(1);
  const SpellingData parts = bulk_spelling(3);  // the second and third summed with the data on disk
  REQUIRE(one.words.size() > 100);
  CHECK(one.words == one.expected);
  CHECK(parts.words == parts.expected);
  CHECK(parts.words != one.words);  // a word seen once in a part is that part's hapax
  CHECK(one.suggestions[0] == "apricot3");
  CHECK(parts.suggestions == one.suggestions);
  CHECK(std::none_of(one.words.begin(), one.words.end(),
                     [](const auto& w) { return w.first.rfind("oneoff", 0) == 0; }));
}

TEST_CASE("spelling data: a damaged spelling database is started over, the index kept",
          "[search][spelling]") {
  IndexFixture fx(slow_commits());
  const int64_t t0 = 1'780'000'000'000;
  fx.add(tweet(t0, 1, 1, "a", "durian"));
  fx.add(tweet(t0 + 1, 1, 1, "a", "durian"));
  REQUIRE(fx.index->flush().ok());
  fx.index.reset();
  const std::string dir = fx.tmp.sub("search");
  REQUIRE(spelling_freq(dir, "durian") == 2);
  {
    std::ofstream damage(dir + "/spelling/iamglass", std::ios::binary | std::ios::trunc);
    damage << "not a glass version file";
  }
  fx.open(slow_commits());
  CHECK_FALSE(fx.index->needs_rebuild());  // the tweets are still indexed: no rebuild
  CHECK(fx.ids("durian").size() == 2);
  CHECK(fx.page("duriam").suggestion == std::nullopt);  // its spelling data is gone...
  fx.add(tweet(t0 + 2, 1, 1, "a", "mangosteen"));
  fx.add(tweet(t0 + 3, 1, 1, "a", "mangosteen"));
  REQUIRE(fx.index->flush().ok());
  CHECK(fx.page("mangostein").suggestion ==
        std::optional<std::string>("mangosteen"));  // ...and new data comes in
}
