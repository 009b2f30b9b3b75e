// Emoji sequences for config v3, where one emoji (however many code points it
// has) weighs as one default-weight character. Recognised from ICU's Unicode
// emoji properties rather than a literal list, so new emoji need only a newer ICU:
//   - flags: a pair of regional indicators;
//   - keycaps: [0-9#*] FE0F? U+20E3;
//   - a pictographic base (Emoji_Presentation, or Extended_Pictographic not
//     asking for text style with U+FE0E; Latin-1 symbols such as (c) only with
//     U+FE0F), then skin-tone modifier, U+FE0F, tag sequence (subdivision flags),
//     and further elements joined by U+200D (families, professions).
#include <unicode/uchar.h>
#include <unicode/uniset.h>

#include <stdexcept>

#include "internal.h"

namespace chirp::text::detail {
namespace {

constexpr UChar32 kZwj = 0x200D;
constexpr UChar32 kTextStyle = 0xFE0E;
constexpr UChar32 kEmojiStyle = 0xFE0F;
constexpr UChar32 kKeycap = 0x20E3;

bool is_regional_indicator(UChar32 c) {
  return c >= 0x1F1E6 && c <= 0x1F1FF;
}
bool is_tag(UChar32 c) {
  return c >= 0xE0020 && c <= 0xE007E;
}
constexpr UChar32 kCancelTag = 0xE007F;

// Every code point that can begin an emoji; a frozen set answers in a few
// instructions, so plain text never reaches the property lookups below.
const icu::UnicodeSet& emoji_starts() {
  static const icu::UnicodeSet* set = [] {
    UErrorCode status = U_ZERO_ERROR;
    auto* s = new icu::UnicodeSet(
        u"[[\\p{Emoji_Presentation}][\\p{Extended_Pictographic}][\\p{Emoji_Modifier}][0-9#*]]",
        status);
    if (U_FAILURE(status)) throw std::logic_error("chirp::text: bad emoji set");
    s->freeze();
    return s;
  }();
  return *set;
}

UChar32 at(const icu::UnicodeString& s, int i) {
  return i < s.length() ? s.char32At(i) : -1;
}
int next(int i, UChar32 c) {
  return i + (c > 0xFFFF ? 2 : 1);
}

// A pictographic element starting at i: its end, or -1.
int element_end(const icu::UnicodeString& s, int i) {
  const UChar32 c = at(s, i);
  if (c < 0) return -1;
  const UChar32 after = at(s, next(i, c));
  const bool presentation = u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION);
  const bool pictographic = u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC);
  if (!presentation) {
    if (!pictographic || after == kTextStyle) return -1;
    if (c <= 0xFF && after != kEmojiStyle) return -1;
  }
  int j = next(i, c);
  UChar32 d = at(s, j);
  if (u_hasBinaryProperty(d, UCHAR_EMOJI_MODIFIER)) {
    j = next(j, d);
    d = at(s, j);
  }
  if (d == kEmojiStyle) {
    j = next(j, d);
    d = at(s, j);
  }
  if (is_tag(d)) {
    int k = j;
    while (is_tag(at(s, k))) k = next(k, at(s, k));
    if (at(s, k) == kCancelTag) j = next(k, kCancelTag);
  }
  return j;
}

}  // namespace

int emoji_length_at(const icu::UnicodeString& s, int i) {
  const UChar32 c = at(s, i);
  if (c < 0 || !emoji_starts().contains(c)) return 0;
  if (is_regional_indicator(c)) {
    const int j = next(i, c);
    const UChar32 d = at(s, j);
    return (is_regional_indicator(d) ? next(j, d) : j) - i;
  }
  if ((c >= '0' && c <= '9') || c == '#' || c == '*') {
    int j = i + 1;
    if (at(s, j) == kEmojiStyle) ++j;
    return at(s, j) == kKeycap ? j + 1 - i : 0;
  }
  int end = element_end(s, i);
  if (end < 0) return 0;
  while (at(s, end) == kZwj) {
    const int joined = element_end(s, end + 1);
    if (joined < 0) break;
    end = joined;
  }
  return end - i;
}

}  // namespace chirp::text::detail
