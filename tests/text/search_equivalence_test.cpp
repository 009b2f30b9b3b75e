// White-box check of the extractors' speed-up: they run their patterns only at
// candidate positions (at '#', '@', '$', possible URL starts) instead of
// searching the whole text as twitter-text does. Here the same rules are
// written as twitter-text's whole-text patterns and both are run on random
// texts made of entity-like fragments; the spans must be identical.
#include <unicode/idna.h>
#include <unicode/uniset.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "internal.h"
#include "url_pattern.h"

using namespace chirp::text::detail;

namespace {

const char16_t kWord[] =
    u"\\p{L}\\p{M}\\p{Nd}_\\u200c\\u200d\\ua67e\\u05be\\u05f3\\u05f4\\uff5e\\u301c\\u309b\\u309c"
    u"\\u30a0\\u30fb\\u3003\\u0f0b\\u0f0c\\u00b7";

bool followed_by(const icu::UnicodeString& t, int at, const icu::UnicodeSet& set) {
  return at < t.length() && (set.contains(t.char32At(at)) || t.compare(at, 3, u"://", 0, 3) == 0);
}

std::vector<std::pair<int, int>> whole_text_hashtags(const icu::UnicodeString& t) {
  static const auto pattern = compile(icu::UnicodeString(u"(^|\\ufe0e|\\ufe0f|[^\\&") + kWord +
                                          u"])([#\\uff03])(?![\\ufe0f\\u20e3])([" + kWord +
                                          u"]*[\\p{L}\\p{M}][" + kWord + u"]*)",
                                      0);
  static const icu::UnicodeSet hashes(0x23, 0x23);
  icu::UnicodeSet end_set(hashes);
  end_set.add(0xFF03);
  std::vector<std::pair<int, int>> out;
  UErrorCode st = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(t, st));
  while (m->find(st)) {
    const int end = m->end(3, st);
    if (!followed_by(t, end, end_set)) out.emplace_back(m->start(2, st), end);
  }
  return out;
}

std::vector<std::pair<int, int>> whole_text_mentions(const icu::UnicodeString& t) {
  static const auto pattern = compile(
      u"([^a-zA-Z0-9_!#$%&*@\\uff20]|^|(?:^|[^a-zA-Z0-9_+~.\\-])[rR][tT]:?)([@\\uff20]+)"
      u"([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_\\-]{0,24})?",
      0);
  UErrorCode st = U_ZERO_ERROR;
  const icu::UnicodeSet end_set(icu::UnicodeString(u"[@\\uff20") + kLatinAccents + u"]", st);
  std::vector<std::pair<int, int>> out;
  std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(t, st));
  while (m->find(st)) {
    if (followed_by(t, m->end(st), end_set)) continue;
    out.emplace_back(m->start(3, st) - 1, m->end(st));
  }
  return out;
}

std::vector<std::pair<int, int>> whole_text_cashtags(const icu::UnicodeString& t) {
  static const auto pattern = compile(
      icu::UnicodeString(u"(^|[") + kUnicodeSpaces + u"]|[" + kDirectionalChars + u"])(\\$)" +
          u"([a-zA-Z]{1,6}(?:[._][a-zA-Z]{1,2})?)(?=$|[\\u0009-\\u000d\\u0020]|[!-/:-@\\[-`{-~])",
      0);
  std::vector<std::pair<int, int>> out;
  UErrorCode st = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(t, st));
  while (m->find(st)) out.emplace_back(m->start(2, st), m->end(3, st));
  return out;
}

// Whole-text URL search with the protocol and host checks (no t.co cases here).
std::vector<std::pair<int, int>> whole_text_urls(const icu::UnicodeString& t) {
  static const auto pattern = compile(url_pattern_source(), 0);
  UErrorCode st = U_ZERO_ERROR;
  static const std::unique_ptr<icu::IDNA> idna(icu::IDNA::createUTS46Instance(UIDNA_DEFAULT, st));
  std::vector<std::pair<int, int>> out;
  std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(t, st));
  while (m->find(st)) {
    const int ps = m->start(kUrlProtocol, st);
    const bool has_protocol = ps >= 0 && m->end(kUrlProtocol, st) > ps;
    const int be = m->end(kUrlBefore, st);
    if (!has_protocol && be > m->start(kUrlBefore, st)) {
      const char16_t c = t.charAt(be - 1);
      if (c == '-' || c == '_' || c == '.' || c == '/') continue;
    }
    icu::IDNAInfo info;
    icu::UnicodeString ascii;
    UErrorCode s2 = U_ZERO_ERROR;
    idna->nameToASCII(t.tempSubStringBetween(m->start(kUrlDomain, st), m->end(kUrlDomain, st)),
                      ascii, info, s2);
    constexpr uint32_t kFatal = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                UIDNA_ERROR_PUNYCODE | UIDNA_ERROR_INVALID_ACE_LABEL |
                                UIDNA_ERROR_DISALLOWED;
    if (U_FAILURE(s2) || (info.getErrors() & kFatal) || ascii.isEmpty()) continue;
    out.emplace_back(m->start(kUrl, st), m->end(kUrl, st));
  }
  return out;
}

std::vector<std::pair<int, int>> spans(const std::vector<Span16>& v) {
  std::vector<std::pair<int, int>> out;
  for (const auto& s : v) out.emplace_back(s.start, s.end);
  return out;
}

}  // namespace

TEST_CASE("candidate-position search equals twitter-text's whole-text search",
          "[text][equivalence]") {
  const char* fragments[] = {
      "http://", "https://", "HTTP://", "example", ".com", ".jp",    ".co",  "/",  "?",  "#",
      "@",       "$",        " ",       "-",       "_",    ".",      "日本", "(",  ")",  "é",
      "\u202A",  "x",        "1",       ":",       "www.", "\u3000", "RT",   "＃", "＠", "ab",
      "😀",       "\uFE0F",   "&",       "a.b",     "foo",  "/list",  "TWTR", ".A", "ｘ"};
  constexpr std::size_t kFragments = sizeof fragments / sizeof *fragments;
  std::mt19937 rng(20261128);
  int texts_with_urls = 0, texts_with_tags = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 12) + 1;
    for (int j = 0; j < n; ++j) s += fragments[rng() % kFragments];
    const icu::UnicodeString t = to_utf16(s);
    INFO(s);
    const auto urls = whole_text_urls(t);
    const auto tags = whole_text_hashtags(t);
    texts_with_urls += !urls.empty();
    texts_with_tags += !tags.empty();
    REQUIRE(spans(find_urls(t)) == urls);
    REQUIRE(spans(find_hashtags(t)) == tags);
    REQUIRE(spans(find_mentions_or_lists(t)) == whole_text_mentions(t));
    REQUIRE(spans(find_cashtags(t)) == whole_text_cashtags(t));
  }
  // The generator must actually produce entities for the comparison to mean anything.
  CHECK(texts_with_urls > 500);
  CHECK(texts_with_tags > 500);
}
