// Cashtags: '$' at the start or after a space/directional mark, then 1..6 ASCII
// letters with an optional ".xx"/"_xx" suffix of 1..2 letters, ending at the end
// of text, whitespace or ASCII punctuation ("$TWTR", "$BRK.A"; not "$12").
#include <unicode/uniset.h>

#include <memory>
#include <stdexcept>

#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text::detail {
namespace {

const icu::RegexPattern& cashtag_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p = compile(
      u"\\$([a-zA-Z]{1,6}(?:[._][a-zA-Z]{1,2})?)(?=$|[\\u0009-\\u000d\\u0020]|[!-/:-@\\[-`{-~])",
      0);
  return *p;
}

// A cashtag starts the text or follows a space or a directional mark.
const icu::UnicodeSet& allowed_before() {
  static const icu::UnicodeSet* set = [] {
    UErrorCode status = U_ZERO_ERROR;
    auto* s = new icu::UnicodeSet(
        icu::UnicodeString(u"[") + kUnicodeSpaces + kDirectionalChars + u"]", status);
    if (U_FAILURE(status)) throw std::logic_error("chirp::text: bad cashtag set");
    s->freeze();
    return s;
  }();
  return *set;
}

}  // namespace

// The pattern runs only at '$' (see find_hashtags for `consumed`).
std::vector<Span16> find_cashtags(const icu::UnicodeString& text) {
  std::vector<Span16> out;
  const int length = text.length();
  int consumed = 0;
  thread_local std::unique_ptr<icu::RegexMatcher> slot;
  icu::RegexMatcher* m = nullptr;
  for (int p = 0; p < length; ++p) {
    if (text.charAt(p) != u'$') continue;
    if (p > 0 && (p - 1 < consumed || !allowed_before().contains(text.charAt(p - 1)))) continue;
    if (!m) m = &thread_matcher(slot, cashtag_pattern(), text);
    UErrorCode status = U_ZERO_ERROR;
    if (!m->lookingAt(p, status) || U_FAILURE(status)) continue;
    const int end = m->end(status);
    consumed = end;
    out.push_back(Span16{p, end, to_utf8(text, m->start(1, status), end), {}, Kind::kCashtag});
    p = end - 1;
  }
  return out;
}

}  // namespace chirp::text::detail

namespace chirp::text {

std::vector<Entity> extract_cashtags(std::string_view utf8) {
  const icu::UnicodeString text = detail::to_utf16(utf8);
  return detail::to_entities(text, detail::find_cashtags(text));
}

}  // namespace chirp::text
