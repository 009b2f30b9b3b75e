// chirp's search query language, parsed into a Xapian::Query.
//
// Grammar (docs/search.md has the user-facing description and examples):
//   query   := or_expr
//   or_expr := and_expr ( "OR" and_expr )*
//   and_expr:= unary+                      (juxtaposition = AND)
//   unary   := "-"? primary                (minus = exclude)
//   primary := "(" or_expr ")" | "\"" words "\"" | operator ":" value
//            | "#" tag | "@" user | "$" tag | word "*" | word
// Operators: from: to: since: until: has:links|mentions|hashtags|cashtags is:reply.
//
// parse_query is pure and thread-safe. Every malformed input (unbalanced
// parentheses or quotes, dangling OR or "-", unknown operator, bad date,
// over a cap) returns Status InvalidArgument with a message meant for the
// person who typed the query; it never throws.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "chirp/status.h"

namespace chirp::search {

struct QueryLimits {
  size_t max_bytes = 512;
  int max_terms = 32;           // leaf terms, phrase words included
  int max_wildcard = 100;       // expansion of each word* (most frequent kept)
  int max_depth = 8;            // parenthesis nesting
};

// What a hit's text should highlight: the query's positive (not excluded) terms.
struct HighlightTerms {
  std::set<std::string> words;     // exact lower-case words (words, phrase words)
  std::set<std::string> stems;     // English stems of plain words
  std::vector<std::string> prefixes;  // lower-case prefixes of word*
  std::set<std::string> hashtags, mentions, cashtags;  // lower-case, no sigil
};

struct ParsedQuery {
  Xapian::Query query;
  HighlightTerms highlight;
  std::vector<std::string> spell_words;  // plain words, for "did you mean"
  bool has_free_text = false;            // words, phrases or prefixes (hashtags are not free text)
  // Any term that BM25 weighs (words, phrases, prefixes, even negated ones:
  // conservative). False for operators and #tags, @mentions, $tags only
  // (from:, to:, since:, until:, has:, is:, and the entity terms, which are
  // boolean: wdf 0): every match then weighs 0.
  bool weighted = false;
};

// Optional hook of parse_query: sees every free-text leaf the parser builds
// and returns the leaf to put in the query (the given one, or it wrapped, e.g.
// in OP_SCALE_WEIGHT). With a hook, a phrase (and a hyphenated word) becomes
// FILTER(AND(word leaves), PHRASE(words)), which matches and weighs as the
// phrase does (Xapian weighs a phrase as the AND of its terms, repeated
// words included) but lets each word be wrapped: Xapian 1.4's OP_PHRASE takes
// only bare terms. Called for excluded leaves too (harmless: an AND_NOT's
// right side is not weighed). The searcher uses it to score a search with the
// idf of disk + memory while the memory index holds tweets (searcher.cc).
class LeafHook {
 public:
  virtual ~LeafHook() = default;
  // A term: an exact word, a "Z" stem, or a word of a phrase.
  virtual Xapian::Query term(const std::string& term, Xapian::Query leaf) = 0;
  // `prefix*`: leaf is its OP_WILDCARD query.
  virtual Xapian::Query wildcard(const std::string& prefix, Xapian::Query leaf) = 0;
};

// What the query is for. kMatching (sort=recent, counts) weighs nothing, so a
// stemmed word is its "Z" stem alone: every tweet with the word has its stem,
// and the exact form, which only adds weight under kRanking, would cost a
// posting list opened per word for nothing.
enum class QueryPurpose { kRanking, kMatching };

Result<ParsedQuery> parse_query(std::string_view q, const QueryLimits& limits = {}, LeafHook* hook = nullptr,
                                QueryPurpose purpose = QueryPurpose::kRanking);

// Parses YYYY-MM-DD (a real calendar date) into Unix ms at 00:00 UTC.
Result<int64_t> parse_day(std::string_view day);

}  // namespace chirp::search
