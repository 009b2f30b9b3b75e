// URL extraction: twitter-text's VALID_URL pattern, then its post-checks
// (protocol-less URLs after '-', '_', '.', '/' are rejected; t.co links are cut
// to their slug and refused past 40 characters; the host must survive IDNA
// ToASCII and the whole URL must fit in 4096 characters).
#include <unicode/idna.h>

#include <unicode/uchar.h>
#include <unicode/utf16.h>

#include <memory>
#include <optional>

#include "chirp/text/twitter_text.h"
#include "internal.h"
#include "url_pattern.h"

namespace chirp::text::detail {
namespace {

constexpr int kMaxUrlLength = 4096;
constexpr int kMaxTcoSlugLength = 40;
constexpr int kDefaultProtocolLength = 8;  // "https://", assumed when none is written

const icu::RegexPattern& url_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p = compile(url_pattern_source(), 0);
  return *p;
}

const icu::RegexPattern& tco_pattern() {
  static const std::unique_ptr<icu::RegexPattern> p =
      compile(icu::UnicodeString(u"^[hH][tT][tT][pP][sS]?://[tT]\\.[cC][oO]/([a-zA-Z0-9]+)(?:\\?") +
                  url_query_chars() + u"*" + url_query_end() + u")?",
              0);
  return *p;
}

const icu::IDNA& idna() {
  static const std::unique_ptr<icu::IDNA> instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::IDNA> p(icu::IDNA::createUTS46Instance(UIDNA_DEFAULT, status));
    if (U_FAILURE(status)) throw std::runtime_error("chirp::text: cannot create IDNA");
    return p;
  }();
  return *instance;
}

// twitter-text runs the host through IDN.toASCII: labels must be 1..63
// characters once punycoded, "xn--" labels must decode, and the URL with that
// host (and a protocol, if none was written) must fit in 4096 characters.
bool valid_host_and_length(int url_length, bool has_protocol, const icu::UnicodeString& host) {
  if (host.isEmpty()) return false;
  UErrorCode status = U_ZERO_ERROR;
  icu::IDNAInfo info;
  icu::UnicodeString ascii;
  idna().nameToASCII(host, ascii, info, status);
  if (U_FAILURE(status)) return false;
  constexpr uint32_t kFatal = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                              UIDNA_ERROR_PUNYCODE | UIDNA_ERROR_INVALID_ACE_LABEL |
                              UIDNA_ERROR_DISALLOWED;
  if (info.getErrors() & kFatal) return false;
  if (ascii.isEmpty()) return false;
  const int length = url_length + ascii.length() - host.length() +
                     (has_protocol ? 0 : kDefaultProtocolLength);
  return length <= kMaxUrlLength;
}

bool ends_with_invalid_lead(const icu::UnicodeString& text, int before_start, int before_end) {
  if (before_end <= before_start) return false;
  const char16_t c = text.charAt(before_end - 1);
  return c == u'-' || c == u'_' || c == u'.' || c == u'/';
}

// twitter-text's checks on one pattern match; the URL span, or nullopt.
std::optional<Span16> accept(const icu::UnicodeString& text, icu::RegexMatcher& m,
                             std::unique_ptr<icu::RegexMatcher>& tco_slot) {
  UErrorCode status = U_ZERO_ERROR;
  const int proto_start = m.start(kUrlProtocol, status);
  const bool has_protocol = proto_start >= 0 && m.end(kUrlProtocol, status) > proto_start;
  if (!has_protocol &&
      ends_with_invalid_lead(text, m.start(kUrlBefore, status), m.end(kUrlBefore, status))) {
    return std::nullopt;
  }
  const int start = m.start(kUrl, status);
  int end = m.end(kUrl, status);
  const icu::UnicodeString url = text.tempSubStringBetween(start, end);
  icu::RegexMatcher& tco = thread_matcher(tco_slot, tco_pattern(), url);
  if (tco.lookingAt(status)) {
    if (tco.end(1, status) - tco.start(1, status) > kMaxTcoSlugLength) return std::nullopt;
    end = start + tco.end(status);
  }
  const icu::UnicodeString host =
      text.tempSubStringBetween(m.start(kUrlDomain, status), m.end(kUrlDomain, status));
  if (U_FAILURE(status) || !valid_host_and_length(end - start, has_protocol, host)) {
    return std::nullopt;
  }
  return Span16{start, end, to_utf8(text, start, end), {}, Kind::kUrl};
}

// A URL never contains white space, so the pattern only runs over the
// space-separated tokens with a '.' before a letter, each with the character before it
// (the pattern's "preceding character"). Searching the whole text instead
// costs a domain-name attempt at every letter of every word (~50 us a tweet).
// Transparent, non-anchoring bounds keep lookaround and ^/$ seeing the whole
// text, so the matches are the ones a whole-text search would give.
bool is_separator(UChar32 c) {
  if (c < 0x80) return c == u' ' || (c >= 0x09 && c <= 0x0D);
  return u_isUWhiteSpace(c) || (U_GET_GC_MASK(c) & U_GC_Z_MASK) != 0;
}

}  // namespace

std::vector<Span16> find_urls(const icu::UnicodeString& text) {
  std::vector<Span16> out;
  if (text.indexOf(u'.') < 0) return out;  // every URL has a dot in its host

  thread_local std::unique_ptr<icu::RegexMatcher> url_slot;
  thread_local std::unique_ptr<icu::RegexMatcher> tco_slot;
  icu::RegexMatcher& m = thread_matcher(url_slot, url_pattern(), text);
  m.useTransparentBounds(true);
  m.useAnchoringBounds(false);
  UErrorCode status = U_ZERO_ERROR;
  const int length = text.length();
  int token_start = 0;
  while (token_start < length) {
    // Token: [token_start, token_end) with no separator inside.
    int token_end = token_start;
    bool has_dot = false;  // a '.' followed by a letter: where a TLD could start
    UChar32 prev = 0;
    while (token_end < length) {
      const UChar32 c = text.char32At(token_end);
      if (is_separator(c)) break;
      if (prev == u'.' && !has_dot) has_dot = (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK)) != 0;
      prev = c;
      token_end += U16_LENGTH(c);
    }
    if (has_dot) {
      const int region_start = token_start > 0 ? token_start - 1 : 0;
      m.region(region_start, token_end, status);
      while (m.find() && U_SUCCESS(status)) {
        if (auto span = accept(text, m, tco_slot)) out.push_back(std::move(*span));
      }
    }
    token_start = token_end + (token_end < length ? U16_LENGTH(text.char32At(token_end)) : 0);
  }
  return out;
}

}  // namespace chirp::text::detail

namespace chirp::text {

std::vector<Entity> extract_urls(std::string_view utf8) {
  const icu::UnicodeString text = detail::to_utf16(utf8);
  return detail::to_entities(text, detail::find_urls(text));
}

}  // namespace chirp::text
