// twitter-text's validators. Entities reuse the extractors; URLs are checked
// against RFC 3986 by hand (split into scheme, authority, path, query and
// fragment, then each part against its grammar), with twitter-text's additions:
// Cyrillic letters in paths, '|' in path characters, and domains whose last
// label (the TLD) starts with a letter.
#include <unicode/utf8.h>

#include <cstdint>
#include <vector>

#include "chirp/text/twitter_text.h"
#include "chirp/text/utf8.h"

namespace chirp::text {
namespace {

using CodePoints = std::vector<UChar32>;

CodePoints decode(std::string_view utf8) {
  CodePoints out;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t n = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    out.push_back(c < 0 ? 0xFFFD : c);
  }
  return out;
}

bool is_alpha(UChar32 c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(UChar32 c) {
  return c >= '0' && c <= '9';
}
bool is_hex(UChar32 c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_non_ascii(UChar32 c) {
  return c > 0x7F;
}
bool is_sub_delim(UChar32 c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}
// RFC 3986 unreserved, plus Cyrillic letters as twitter-text allows.
bool is_unreserved(UChar32 c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
         (c >= 0x400 && c <= 0x4FF);
}

// Views over [b, e) of a code-point vector.
struct Part {
  const UChar32* b;
  const UChar32* e;
  bool empty() const { return b == e; }
  std::size_t size() const { return static_cast<std::size_t>(e - b); }
};

// Every character is unreserved, %XX, a sub-delim or in `extra`.
bool all_chars(Part p, std::u32string_view extra) {
  for (const UChar32* i = p.b; i < p.e; ++i) {
    if (*i == '%') {
      if (p.e - i < 3 || !is_hex(i[1]) || !is_hex(i[2])) return false;
      i += 2;
      continue;
    }
    if (is_unreserved(*i) || is_sub_delim(*i)) continue;
    if (extra.find(static_cast<char32_t>(*i)) == std::u32string_view::npos) return false;
  }
  return true;
}

bool valid_scheme(Part p) {
  if (p.empty() || !is_alpha(*p.b)) return false;
  for (const UChar32* i = p.b; i < p.e; ++i) {
    if (!is_alpha(*i) && !is_digit(*i) && *i != '+' && *i != '-' && *i != '.') return false;
  }
  return true;
}

bool is_http(Part p) {
  auto lower = [](UChar32 c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; };
  const char* want = p.size() == 4 ? "http" : p.size() == 5 ? "https" : nullptr;
  if (!want) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (lower(p.b[i]) != want[i]) return false;
  }
  return true;
}

bool valid_ipv4(Part p) {
  int octets = 0;
  const UChar32* i = p.b;
  while (true) {
    int value = 0, digits = 0;
    while (i < p.e && is_digit(*i)) {
      value = value * 10 + (*i - '0');
      if (++digits > 3) return false;
      ++i;
    }
    if (digits == 0 || value > 255) return false;
    ++octets;
    if (i == p.e) break;
    if (*i != '.' || octets == 4) return false;
    ++i;
  }
  return octets == 4;
}

// "[...]" holding an IPv6 address: up to 8 groups of 1..4 hex digits, at most
// one "::", optionally ending in a dotted IPv4 address (counting two groups).
bool valid_ipv6_literal(Part p) {
  if (p.size() < 4 || *p.b != '[' || p.e[-1] != ']') return false;
  Part in{p.b + 1, p.e - 1};
  int groups = 0;
  bool compressed = false;
  const UChar32* i = in.b;
  if (i + 1 < in.e && i[0] == ':' && i[1] == ':') {
    compressed = true;
    i += 2;
    if (i == in.e) return true;
  }
  while (i < in.e) {
    const UChar32* start = i;
    while (i < in.e && is_hex(*i)) ++i;
    if (i < in.e && *i == '.') {  // trailing IPv4
      if (!valid_ipv4(Part{start, in.e})) return false;
      groups += 2;
      i = in.e;
      break;
    }
    const auto digits = i - start;
    if (digits < 1 || digits > 4) return false;
    ++groups;
    if (i == in.e) break;
    if (*i != ':') return false;
    ++i;
    if (i < in.e && *i == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
    } else if (i == in.e) {
      return false;  // trailing single ':'
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

// One domain label: starts and ends with an alphanumeric (or non-ASCII
// character when allowed); inside, also '-' and, in sub-domains, '_'.
bool valid_label(Part p, bool unicode, bool allow_underscore) {
  if (p.empty()) return false;
  auto edge_ok = [&](UChar32 c) {
    return is_alpha(c) || is_digit(c) || (unicode && is_non_ascii(c));
  };
  if (!edge_ok(*p.b) || !edge_ok(p.e[-1])) return false;
  for (const UChar32* i = p.b; i < p.e; ++i) {
    if (edge_ok(*i) || *i == '-' || (allow_underscore && *i == '_')) continue;
    return false;
  }
  return true;
}

bool valid_domain(Part p, bool unicode) {
  std::vector<Part> labels;
  const UChar32* start = p.b;
  for (const UChar32* i = p.b; i <= p.e; ++i) {
    if (i == p.e || *i == '.') {
      labels.push_back(Part{start, i});
      start = i + 1;
    }
  }
  if (labels.size() < 2) return false;
  const Part tld = labels.back();
  if (tld.empty() || !(is_alpha(*tld.b) || (unicode && is_non_ascii(*tld.b)))) return false;
  if (!valid_label(tld, unicode, false)) return false;
  if (!valid_label(labels[labels.size() - 2], unicode, false)) return false;
  for (std::size_t k = 0; k + 2 < labels.size(); ++k) {
    if (!valid_label(labels[k], unicode, true)) return false;
  }
  return true;
}

// [userinfo@]host[:port]
bool valid_authority(Part p, bool unicode) {
  const UChar32* at = nullptr;
  for (const UChar32* i = p.b; i < p.e; ++i) {
    if (*i == '@') at = i;
  }
  if (at) {
    if (!all_chars(Part{p.b, at}, U":")) return false;
    p.b = at + 1;
  }
  // Port: digits after the last ':' that is not inside an IPv6 literal.
  const UChar32* colon = nullptr;
  for (const UChar32* i = p.e; i > p.b; --i) {
    if (i[-1] == ']') break;
    if (i[-1] == ':') {
      colon = i - 1;
      break;
    }
  }
  if (colon) {
    for (const UChar32* i = colon + 1; i < p.e; ++i) {
      if (!is_digit(*i)) return false;
    }
    p.e = colon;
  }
  if (p.empty()) return false;
  if (*p.b == '[') return valid_ipv6_literal(p);
  return valid_ipv4(p) || valid_domain(p, unicode);
}

}  // namespace

bool is_valid_url(std::string_view utf8, bool unicode_domains, bool require_protocol) {
  const CodePoints cps = decode(utf8);
  if (cps.empty()) return false;
  Part rest{cps.data(), cps.data() + cps.size()};

  // scheme "://" (optional), then authority up to / ? #, path up to ? #, query up to #.
  Part scheme{rest.b, rest.b};
  for (const UChar32* i = rest.b; i + 2 < rest.e; ++i) {
    if (*i == '/' || *i == '?' || *i == '#') break;
    if (*i == ':') {
      if (i > rest.b && i[1] == '/' && i[2] == '/') {
        scheme = Part{rest.b, i};
        rest.b = i + 3;
      }
      break;
    }
  }
  auto take_until = [&rest](std::u32string_view stops) {
    const UChar32* i = rest.b;
    while (i < rest.e && stops.find(static_cast<char32_t>(*i)) == std::u32string_view::npos) ++i;
    Part part{rest.b, i};
    rest.b = i;
    return part;
  };
  const Part authority = take_until(U"/?#");
  const Part path = take_until(U"?#");
  bool has_query = false, has_fragment = false;
  Part query{rest.b, rest.b}, fragment{rest.b, rest.b};
  if (rest.b < rest.e && *rest.b == '?') {
    ++rest.b;
    has_query = true;
    query = take_until(U"#");
  }
  if (rest.b < rest.e && *rest.b == '#') {
    ++rest.b;
    has_fragment = true;
    fragment = Part{rest.b, rest.e};
  }

  if (require_protocol && !(valid_scheme(scheme) && is_http(scheme))) return false;
  if (!scheme.empty() && !valid_scheme(scheme)) return false;
  // Path: ("/" pchar*)*, pchar also taking ':' '@' and, as twitter-text does, '|'.
  if (!path.empty() && *path.b != '/') return false;
  if (!all_chars(path, U":@|/")) return false;
  if (has_query && !all_chars(query, U":@|/?")) return false;
  if (has_fragment && !all_chars(fragment, U":@|/?")) return false;
  return valid_authority(authority, unicode_domains);
}

bool is_valid_tweet(std::string_view utf8, const LengthConfig& config) {
  return parse_tweet(utf8, config).valid;
}

bool is_valid_username(std::string_view utf8) {
  const auto m = extract_mentions_or_lists(utf8);
  return m.size() == 1 && m[0].start == 0 && m[0].end == code_point_count(utf8) &&
         m[0].list_slug.empty();
}

bool is_valid_list(std::string_view utf8) {
  const auto m = extract_mentions_or_lists(utf8);
  return m.size() == 1 && m[0].start == 0 && m[0].end == code_point_count(utf8) &&
         !m[0].list_slug.empty();
}

bool is_valid_hashtag(std::string_view utf8) {
  const auto h = extract_hashtags(utf8);
  return h.size() == 1 && h[0].start == 0 && h[0].end == code_point_count(utf8);
}

}  // namespace chirp::text
