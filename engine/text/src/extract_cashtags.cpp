// Cashtags: '$' at the start or after a space/directional mark, then 1..6 ASCII
// letters with an optional ".xx"/"_xx" suffix of 1..2 letters, ending at the end
// of text, whitespace or ASCII punctuation ("$TWTR", "$BRK.A"; not "$12").
#include <memory>

#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text::detail {
namespace {

const icu::RegexPattern& cashtag_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p = compile(
      icu::UnicodeString(u"(^|[") + kUnicodeSpaces + u"]|[" + kDirectionalChars + u"])(\\$)" +
          u"([a-zA-Z]{1,6}(?:[._][a-zA-Z]{1,2})?)" +
          u"(?=$|[\\u0009-\\u000d\\u0020]|[!-/:-@\\[-`{-~])",
      0);
  return *p;
}

}  // namespace

std::vector<Span16> find_cashtags(const icu::UnicodeString& text) {
  std::vector<Span16> out;
  if (text.indexOf(u'$') < 0) return out;
  thread_local std::unique_ptr<icu::RegexMatcher> slot;
  icu::RegexMatcher& m = thread_matcher(slot, cashtag_pattern(), text);
  UErrorCode status = U_ZERO_ERROR;
  while (m.find(status) && U_SUCCESS(status)) {
    const int tag_start = m.start(3, status);
    const int end = m.end(3, status);
    out.push_back(Span16{m.start(2, status), end, to_utf8(text, tag_start, end), {}, Kind::kCashtag});
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
