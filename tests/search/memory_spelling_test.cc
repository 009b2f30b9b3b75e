// Did-you-mean from the memory index (memory_spelling.h): closest_word skips
// candidates by length and by bag distance before the edit distance; it must
// answer exactly as a plain scan that computes every distance.
#include <catch2/catch.hpp>

#include <random>

#include "memory_spelling.h"

using namespace chirp::search;

namespace {

// The reference: every plain word's distance, the same tie rule.
SpellingCandidate closest_by_full_scan(const Xapian::Database& db, const std::string& word, unsigned limit) {
  SpellingCandidate best;
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    const std::string term = *t;
    if (term == word || (term[0] >= 'A' && term[0] <= 'Z')) continue;
    SpellingCandidate c{term, edit_distance(code_points(word), code_points(term), limit), t.get_termfreq()};
    if (c.distance <= limit && c.better_than(best)) best = c;
  }
  if (best.distance > limit) return {};
  return best;
}

std::string random_word(std::mt19937& rng) {
  static const std::vector<std::string> letters = {"a", "b", "e", "f", "m", "o", "r", "s", "t", "\xc3\xa9", "\xc3\xb6"};
  std::string w;
  const int len = 1 + static_cast<int>(rng() % 7);
  for (int i = 0; i < len; ++i) w += letters[rng() % (rng() % 4 == 0 ? letters.size() : 9)];
  return w;
}

}  // namespace

TEST_CASE("memory spelling: closest_word finds what a full scan finds", "[search][spelling]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  std::mt19937 rng(7);
  for (int d = 0; d < 400; ++d) {
    Xapian::Document doc;
    for (int i = 0; i < 5; ++i) doc.add_term(random_word(rng));
    doc.add_term("Zprefixed");  // skipped: upper-case prefix
    doc.add_term("XFuser");
    db.add_document(doc);
  }
  for (int q = 0; q < 2000; ++q) {
    const std::string word = random_word(rng);
    for (unsigned limit : {1u, 2u}) {
      SpellingCandidate got = closest_word(db, word, limit), want = closest_by_full_scan(db, word, limit);
      INFO("word " << word << " limit " << limit);
      CHECK(got.word == want.word);
      CHECK(got.distance == want.distance);
    }
  }
}

TEST_CASE("memory spelling: transpositions and non-ASCII words", "[search][spelling]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::Document doc;
  for (const char* w : {"form", "farm", "caf\xc3\xa9", "coffee"}) doc.add_term(w);
  db.add_document(doc);
  CHECK(closest_word(db, "from", 2).word == "form");  // bag distance 0, one transposition
  CHECK(closest_word(db, "from", 2).distance == 1);
  CHECK(closest_word(db, "cafe", 2).word == "caf\xc3\xa9");
  CHECK(closest_word(db, "cofee", 2).word == "coffee");
  CHECK(closest_word(db, "xyz", 2).word.empty());  // nothing within 2 edits
}

TEST_CASE("memory spelling: a word of many equal letters keeps its bag-distance count", "[search][spelling]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::Document doc;
  doc.add_term(std::string(200, 'a'));
  db.add_document(doc);
  // 200 'a' then 'b': one deletion away (a per-letter count that wrapped at
  // 128 would reject the term by bag distance).
  CHECK(closest_word(db, std::string(200, 'a') + "b", 2).word == std::string(200, 'a'));
}
