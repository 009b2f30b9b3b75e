// BulkLoad's spelling data: built in parallel spelling-only databases merged
// by the compaction, without the load's hapax words (seen once), and merged
// with the spelling data already on disk.
#include <catch2/catch.hpp>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iterator>
#include <regex>

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

namespace {

// The spelling table of a bulk load of `n` tweets over a small vocabulary
// (so most words are seen in several segments, a few once), as bytes, plus
// its (word, frequency) list and some suggestions.
struct SpellingData {
  int databases = 0;  // spelling databases the load used (from its log line)
  std::string table;
  std::vector<std::pair<std::string, Xapian::termcount>> words;
  std::vector<std::string> suggestions;
};

SpellingData bulk_spelling(size_t spelling_db_words) {
  SearchIndexOptions o = slow_commits();
  o.bulk_segment_docs = 40;
  o.bulk_spelling_db_words = spelling_db_words;
  IndexFixture fx(o);
  const char* const vocab[] = {"apricot", "banana",  "cherry",   "damson",   "elderberry", "feijoa",  "guava",
                               "huckleberry", "imbe", "jackfruit", "kiwano", "lingonberry", "mango", "nectarine",
                               "olive", "papaya", "quandong", "rambutan", "salak", "tangerine", "ugni",
                               "voavanga", "watermelon", "ximenia", "yuzu", "zucchini"};
  const size_t nv = sizeof vocab / sizeof vocab[0];
  std::vector<IndexOp> ops;
  uint64_t seq = fx.seq;
  uint64_t x = 12345;
  for (int i = 1; i <= 600; ++i) {
    std::string text;
    for (int w = 0; w < 6; ++w) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      // Words with a suffix: many distinct words, some seen once, most several times.
      text += std::string(vocab[(x >> 33) % nv]) + std::to_string((x >> 45) % 7) + " ";
    }
    if (i % 50 == 0) text += "oneoff" + std::to_string(i);
    // Several authors: a term in every tweet would send the load down the copy path.
    ops.push_back(IndexOp::Upsert(
        ++seq, tweet(1'780'000'000'000 + i * 1000, 1, 2 + i % 3, "u" + std::to_string(i % 3), text)));
  }
  auto log = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("bulk_spelling_test", log));
  {
    auto b = fx.index->begin_bulk(2);
    REQUIRE(b.ok());
    REQUIRE((*b)->add(std::move(ops), seq).ok());
    REQUIRE((*b)->finish().ok());
  }  // the load, then the index it holds a lock of
  spdlog::set_default_logger(previous);
  fx.index.reset();
  const std::string dir = fx.tmp.sub("search");
  SpellingData out;
  const std::regex databases(R"(words in (\d+) databases)");
  for (const std::string& line : log->last_formatted())
    if (std::smatch m; std::regex_search(line, m, databases)) out.databases = std::stoi(m[1]);
  {
    std::ifstream f(dir + "/spelling.glass", std::ios::binary);
    out.table.assign(std::istreambuf_iterator<char>(f), {});
  }
  Xapian::Database db(dir);
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) out.words.emplace_back(*it, it.get_termfreq());
  for (const char* typo : {"aprict3", "bananna1", "chery2", "mang0", "yuzzu4", "zuchini5", "tangerin6", "oneof50"})
    out.suggestions.push_back(db.get_spelling_suggestion(typo, 2));
  return out;
}

}  // namespace

TEST_CASE("bulk spelling: the data does not depend on how many spelling databases held it", "[search][bulk]") {
  const SpellingData one = bulk_spelling(1'000'000);  // one spelling database
  const SpellingData many = bulk_spelling(5);  // a new one after each segment with 5+ new words: 6 here
  REQUIRE(one.databases == 1);
  REQUIRE(many.databases >= 5);
  REQUIRE(one.words.size() > 100);
  CHECK(many.words == one.words);
  CHECK(many.suggestions == one.suggestions);
  CHECK(one.suggestions[0] == "apricot3");
  CHECK(many.table == one.table);  // the compaction writes the same table, byte for byte
}
