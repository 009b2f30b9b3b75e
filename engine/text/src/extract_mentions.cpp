// Mentions and lists: '@' or '＠' (possibly several) not preceded by a word
// character or one of !#$%&*@ — except right after "RT"/"RT:" (retweets) —
// then 1..20 of [A-Za-z0-9_], then optionally "/list-slug". A match followed by
// another at sign, an accented Latin letter or "://" is not a mention
// ("@user@example.com", "@aliceìnheiro", "@http://x").
//
// Replies: the text starts (after spaces and directional marks) with a mention.
#include <unicode/uniset.h>

#include <memory>
#include <stdexcept>

#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text::detail {
namespace {

// The at sign(s), screen name and optional list, tried at each '@'/'＠'.
const icu::RegexPattern& mention_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p =
      compile(u"[@\\uff20]+([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_\\-]{0,24})?", 0);
  return *p;
}

bool is_ascii_alnum(char16_t c) {
  return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9');
}
// Characters that glue an '@' to what precedes it ("foo@bar", "!@kn").
bool glues_at(char16_t c) {
  return is_ascii_alnum(c) || c == u'_' || c == u'!' || c == u'#' || c == u'$' || c == u'%' ||
         c == u'&' || c == u'*' || c == u'@' || c == u'\uff20';
}
// Characters that glue "RT" to what precedes it (so "ART@x" is no retweet).
bool glues_rt(char16_t c) {
  return is_ascii_alnum(c) || c == u'_' || c == u'+' || c == u'~' || c == u'.' || c == u'-';
}

// May a mention start at p, given characters before `consumed` are taken?
bool mention_may_start(const icu::UnicodeString& text, int p, int consumed) {
  if (p == 0) return true;
  if (p - 1 >= consumed && !glues_at(text.charAt(p - 1))) return true;
  // "RT@x", "RT:@x" (retweets), "RT" itself at the start or after a non-word character.
  int r = p - 2;
  if (r >= 0 && text.charAt(p - 1) == u':') --r;
  if (r < 0 || (text.charAt(r) | 0x20) != u'r' || (text.charAt(r + 1) | 0x20) != u't') return false;
  if (r == 0) return consumed == 0;
  return r - 1 >= consumed && !glues_rt(text.charAt(r - 1));
}

const icu::RegexPattern& reply_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p =
      compile(icu::UnicodeString(u"^[") + kUnicodeSpaces + kDirectionalChars +
                  u"]*[@\\uff20]([a-zA-Z0-9_]{1,20})",
              0);
  return *p;
}

const icu::UnicodeSet& invalid_end_chars() {
  static const icu::UnicodeSet* set = [] {
    UErrorCode status = U_ZERO_ERROR;
    auto* s = new icu::UnicodeSet(icu::UnicodeString(u"[@\\uff20") + kLatinAccents + u"]", status);
    if (U_FAILURE(status)) throw std::logic_error("chirp::text: bad mention end set");
    s->freeze();
    return s;
  }();
  return *set;
}

bool invalid_end(const icu::UnicodeString& text, int end) {
  if (end >= text.length()) return false;
  if (invalid_end_chars().contains(text.char32At(end))) return true;
  return text.compare(end, 3, u"://", 0, 3) == 0;
}

}  // namespace

// Runs the mention pattern only at at signs; `consumed` reproduces a
// whole-text search, where text used by a previous match (kept or rejected)
// cannot be the next match's preceding context.
std::vector<Span16> find_mentions_or_lists(const icu::UnicodeString& text) {
  std::vector<Span16> out;
  const int length = text.length();
  int consumed = 0;
  thread_local std::unique_ptr<icu::RegexMatcher> slot;
  icu::RegexMatcher* m = nullptr;
  for (int p = 0; p < length; ++p) {
    const char16_t c = text.charAt(p);
    if (c != u'@' && c != u'\uff20') continue;
    if (!mention_may_start(text, p, consumed)) continue;
    if (!m) m = &thread_matcher(slot, mention_pattern(), text);
    UErrorCode status = U_ZERO_ERROR;
    if (!m->lookingAt(p, status) || U_FAILURE(status)) continue;
    const int end = m->end(status);
    consumed = end;
    p = end - 1;
    if (invalid_end(text, end)) continue;
    const int name_start = m->start(1, status);
    const int name_end = m->end(1, status);
    Span16 s{name_start - 1, name_end, to_utf8(text, name_start, name_end), {}, Kind::kMention};
    if (const int list_start = m->start(2, status); list_start >= 0) {
      s.end = m->end(2, status);
      s.list_slug = to_utf8(text, list_start, s.end);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace chirp::text::detail

namespace chirp::text {

std::vector<MentionOrList> extract_mentions_or_lists(std::string_view utf8) {
  const icu::UnicodeString text = detail::to_utf16(utf8);
  std::vector<detail::Span16> spans = detail::find_mentions_or_lists(text);
  std::vector<std::string> slugs;
  slugs.reserve(spans.size());
  for (auto& s : spans) slugs.push_back(std::move(s.list_slug));
  std::vector<Entity> entities = detail::to_entities(text, std::move(spans));
  std::vector<MentionOrList> out;
  out.reserve(entities.size());
  for (std::size_t i = 0; i < entities.size(); ++i) {
    out.push_back(MentionOrList{std::move(entities[i].value), std::move(slugs[i]),
                                entities[i].start, entities[i].end});
  }
  return out;
}

std::vector<Entity> extract_mentions(std::string_view utf8) {
  const icu::UnicodeString text = detail::to_utf16(utf8);
  std::vector<detail::Span16> spans = detail::find_mentions_or_lists(text);
  std::erase_if(spans, [](const detail::Span16& s) { return !s.list_slug.empty(); });
  return detail::to_entities(text, std::move(spans));
}

std::string extract_reply_username(std::string_view utf8) {
  const icu::UnicodeString text = detail::to_utf16(utf8);
  thread_local std::unique_ptr<icu::RegexMatcher> slot;
  icu::RegexMatcher& m = detail::thread_matcher(slot, detail::reply_pattern(), text);
  UErrorCode status = U_ZERO_ERROR;
  if (!m.lookingAt(status) || U_FAILURE(status)) return {};
  if (detail::invalid_end(text, m.end(status))) return {};
  return detail::to_utf8(text, m.start(1, status), m.end(1, status));
}

}  // namespace chirp::text
