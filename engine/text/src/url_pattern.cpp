// Builds twitter-text's URL pattern as an ICU regular expression.
//
// The structure follows twitter-text's VALID_URL (preceding character, optional
// protocol, domain ending in a known TLD, optional port, path and query). The
// ~1500 TLDs are compiled as a trie of alternations rather than a flat list so
// that a failed TLD attempt costs a few character tests, not 1500 comparisons.
#include "url_pattern.h"

#include <map>
#include <memory>
#include <string>

#include "internal.h"
#include "tld_list.h"

namespace chirp::text::detail {
namespace {

struct TrieNode {
  bool terminal = false;
  std::vector<UChar32> order;  // children in first-seen order
  std::map<UChar32, std::unique_ptr<TrieNode>> children;
};

void insert(TrieNode& root, std::string_view utf8) {
  icu::UnicodeString s = to_utf16(utf8);
  TrieNode* node = &root;
  for (int32_t i = 0; i < s.length(); i = s.moveIndex32(i, 1)) {
    const UChar32 c = s.char32At(i);
    auto& child = node->children[c];
    if (!child) {
      child = std::make_unique<TrieNode>();
      node->order.push_back(c);
    }
    node = child.get();
  }
  node->terminal = true;
}

void append_literal(icu::UnicodeString& out, UChar32 c) {
  if (c >= 'a' && c <= 'z') {
    // ASCII-only case folding, as twitter-text's Java patterns do; ICU's
    // CASE_INSENSITIVE would also fold U+017F into 's' inside negated sets.
    out.append(u'[').append(c).append(static_cast<UChar32>(c - 'a' + 'A')).append(u']');
  } else if (c >= '0' && c <= '9') {
    out.append(c);
  } else {
    char buf[16];
    snprintf(buf, sizeof buf, "\\x{%x}", static_cast<unsigned>(c));
    out.append(icu::UnicodeString(buf, -1, US_INV));
  }
}

void append_set_member(icu::UnicodeString& out, UChar32 c) {
  if (c >= 'a' && c <= 'z') {
    out.append(c).append(static_cast<UChar32>(c - 'a' + 'A'));
  } else {
    char buf[16];
    snprintf(buf, sizeof buf, "\\x{%x}", static_cast<unsigned>(c));
    out.append(icu::UnicodeString(buf, -1, US_INV));
  }
}

void emit(const TrieNode& node, icu::UnicodeString& out);

// Alternatives for children [from, to). Siblings start with distinct
// characters, so their order does not change what matches; large sets are
// split in halves behind a one-character lookahead, so a failed TLD costs
// about log2(n) tests instead of one per sibling (ICU tries alternatives in turn).
void emit_children(const TrieNode& node, size_t from, size_t to, icu::UnicodeString& out) {
  constexpr size_t kLinear = 6;
  if (to - from <= kLinear) {
    for (size_t i = from; i < to; ++i) {
      if (i > from) out.append(u'|');
      const UChar32 c = node.order[i];
      append_literal(out, c);
      const TrieNode& child = *node.children.at(c);
      if (!child.order.empty()) emit(child, out);
    }
    return;
  }
  const size_t mid = from + (to - from) / 2;
  for (auto [a, b] : {std::pair{from, mid}, std::pair{mid, to}}) {
    if (a != from) out.append(u'|');
    out.append(u"(?=[");
    for (size_t i = a; i < b; ++i) append_set_member(out, node.order[i]);
    out.append(u"])(?:");
    emit_children(node, a, b, out);
    out.append(u')');
  }
}

// Emits the node's alternatives; longer continuations come before the end of a
// word, which keeps twitter-text's "longest TLD first" behaviour.
void emit(const TrieNode& node, icu::UnicodeString& out) {
  const bool single = node.order.size() == 1 && !node.terminal;
  if (!single) out.append(u"(?:");
  emit_children(node, 0, node.order.size(), out);
  if (node.terminal) out.append(u"|");
  if (!single) out.append(u")");
}

icu::UnicodeString tld_alternation(const std::vector<std::string_view>& tlds) {
  TrieNode root;
  for (auto t : tlds) insert(root, t);
  icu::UnicodeString out;
  emit(root, out);
  return out;
}

icu::UnicodeString cat(std::initializer_list<icu::UnicodeString> parts) {
  icu::UnicodeString out;
  for (const auto& p : parts) out.append(p);
  return out;
}

}  // namespace

icu::UnicodeString url_pattern_source() {
  const icu::UnicodeString latin(kLatinAccents);
  const icu::UnicodeString cyrillic(kCyrillic);
  // A TLD must not run on into more host-like characters.
  const icu::UnicodeString tld_end(u"(?=[^a-zA-Z0-9@+\\-]|$)");
  const icu::UnicodeString gtld = cat({u"(?:", tld_alternation(generic_tlds()), tld_end, u")"});
  const icu::UnicodeString cctld = cat({u"(?:", tld_alternation(country_tlds()), tld_end, u")"});

  const icu::UnicodeString preceding =
      cat({u"(?:[^a-zA-Z0-9@\\uff20$#\\uff03", kInvalidChars, u"]|[", kDirectionalChars, u"]|^)"});
  const icu::UnicodeString c = cat({u"[a-zA-Z0-9", latin, u"]"});
  const icu::UnicodeString c_set = cat({u"a-zA-Z0-9", latin});
  const icu::UnicodeString subdomain = cat({u"(?>(?:", c, u"[", c_set, u"\\-_]*)?", c, u"\\.)"});
  const icu::UnicodeString domain_name = cat({u"(?:(?:", c, u"[", c_set, u"\\-]*)?", c, u"\\.)"});
  // Any character that is neither space nor punctuation (for hosts after a protocol).
  const icu::UnicodeString u_set(
      u"\\-_!\"#$%&'()*+,./:;<=>?@\\[\\]\\^`{|}~\\s\\p{Z}\\u2000-\\u206f");
  const icu::UnicodeString u_char = cat({u"[^", u_set, u"]"});
  const icu::UnicodeString unicode_domain_name =
      cat({u"(?:(?:", u_char, u"(?:", u_char, u"|\\-)*)?", u_char, u"\\.)"});
  const icu::UnicodeString punycode(u"(?:[xX][nN]--[\\-0-9a-zA-Z]+)");

  const icu::UnicodeString domain =
      cat({u"(?:",      subdomain, u"*",        domain_name,
           u"(?:",      gtld,      u"|",        cctld,
           u"|",        punycode,  u"))",       u"|(?:(?<=[hH][tT][tT][pP][sS]?://)(?:(?:",
           domain_name, cctld,     u")|(?:",    unicode_domain_name,
           u"(?:",      gtld,      u"|",        cctld,
           u"))))",     u"|(?:",   domain_name, cctld,
           u"(?=/))"});

  const icu::UnicodeString path_char =
      cat({u"[a-zA-Z0-9!*';:=+,.$/%#\\[\\]\\-\\u2013_~|&@", latin, cyrillic, u"]"});
  const icu::UnicodeString parens = cat({u"\\((?:", path_char, u"+|(?:", path_char, u"*\\(",
                                         path_char, u"+\\)", path_char, u"*))\\)"});
  const icu::UnicodeString path_end =
      cat({u"(?:[a-zA-Z0-9=_#/\\-+", latin, cyrillic, u"]|(?:", parens, u"))"});
  const icu::UnicodeString path = cat({u"(?:(?:", path_char, u"*(?:", parens, path_char, u"*)*",
                                       path_end, u")|(?:@", path_char, u"+/))"});
  const icu::UnicodeString query = cat({u"\\?", url_query_chars(), u"*", url_query_end(), u""});

  return cat({u"((", preceding, u")(([hH][tT][tT][pP][sS]?://)?(", domain, u")(?::([0-9]++))?(/",
              path, u"*+)?(", query, u")?))"});
}

icu::UnicodeString url_query_chars() {
  return icu::UnicodeString(u"[a-zA-Z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@]");
}
icu::UnicodeString url_query_end() {
  return icu::UnicodeString(u"[a-zA-Z0-9\\-_&=#/]");
}

}  // namespace chirp::text::detail
