// Shared helpers for the ICU-based extractors: conversions, pattern compiling,
// per-thread matchers, overlap removal and index conversion.
#include <unicode/utf16.h>

#include <algorithm>
#include <stdexcept>

#include "internal.h"

namespace chirp::text::detail {

// Character classes from twitter-text's Regex definitions.
const char16_t* const kUnicodeSpaces =
    u"\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u180e\\u2000-\\u200a"
    u"\\u2028\\u2029\\u202f\\u205f\\u3000";
const char16_t* const kDirectionalChars = u"\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069";
const char16_t* const kInvalidChars = u"\\ufffe\\ufeff\\uffff";
const char16_t* const kLatinAccents =
    u"\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u00ff\\u0100-\\u024f"
    u"\\u0253\\u0254\\u0256\\u0257\\u0259\\u025b\\u0263\\u0268\\u026f\\u0272\\u0289\\u028b"
    u"\\u02bb\\u0300-\\u036f\\u1e00-\\u1eff";
const char16_t* const kCyrillic = u"\\u0400-\\u04ff";

icu::UnicodeString to_utf16(std::string_view utf8) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

std::string to_utf8(const icu::UnicodeString& s, int start, int end) {
  std::string out;
  s.tempSubStringBetween(start, end).toUTF8String(out);
  return out;
}

std::unique_ptr<icu::RegexPattern> compile(const icu::UnicodeString& pattern, uint32_t flags) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  std::unique_ptr<icu::RegexPattern> p(icu::RegexPattern::compile(pattern, flags, where, status));
  if (U_FAILURE(status)) {
    std::string text;
    pattern.toUTF8String(text);
    throw std::logic_error("chirp::text: bad pattern (" + std::string(u_errorName(status)) +
                           " at offset " + std::to_string(where.offset) +
                           "): " + text.substr(0, 200));
  }
  return p;
}

icu::RegexMatcher& thread_matcher(std::unique_ptr<icu::RegexMatcher>& slot,
                                  const icu::RegexPattern& pattern,
                                  const icu::UnicodeString& text) {
  if (!slot) {
    UErrorCode status = U_ZERO_ERROR;
    slot.reset(pattern.matcher(status));
    if (U_FAILURE(status)) throw std::runtime_error("chirp::text: cannot create matcher");
  }
  slot->reset(text);
  return *slot;
}

bool contains_any(const icu::UnicodeString& s, std::u16string_view chars) {
  const char16_t* buf = s.getBuffer();
  const int32_t n = s.length();
  for (int32_t i = 0; i < n; ++i) {
    if (chars.find(buf[i]) != std::u16string_view::npos) return true;
  }
  return false;
}

void remove_overlapping(std::vector<Span16>& spans) {
  std::stable_sort(spans.begin(), spans.end(),
                   [](const Span16& a, const Span16& b) { return a.start < b.start; });
  std::vector<Span16> kept;
  kept.reserve(spans.size());
  for (auto& s : spans) {
    if (!kept.empty() && kept.back().end > s.start) continue;
    kept.push_back(std::move(s));
  }
  spans = std::move(kept);
}

std::vector<Entity> to_entities(const icu::UnicodeString& text, std::vector<Span16>&& spans) {
  std::vector<Entity> out;
  out.reserve(spans.size());
  // Spans are in text order: count code points incrementally.
  int pos16 = 0;
  int pos_cp = 0;
  auto advance_to = [&](int target) {
    if (target < pos16) {  // defensive: out-of-order span
      pos16 = 0;
      pos_cp = 0;
    }
    pos_cp += text.countChar32(pos16, target - pos16);
    pos16 = target;
    return pos_cp;
  };
  for (auto& s : spans) {
    Entity e;
    e.start = advance_to(s.start);
    e.end = advance_to(s.end);
    e.value = std::move(s.value);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace chirp::text::detail
