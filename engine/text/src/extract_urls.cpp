// URL extraction: twitter-text's VALID_URL pattern, then its post-checks
// (protocol-less URLs after '-', '_', '.', '/' are rejected; t.co links are cut
// to their slug and refused past 40 characters; the host must survive IDNA
// ToASCII and the whole URL must fit in 4096 characters).
#include <unicode/idna.h>
#include <unicode/uchar.h>
#include <unicode/utf16.h>

#include <algorithm>
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
  const int length =
      url_length + ascii.length() - host.length() + (has_protocol ? 0 : kDefaultProtocolLength);
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

bool is_separator(UChar32 c) {
  if (c < 0x80) return c == u' ' || (c >= 0x09 && c <= 0x0D);
  return u_isUWhiteSpace(c) || (U_GET_GC_MASK(c) & U_GC_Z_MASK) != 0;
}

// Characters a host name can start with (the pattern's URL_VALID_CHARS).
bool is_host_start(UChar32 c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF) ||
         (c >= 0x300 && c <= 0x36F) || c == 0x253 || c == 0x254 || c == 0x256 || c == 0x257 ||
         c == 0x259 || c == 0x25B || c == 0x263 || c == 0x268 || c == 0x26F || c == 0x272 ||
         c == 0x289 || c == 0x28B || c == 0x2BB;
}

// Characters that can never precede a URL (so no match can start after them).
bool blocks_url(UChar32 c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' ||
         c == '$' || c == '#' || c == 0xFF20 || c == 0xFF03;
}

bool preceded_by_protocol(const icu::UnicodeString& text, int s) {
  auto ends_with = [&](const char16_t* proto, int n) {
    if (s < n) return false;
    for (int i = 0; i < n; ++i) {
      char16_t c = text.charAt(s - n + i);
      if (c >= u'A' && c <= u'Z') c = static_cast<char16_t>(c + 32);
      if (c != proto[i]) return false;
    }
    return true;
  };
  return ends_with(u"http://", 7) || ends_with(u"https://", 8);
}

}  // namespace

// twitter-text searches the whole text with a pattern that begins with a
// "preceding character" group; ICU then starts a costly attempt at every
// position. The same matches come from trying the pattern only where it can
// succeed:
//   - a URL has no white space and has a '.' followed by a letter (the TLD), so
//     only tokens with one are searched;
//   - a URL starts with a host character (or right after "http(s)://"), and the
//     character before it is not a letter, digit, '@', '$' or '#', so the
//     pattern runs (lookingAt) one character before such starts;
//   - `consumed` keeps a whole-text search's rule that text used by a previous
//     match, even a rejected one, cannot start the next.
std::vector<Span16> find_urls(const icu::UnicodeString& text) {
  std::vector<Span16> out;
  if (text.indexOf(u'.') < 0) return out;

  thread_local std::unique_ptr<icu::RegexMatcher> url_slot;
  thread_local std::unique_ptr<icu::RegexMatcher> tco_slot;
  icu::RegexMatcher* m = nullptr;
  const int length = text.length();
  int consumed = 0;
  int last_attempt = -1;
  int token_start = 0;
  while (token_start < length) {
    int token_end = token_start;
    bool has_tld_dot = false;
    UChar32 prev = 0;
    while (token_end < length) {
      const UChar32 c = text.char32At(token_end);
      if (is_separator(c)) break;
      if (prev == u'.' && !has_tld_dot) {
        has_tld_dot = (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK)) != 0;
      }
      prev = c;
      token_end += U16_LENGTH(c);
    }
    for (int s = token_start; has_tld_dot && s < token_end;) {
      const UChar32 c = text.char32At(s);
      const int next = s + U16_LENGTH(c);
      const int before = s > 0 ? text.moveIndex32(s, -1) : 0;
      const bool candidate = s == 0 || (!blocks_url(text.char32At(before)) &&
                                        (is_host_start(c) || preceded_by_protocol(text, s)));
      if (!candidate || before < consumed || before == last_attempt) {
        s = next;
        continue;
      }
      last_attempt = before;
      if (!m) m = &thread_matcher(url_slot, url_pattern(), text);
      UErrorCode status = U_ZERO_ERROR;
      if (!m->lookingAt(before, status) || U_FAILURE(status)) {
        s = next;
        continue;
      }
      consumed = static_cast<int>(m->end(status));
      if (auto span = accept(text, *m, tco_slot)) out.push_back(std::move(*span));
      s = std::max(next, consumed);
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
