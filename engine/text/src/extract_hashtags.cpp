// Hashtags: '#' or '＃' not preceded by a letter, digit or '&', then a run of
// letters, marks, digits and a few joiners/punctuation used inside words, with
// at least one letter or mark. A hashtag followed by another '#' or by "://" is
// not one ("#http://x"), and one inside a URL is dropped.
//
// twitter-text adds some code points that older Unicode versions did not class
// as letters; ICU 72 (Unicode 15) already does, so \p{L}\p{M} and \p{Nd} cover
// them. (Its private-use additions U+F870..U+F8D6 are deliberately left out.)
#include <unicode/uniset.h>

#include <memory>
#include <stdexcept>

#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text::detail {
namespace {

constexpr char16_t kSpecials[] =
    u"_\\u200c\\u200d\\ua67e\\u05be\\u05f3\\u05f4\\uff5e\\u301c\\u309b\\u309c\\u30a0\\u30fb"
    u"\\u3003\\u0f0b\\u0f0c\\u00b7";

// Letters, marks, digits and the in-word specials.
icu::UnicodeString word_chars() {
  return icu::UnicodeString(u"\\p{L}\\p{M}\\p{Nd}") + kSpecials;
}

// The tag itself, tried at each '#': at least one letter or mark, and not the
// '#' of an emoji keycap (#️⃣).
const icu::RegexPattern& tag_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p = [] {
    const icu::UnicodeString word = word_chars();
    icu::UnicodeString src(u"[#\\uff03](?![\\ufe0f\\u20e3])([");
    src.append(word).append(u"]*[\\p{L}\\p{M}][").append(word).append(u"]*)");
    return compile(src, 0);
  }();
  return *p;
}

// What may not come right before the '#': a word character or '&' ("&#39;").
const icu::UnicodeSet& glued_before() {
  static const icu::UnicodeSet* set = [] {
    UErrorCode status = U_ZERO_ERROR;
    auto* s = new icu::UnicodeSet(icu::UnicodeString(u"[\\&") + word_chars() + u"]", status);
    if (U_FAILURE(status)) throw std::logic_error("chirp::text: bad hashtag set");
    s->freeze();
    return s;
  }();
  return *set;
}

bool invalid_end(const icu::UnicodeString& text, int end) {
  if (end >= text.length()) return false;
  const char16_t c = text.charAt(end);
  if (c == u'#' || c == u'\uff03') return true;
  return text.compare(end, 3, u"://", 0, 3) == 0;
}

}  // namespace

// Runs the tag pattern only at '#'/'＃' (a whole-text search with a leading
// "preceding character" group costs ~100 ns per character in ICU). `consumed`
// reproduces that search's rule that a character already used by a previous
// match, even a rejected one, cannot serve as the next one's preceding character.
std::vector<Span16> find_hashtags(const icu::UnicodeString& text) {
  std::vector<Span16> out;
  const int length = text.length();
  int consumed = 0;
  thread_local std::unique_ptr<icu::RegexMatcher> slot;
  icu::RegexMatcher* m = nullptr;
  for (int p = 0; p < length; ++p) {
    const char16_t c = text.charAt(p);
    if (c != u'#' && c != u'\uff03') continue;
    if (p > 0) {
      if (p - 1 < consumed) continue;
      const UChar32 before = text.char32At(p - 1);
      if (before != 0xFE0E && before != 0xFE0F && glued_before().contains(before)) continue;
    }
    if (!m) m = &thread_matcher(slot, tag_pattern(), text);
    UErrorCode status = U_ZERO_ERROR;
    if (!m->lookingAt(p, status) || U_FAILURE(status)) continue;
    const int end = m->end(status);
    consumed = end;
    if (invalid_end(text, end)) continue;
    out.push_back(Span16{p, end, to_utf8(text, m->start(1, status), end), {}, Kind::kHashtag});
    p = end - 1;
  }
  return out;
}

}  // namespace chirp::text::detail

namespace chirp::text {

std::vector<Entity> extract_hashtags(std::string_view utf8) {
  const icu::UnicodeString text = detail::to_utf16(utf8);
  std::vector<detail::Span16> tags = detail::find_hashtags(text);
  if (tags.empty()) return {};
  std::vector<detail::Span16> urls = detail::find_urls(text);
  if (!urls.empty()) {
    // A tag inside a URL ("site.com/#top") loses to the URL, then URLs go.
    tags.insert(tags.end(), std::make_move_iterator(urls.begin()),
                std::make_move_iterator(urls.end()));
    detail::remove_overlapping(tags);
    std::erase_if(tags, [](const detail::Span16& s) { return s.kind == detail::Kind::kUrl; });
  }
  return detail::to_entities(text, std::move(tags));
}

}  // namespace chirp::text
