// Did-you-mean candidates from the memory index. Xapian's InMemory backend
// keeps no spelling table, so words of tweets applied but not yet committed
// (the first second or so after a post) are unknown to
// Database::get_spelling_suggestion on disk. This scans the memory index's
// plain word terms (small: only uncommitted tweets) for the closest one.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <xapian.h>

#include "chirp/text/utf8.h"

namespace chirp::search {

// Code points of a UTF-8 word, into `out` (reused by the memory scan below).
inline void code_points(const std::string& s, std::vector<unsigned>* out) {
  out->clear();
  for (Xapian::Utf8Iterator it(s); it != Xapian::Utf8Iterator(); ++it) out->push_back(*it);
}

inline std::vector<unsigned> code_points(const std::string& s) {
  std::vector<unsigned> out;
  code_points(s, &out);
  return out;
}

// Edit distance with adjacent transpositions (optimal string alignment),
// counted in code points, or limit + 1 once it is certainly above `limit`.
// Its three rows are reused across calls on one thread.
inline unsigned edit_distance(const std::vector<unsigned>& a, const std::vector<unsigned>& b, unsigned limit) {
  size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  thread_local std::vector<unsigned> prev2, prev, cur;
  prev2.assign(m + 1, 0);
  prev.resize(m + 1);
  cur.assign(m + 1, 0);
  for (size_t j = 0; j <= m; ++j) prev[j] = static_cast<unsigned>(j);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = static_cast<unsigned>(i);
    unsigned row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], limit + 1);
}

struct SpellingCandidate {
  std::string word;
  unsigned distance = ~0u;
  Xapian::doccount freq = 0;
  bool better_than(const SpellingCandidate& o) const {
    return distance != o.distance ? distance < o.distance : freq > o.freq;
  }
};

// The plain word of `db` closest to `word` (within `limit` edits, not `word`
// itself), most frequent on ties; empty word if none. Prefixed terms (an
// upper-case first letter: Z stems, XF..., Q ids) are skipped.
inline SpellingCandidate closest_word(const Xapian::Database& db, const std::string& word, unsigned limit) {
  SpellingCandidate best;
  const auto target = code_points(word);
  std::vector<unsigned> candidate;
  // Bag distance, a lower bound of the edit distance (an edit adds, removes
  // or swaps one character of each word's multiset of characters, a
  // transposition none), rejects most candidates of a similar length without
  // the dynamic programme; ASCII words only (the counts are per byte).
  const bool ascii_target = std::all_of(word.begin(), word.end(), [](char c) { return c >= 0; });
  std::array<int16_t, 128> target_counts{};  // int16: a word of 128+ equal bytes would wrap int8
  if (ascii_target)
    for (char c : word) ++target_counts[static_cast<unsigned char>(c)];
  auto bag_distance_above_limit = [&](const std::string& term) {
    if (!ascii_target) return false;
    std::array<int16_t, 128> counts = target_counts;
    size_t shared = 0;
    for (char c : term) {
      if (c < 0) return false;  // non-ASCII: no bound, compute the distance
      if (counts[static_cast<unsigned char>(c)]-- > 0) ++shared;
    }
    return std::max(word.size(), term.size()) - shared > limit;
  };
  for (auto t = db.allterms_begin(); t != db.allterms_end();) {
    const std::string term = *t;
    if (!term.empty() && term[0] >= 'A' && term[0] <= 'Z') {
      t.skip_to("[");  // '[' follows 'Z': past every prefixed term at once
      continue;
    }
    // Most terms differ in length by more than `limit`: counted, not decoded.
    const size_t len = static_cast<size_t>(chirp::text::code_point_count(term));
    if (term != word && (len > target.size() ? len - target.size() : target.size() - len) <= limit &&
        !bag_distance_above_limit(term)) {
      code_points(term, &candidate);
      const unsigned distance = edit_distance(target, candidate, limit);
      if (distance <= limit) {
        SpellingCandidate c{term, distance, t.get_termfreq()};
        if (c.better_than(best)) best = std::move(c);
      }
    }
    ++t;
  }
  if (best.distance > limit) return {};
  return best;
}

}  // namespace chirp::search
