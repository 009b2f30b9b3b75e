// Hashtags: '#' or '＃' not preceded by a letter, digit or '&', then a run of
// letters, marks, digits and a few joiners/punctuation used inside words, with
// at least one letter or mark. A hashtag followed by another '#' or by "://" is
// not one ("#http://x"), and one inside a URL is dropped.
//
// twitter-text adds some code points that older Unicode versions did not class
// as letters; ICU 72 (Unicode 15) already does, so \p{L}\p{M} and \p{Nd} cover
// them. (Its private-use additions U+F870..U+F8D6 are deliberately left out.)
#include <memory>

#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text::detail {
namespace {

constexpr char16_t kSpecials[] =
    u"_\\u200c\\u200d\\ua67e\\u05be\\u05f3\\u05f4\\uff5e\\u301c\\u309b\\u309c\\u30a0\\u30fb"
    u"\\u3003\\u0f0b\\u0f0c\\u00b7";

enum Group { kBefore = 1, kHash = 2, kTag = 3 };

const icu::RegexPattern& hashtag_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p = [] {
    const icu::UnicodeString letters(u"\\p{L}\\p{M}");
    const icu::UnicodeString word = letters + u"\\p{Nd}" + kSpecials;
    icu::UnicodeString src;
    src.append(u"(^|\\ufe0e|\\ufe0f|[^\\&").append(word).append(u"])");
    src.append(u"([#\\uff03])(?![\\ufe0f\\u20e3])");
    src.append(u"([").append(word).append(u"]*[").append(letters).append(u"][").append(word).append(u"]*)");
    return compile(src, 0);
  }();
  return *p;
}

bool invalid_end(const icu::UnicodeString& text, int end) {
  if (end >= text.length()) return false;
  const char16_t c = text.charAt(end);
  if (c == u'#' || c == u'\uff03') return true;
  return text.compare(end, 3, u"://", 0, 3) == 0;
}

}  // namespace

std::vector<Span16> find_hashtags(const icu::UnicodeString& text) {
  std::vector<Span16> out;
  if (!contains_any(text, u"#\uff03")) return out;
  thread_local std::unique_ptr<icu::RegexMatcher> slot;
  icu::RegexMatcher& m = thread_matcher(slot, hashtag_pattern(), text);
  UErrorCode status = U_ZERO_ERROR;
  while (m.find(status) && U_SUCCESS(status)) {
    const int end = m.end(kTag, status);
    if (invalid_end(text, end)) continue;
    const int tag_start = m.start(kTag, status);
    out.push_back(Span16{m.start(kHash, status), end, to_utf8(text, tag_start, end), {}, Kind::kHashtag});
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
    tags.insert(tags.end(), std::make_move_iterator(urls.begin()), std::make_move_iterator(urls.end()));
    detail::remove_overlapping(tags);
    std::erase_if(tags, [](const detail::Span16& s) { return s.kind == detail::Kind::kUrl; });
  }
  return detail::to_entities(text, std::move(tags));
}

}  // namespace chirp::text
