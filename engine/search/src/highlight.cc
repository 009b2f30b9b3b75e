#include "chirp/search/highlight.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include <xapian.h>

#include "schema.h"

namespace chirp::search {
namespace {

int code_points(std::string_view s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of code point `cp` in `s` (s.size() if past the end).
size_t byte_of(std::string_view s, int cp) {
  int n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == cp) return i;
      ++n;
    }
  }
  return s.size();
}

struct Segment {
  bool is_tag;
  std::string_view s;
  int start = 0;  // visible code-point offset where a text segment starts
  int len = 0;    // visible code points (0 for tags)
};

std::vector<Segment> split_segments(std::string_view text) {
  std::vector<Segment> segs;
  int visible = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t lt = text.find('<', i);
    if (lt != i) {
      std::string_view chunk = text.substr(i, lt == std::string_view::npos ? std::string_view::npos : lt - i);
      int n = code_points(chunk);
      segs.push_back({false, chunk, visible, n});
      visible += n;
      if (lt == std::string_view::npos) break;
    }
    size_t gt = text.find('>', lt);
    size_t end = gt == std::string_view::npos ? text.size() : gt + 1;
    segs.push_back({true, text.substr(lt, end - lt), visible, 0});
    i = end;
  }
  return segs;
}

// Which lower-cased words could match a set of wanted strings, by their first
// bytes, so most words of a hit skip the set lookup and the stemmer. A
// wanted word matches only an equal word (same first two bytes). A wanted
// stem matches a word whose English stem it is, and Snowball's English
// stemmer keeps a word's first byte and, but for dying/lying/tying (die, lie,
// tie), its second: so a stem "xi..." also admits words "xy...". Checked over
// every distinct word of the 1M bench corpus (248,717): no other exception.
class StartFilter {
 public:
  void add(const std::string& s, bool stem) {
    if (s.empty()) return;
    if (s.size() == 1) {
      one_[static_cast<unsigned char>(s[0])] = true;
      return;
    }
    two_.push_back(key(s[0], s[1]));
    if (stem && s[1] == 'i') two_.push_back(key(s[0], 'y'));
  }
  bool admits(const std::string& w) const {
    if (w.empty()) return false;
    if (one_[static_cast<unsigned char>(w[0])]) return true;
    if (w.size() < 2) return false;
    const uint16_t k = key(w[0], w[1]);
    return std::find(two_.begin(), two_.end(), k) != two_.end();
  }

 private:
  static uint16_t key(char a, char b) {
    return static_cast<uint16_t>(static_cast<unsigned char>(a) << 8 | static_cast<unsigned char>(b));
  }
  bool one_[256] = {};        // one-byte wanted strings: any word starting with that byte
  std::vector<uint16_t> two_;  // the first two bytes of longer ones
};

}  // namespace

std::string highlight(std::string_view text, const Ranges& ranges, std::string_view before, std::string_view after) {
  if (ranges.empty()) return std::string(text);
  auto segs = split_segments(text);
  // Insertion point of each tag: (segment index, code point inside it).
  struct Insert { size_t seg; int at; std::string_view tag; };
  std::vector<Insert> inserts;
  auto locate = [&](int offset) -> std::pair<size_t, int> {
    for (size_t i = 0; i < segs.size(); ++i)
      if (!segs[i].is_tag && offset < segs[i].start + segs[i].len) return {i, std::max(0, offset - segs[i].start)};
    return {segs.size(), 0};  // past the end: closed after everything
  };
  for (const auto& [start, end] : ranges) {
    auto open = locate(start);
    inserts.push_back({open.first, open.second, before});
    // A range ending exactly where its own text segment ends closes inside the
    // element it started in, not after the following tag.
    if (open.first < segs.size() && end == segs[open.first].start + segs[open.first].len)
      inserts.push_back({open.first, segs[open.first].len, after});
    else {
      auto close = locate(end);
      inserts.push_back({close.first, close.second, after});
    }
  }
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i <= segs.size(); ++i) {
    size_t done_byte = 0;  // bytes of segment i already written
    while (next < inserts.size() && inserts[next].seg == i) {
      if (i < segs.size()) {
        size_t b = byte_of(segs[i].s, inserts[next].at);
        out.append(segs[i].s.substr(done_byte, b - done_byte));
        done_byte = b;
      }
      out.append(inserts[next].tag);
      ++next;
    }
    if (i < segs.size()) out.append(segs[i].s.substr(done_byte));
  }
  return out;
}

Ranges find_highlights(const TweetDocument& tweet, const HighlightTerms& terms) {
  Ranges found;
  auto add_entities = [&](const std::vector<chirp::text::Entity>& es, const std::set<std::string>& wanted) {
    if (wanted.empty()) return;
    for (const auto& e : es)
      if (wanted.count(schema::lower(e.value))) found.emplace_back(e.start, e.end);
  };
  add_entities(tweet.entities.hashtags, terms.hashtags);
  add_entities(tweet.entities.mentions, terms.mentions);
  add_entities(tweet.entities.cashtags, terms.cashtags);

  if (!terms.words.empty() || !terms.stems.empty() || !terms.prefixes.empty()) {
    // Stemming every word of every hit was a quarter of a search's
    // instructions; stemming the words starting with a query stem's first
    // letter and a set lookup per word, still a third of a rare-word search.
    static thread_local Xapian::Stem stem("english");
    StartFilter word_starts, stem_starts;
    for (const auto& w : terms.words) word_starts.add(w, false);
    for (const auto& st : terms.stems) stem_starts.add(st, true);
    auto check = [&](const std::string& w, int start, int end) {  // w: lower-cased
      bool hit = (word_starts.admits(w) && terms.words.count(w)) ||
                 (stem_starts.admits(w) && terms.stems.count(stem(w)));
      for (const auto& p : terms.prefixes) hit = hit || w.compare(0, p.size(), p) == 0;
      if (hit) found.emplace_back(start, end);
    };
    // Words are lower-cased as they are read (a second pass per word through
    // schema::lower was a fifth of a rare-word search's instructions), and
    // ASCII goes through a table made from the same Xapian calls.
    static const auto ascii_lower_wordchar = [] {
      std::array<char, 128> t{};  // the lower-case character, or 0: not a word character
      for (unsigned c = 0; c < 128; ++c)
        if (Xapian::Unicode::is_wordchar(c)) t[c] = static_cast<char>(Xapian::Unicode::tolower(c));
      return t;
    }();
    const std::string& text = tweet.text;
    std::string word;  // lower-cased
    int cp = 0, word_start = 0;
    for (size_t i = 0; i < text.size(); ++cp) {
      const auto b = static_cast<unsigned char>(text[i]);
      if (b < 0x80) {
        ++i;
        if (char c = ascii_lower_wordchar[b]) {
          if (word.empty()) word_start = cp;
          word += c;
          continue;
        }
      } else {
        // One step of Utf8Iterator, as before: an invalid byte is one character.
        Xapian::Utf8Iterator it(text.data() + i, text.size() - i);
        const unsigned ch = *it;
        ++it;
        i = text.size() - it.left();
        if (Xapian::Unicode::is_wordchar(ch)) {
          if (word.empty()) word_start = cp;
          Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(ch));
          continue;
        }
      }
      if (!word.empty()) {
        check(word, word_start, cp);
        word.clear();
      }
    }
    if (!word.empty()) check(word, word_start, cp);
  }
  std::sort(found.begin(), found.end());
  Ranges merged;
  for (const auto& r : found) {
    if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
    else merged.push_back(r);
  }
  return merged;
}

}  // namespace chirp::search
