// Recursive-descent parser for the query language (grammar in query.h).
// Lexing and parsing are separate so every error names the offending token.
#include <ctime>
#include <algorithm>
#include <cctype>
#include <optional>

#include "chirp/search/query.h"
#include "date_range_source.h"
#include "schema.h"

namespace chirp::search {
namespace {

enum class Tok { kWord, kPhrase, kLParen, kRParen, kOr, kEnd };

struct Token {
  Tok kind;
  std::string text;   // word or phrase contents
  bool negated = false;
};

Status lex(std::string_view q, std::vector<Token>* out) {
  size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (i < q.size()) {
    char c = q[i];
    if (is_space(c)) { ++i; continue; }
    bool neg = false;
    if (c == '-') {
      if (i + 1 >= q.size() || is_space(q[i + 1]) || q[i + 1] == ')')
        return Status::InvalidArgument("'-' must be followed by the term to exclude, as in -word");
      if (q[i + 1] == '-') return Status::InvalidArgument("'--' is not allowed: use a single '-' to exclude");
      neg = true;
      c = q[++i];
    }
    if (c == '(') { out->push_back({Tok::kLParen, "(", neg}); ++i; continue; }
    if (c == ')') { out->push_back({Tok::kRParen, ")", neg}); ++i; continue; }
    if (c == '"') {
      size_t close = q.find('"', i + 1);
      if (close == std::string_view::npos) return Status::InvalidArgument("unclosed quote: a phrase needs a closing \"");
      out->push_back({Tok::kPhrase, std::string(q.substr(i + 1, close - i - 1)), neg});
      i = close + 1;
      continue;
    }
    size_t j = i;
    while (j < q.size() && !is_space(q[j]) && q[j] != '(' && q[j] != ')' && q[j] != '"') ++j;
    std::string word(q.substr(i, j - i));
    if (word == "OR" && !neg) out->push_back({Tok::kOr, word, false});
    else out->push_back({Tok::kWord, word, neg});
    i = j;
  }
  out->push_back({Tok::kEnd, "", false});
  return Status::Ok();
}

// Words as the index's TermGenerator splits them (so phrases and exact terms
// match what was indexed), lower-cased, in order.
std::vector<std::string> split_words(const std::string& text) {
  Xapian::TermGenerator tg;
  Xapian::Document scratch;
  tg.set_document(scratch);
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
  tg.index_text(schema::lower(text));
  std::vector<std::pair<Xapian::termpos, std::string>> by_pos;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) by_pos.emplace_back(*p, *t);
  std::sort(by_pos.begin(), by_pos.end());
  std::vector<std::string> words;
  for (auto& [pos, w] : by_pos) words.push_back(w);
  return words;
}

// Whether the indexer stored a Z-stem term beside this (lowercase) word:
// TermGenerator's STEM_SOME stems a word only when its first character is a
// letter, so "2020" or "_x" are indexed in their exact form alone.
bool indexed_with_stem(const std::string& word) {
  Xapian::Utf8Iterator first(word);
  if (first == Xapian::Utf8Iterator()) return false;
  switch (Xapian::Unicode::get_category(*first)) {
    case Xapian::Unicode::LOWERCASE_LETTER:
    case Xapian::Unicode::TITLECASE_LETTER:
    case Xapian::Unicode::MODIFIER_LETTER:
    case Xapian::Unicode::OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

bool valid_username(const std::string& u) {  // ^[A-Za-z0-9_]{1,15}$ as API.md
  if (u.empty() || u.size() > 15) return false;
  return std::all_of(u.begin(), u.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// One AND group in construction: scoring terms, boolean filters, exclusions.
struct Group {
  std::vector<Xapian::Query> scoring, filters, excluded;
  // since: / until: of the group, merged into one date window.
  int64_t since_ms = DateRangeSource::kUnbounded, until_ms = DateRangeSource::kUnbounded;
  bool dated = false;
  Xapian::Query build() const {
    std::vector<Xapian::Query> filters = this->filters;
    if (dated) filters.push_back(date_filter(since_ms, until_ms));
    Xapian::Query base;
    if (!scoring.empty()) base = Xapian::Query(Xapian::Query::OP_AND, scoring.begin(), scoring.end());
    if (!filters.empty()) {
      Xapian::Query f(Xapian::Query::OP_AND, filters.begin(), filters.end());
      base = base.empty() ? Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, f, 0.0)
                          : Xapian::Query(Xapian::Query::OP_FILTER, base, f);
    }
    if (!excluded.empty()) {
      if (base.empty()) base = Xapian::Query::MatchAll;
      base = Xapian::Query(Xapian::Query::OP_AND_NOT, base,
                           Xapian::Query(Xapian::Query::OP_OR, excluded.begin(), excluded.end()));
    }
    return base;
  }
};

class Parser {
 public:
  Parser(std::vector<Token> toks, const QueryLimits& limits, LeafHook* hook, QueryPurpose purpose)
      : toks_(std::move(toks)), limits_(limits), hook_(hook), purpose_(purpose) {}

  Result<ParsedQuery> run() {
    Xapian::Query q;
    CHIRP_RETURN_IF_ERROR(or_expr(0, false, &q));
    if (peek().kind == Tok::kRParen) return Status::InvalidArgument("unbalanced parentheses: unexpected ')'");
    if (q.empty()) return Status::InvalidArgument("empty query: nothing to search for");
    out_.query = q;
    return std::move(out_);
  }

 private:
  const Token& peek() const { return toks_[pos_]; }
  const Token& take() { return toks_[pos_++]; }

  Status or_expr(int depth, bool negated, Xapian::Query* out) {
    std::vector<Xapian::Query> alts;
    if (peek().kind == Tok::kOr) return Status::InvalidArgument("OR needs a term on both sides");
    while (true) {
      Xapian::Query q;
      CHIRP_RETURN_IF_ERROR(and_expr(depth, negated, &q));
      if (!q.empty()) alts.push_back(q);
      if (peek().kind != Tok::kOr) break;
      take();
      if (peek().kind == Tok::kOr || peek().kind == Tok::kEnd || peek().kind == Tok::kRParen)
        return Status::InvalidArgument("OR needs a term on both sides");
    }
    if (alts.size() == 1) *out = alts[0];
    else if (!alts.empty()) *out = Xapian::Query(Xapian::Query::OP_OR, alts.begin(), alts.end());
    return Status::Ok();
  }

  Status and_expr(int depth, bool negated, Xapian::Query* out) {
    Group g;
    bool any = false;
    while (peek().kind == Tok::kWord || peek().kind == Tok::kPhrase || peek().kind == Tok::kLParen) {
      const Token t = take();
      bool neg = t.negated;
      bool eff_neg = negated != neg;  // highlight only what is wanted
      Xapian::Query q;
      bool is_filter = false;
      if (t.kind == Tok::kLParen) {
        if (depth + 1 > limits_.max_depth)
          return Status::InvalidArgument("too many nested parentheses (max " + std::to_string(limits_.max_depth) + ")");
        if (peek().kind == Tok::kRParen) return Status::InvalidArgument("empty parentheses '()'");
        CHIRP_RETURN_IF_ERROR(or_expr(depth + 1, eff_neg, &q));
        if (take().kind != Tok::kRParen) return Status::InvalidArgument("unbalanced parentheses: missing ')'");
      } else if (t.kind == Tok::kPhrase) {
        CHIRP_RETURN_IF_ERROR(phrase(t.text, eff_neg, &q));
      } else {
        CHIRP_RETURN_IF_ERROR(word(t.text, eff_neg, &q, &is_filter));
      }
      if (date_ && !neg) {  // since:/until: bound the group's one date window
        any = true;
        if (date_->since) g.since_ms = g.dated && g.since_ms != DateRangeSource::kUnbounded
                                           ? std::max(g.since_ms, date_->ms) : date_->ms;
        else g.until_ms = g.dated && g.until_ms != DateRangeSource::kUnbounded
                              ? std::min(g.until_ms, date_->ms) : date_->ms;
        g.dated = true;
        date_.reset();
        continue;
      }
      date_.reset();
      if (q.empty()) continue;  // e.g. a token of punctuation only
      any = true;
      // #tag @user $TAG are boolean terms (wdf 0): BM25 gives them 0, like operators.
      if (!is_filter && !entity_ && t.kind != Tok::kLParen) out_.weighted = true;
      entity_ = false;
      if (neg) g.excluded.push_back(q);
      else if (is_filter) g.filters.push_back(q);
      else g.scoring.push_back(q);
    }
    if (!any && peek().kind != Tok::kOr && peek().kind != Tok::kEnd && peek().kind != Tok::kRParen)
      return Status::InvalidArgument("unexpected '" + peek().text + "'");
    if (any) *out = g.build();
    // Exclusions alone stand on MatchAll: not known to weigh 0, so weighted.
    if (any && g.scoring.empty() && g.filters.empty() && !g.dated) out_.weighted = true;
    return Status::Ok();
  }

  Status count_terms(int n) {
    terms_ += n;
    if (terms_ > limits_.max_terms)
      return Status::InvalidArgument("query has too many terms (max " + std::to_string(limits_.max_terms) + ")");
    return Status::Ok();
  }

  Status phrase(const std::string& text, bool neg, Xapian::Query* out) {
    auto words = split_words(text);
    if (words.empty()) return Status::InvalidArgument("empty phrase \"\"");
    CHIRP_RETURN_IF_ERROR(count_terms(static_cast<int>(words.size())));
    if (!neg) for (auto& w : words) out_.highlight.words.insert(w);
    out_.has_free_text = true;
    if (words.size() == 1) *out = leaf(words[0]);  // quoted = exact form, no stemming
    else *out = phrase_query(words);
    return Status::Ok();
  }

  // A term leaf, through the hook if any.
  Xapian::Query leaf(const std::string& term) {
    return hook_ ? hook_->term(term, Xapian::Query(term)) : Xapian::Query(term);
  }

  // OP_PHRASE of `words`; with a hook, FILTER(AND(leaves), PHRASE) (see LeafHook).
  Xapian::Query phrase_query(const std::vector<std::string>& words) {
    Xapian::Query p(Xapian::Query::OP_PHRASE, words.begin(), words.end());
    if (!hook_) return p;
    std::vector<Xapian::Query> leaves;
    for (const auto& w : words) leaves.push_back(leaf(w));
    return Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(Xapian::Query::OP_AND, leaves.begin(), leaves.end()), p);
  }

  Status word(const std::string& raw, bool neg, Xapian::Query* out, bool* is_filter) {
    if (raw.size() > 1 && (raw[0] == '#' || raw[0] == '@' || raw[0] == '$')) {
      std::string v = schema::lower(raw.substr(1));
      if (raw[0] == '@' && !valid_username(raw.substr(1)))
        return Status::InvalidArgument("'" + raw + "' is not a valid @username");
      auto words = split_words(v);
      if (words.size() != 1 || v.find_first_of("*:") != std::string::npos)
        return Status::InvalidArgument("'" + raw + "' is not a valid " + (raw[0] == '#' ? "hashtag" : "cashtag"));
      CHIRP_RETURN_IF_ERROR(count_terms(1));
      const char* prefix = raw[0] == '#' ? schema::kHashtag : raw[0] == '@' ? schema::kMention : schema::kCashtag;
      if (!neg) (raw[0] == '#' ? out_.highlight.hashtags : raw[0] == '@' ? out_.highlight.mentions : out_.highlight.cashtags).insert(v);
      *out = Xapian::Query(prefix + v);
      entity_ = true;
      return Status::Ok();
    }
    size_t colon = raw.find(':');
    if (colon != std::string::npos && colon > 0 && raw.find("://") == std::string::npos) {
      *is_filter = true;
      return op(raw.substr(0, colon), raw.substr(colon + 1), out);
    }
    if (raw.size() > 1 && raw.back() == '*') {
      std::string stem = schema::lower(raw.substr(0, raw.size() - 1));
      auto words = split_words(stem);
      if (words.size() != 1 || words[0] != stem)
        return Status::InvalidArgument("'" + raw + "': a prefix search is letters or digits followed by one '*'");
      size_t code_points = 0;
      for (Xapian::Utf8Iterator it(stem); it != Xapian::Utf8Iterator(); ++it) ++code_points;
      if (code_points < 2)
        return Status::InvalidArgument("'" + raw + "': a prefix needs at least 2 characters");
      CHIRP_RETURN_IF_ERROR(count_terms(1));
      if (!neg) out_.highlight.prefixes.push_back(stem);
      out_.has_free_text = true;
      *out = Xapian::Query(Xapian::Query::OP_WILDCARD, stem, limits_.max_wildcard,
                           Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
      if (hook_) *out = hook_->wildcard(stem, *out);
      return Status::Ok();
    }
    if (raw.find('*') != std::string::npos)
      return Status::InvalidArgument("'" + raw + "': '*' is only allowed at the end of a word");
    auto words = split_words(raw);
    if (words.empty()) return Status::Ok();  // punctuation only: nothing to match
    CHIRP_RETURN_IF_ERROR(count_terms(static_cast<int>(words.size())));
    out_.has_free_text = true;
    if (words.size() > 1) {  // "e-mail", "don't": the parts in order, as indexed
      if (!neg) for (auto& w : words) out_.highlight.words.insert(w);
      *out = phrase_query(words);
      return Status::Ok();
    }
    const std::string& w = words[0];
    std::string stemmed = stemmer_(w);
    if (!neg) {
      out_.highlight.words.insert(w);
      out_.highlight.stems.insert(stemmed);
      out_.spell_words.push_back(w);
    }
    // The stem matches, the exact form adds its weight: a document with the
    // exact word scores higher than one matching only through the stem. Every
    // document holding the word also holds its stem, so AND_MAYBE matches and
    // scores exactly as OR would, but reads the exact form's postings only at
    // the stem's candidates instead of merging two posting lists.
    if (!indexed_with_stem(w)) {
      *out = leaf(w);
      return Status::Ok();
    }
    if (purpose_ == QueryPurpose::kMatching) *out = leaf("Z" + stemmed);
    else *out = Xapian::Query(Xapian::Query::OP_AND_MAYBE, leaf("Z" + stemmed), leaf(w));
    return Status::Ok();
  }

  Status op(const std::string& name, const std::string& value, Xapian::Query* out) {
    if (value.empty()) return Status::InvalidArgument("'" + name + ":' needs a value");
    CHIRP_RETURN_IF_ERROR(count_terms(1));
    if (name == "from" || name == "to") {
      std::string u = value[0] == '@' ? value.substr(1) : value;
      if (!valid_username(u)) return Status::InvalidArgument("'" + name + ":" + value + "': not a valid username");
      *out = Xapian::Query((name == "from" ? schema::kFrom : schema::kTo) + schema::lower(u));
      return Status::Ok();
    }
    if (name == "since" || name == "until") {
      auto ms = parse_day(value);
      if (!ms.ok()) return Status::InvalidArgument("'" + name + ":" + value + "': " + ms.status().message());
      // since: on or after that day 00:00 UTC; until: before that day (exclusive), as Twitter does.
      // A group merges its bounds into one window (date_); a negated bound stands alone.
      date_ = DateBound{name == "since", *ms};
      *out = name == "since" ? date_filter(*ms, DateRangeSource::kUnbounded)
                             : date_filter(DateRangeSource::kUnbounded, *ms);
      return Status::Ok();
    }
    if (name == "has") {
      if (value != "links" && value != "mentions" && value != "hashtags" && value != "cashtags")
        return Status::InvalidArgument("'has:" + value + "': expected has:links, has:mentions, has:hashtags or has:cashtags");
      *out = Xapian::Query(schema::kHas + value);
      return Status::Ok();
    }
    if (name == "is") {
      if (value != "reply") return Status::InvalidArgument("'is:" + value + "': only is:reply is supported");
      *out = Xapian::Query(std::string(schema::kHas) + "reply");
      return Status::Ok();
    }
    if (name == "lang") return Status::InvalidArgument("'lang:' is not supported: chirp does not detect languages");
    return Status::InvalidArgument("unknown operator '" + name +
                                   ":' (known: from: to: since: until: has: is:)");
  }

  struct DateBound {
    bool since;
    int64_t ms;
  };
  std::optional<DateBound> date_;  // set by op() for since:/until:, taken by and_expr()
  bool entity_ = false;            // set by word() for #tag @user $TAG, taken by and_expr()

  std::vector<Token> toks_;
  size_t pos_ = 0;
  QueryLimits limits_;
  LeafHook* hook_ = nullptr;
  QueryPurpose purpose_ = QueryPurpose::kRanking;
  int terms_ = 0;
  ParsedQuery out_;
  Xapian::Stem stemmer_{"english"};
};

}  // namespace

Result<int64_t> parse_day(std::string_view day) {
  auto digits = [&](size_t from, size_t n) {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(day[i]))) return -1;
      v = v * 10 + (day[i] - '0');
    }
    return v;
  };
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return Status::InvalidArgument("expected a date as YYYY-MM-DD");
  int year = digits(0, 4), month = digits(5, 2), mday = digits(8, 2);
  if (year < 0 || month < 0 || mday < 0) return Status::InvalidArgument("expected a date as YYYY-MM-DD");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = mday;
  std::time_t t = timegm(&tm);
  // timegm normalises 2026-02-30 to March: reject anything that moved.
  if (tm.tm_year != year - 1900 || tm.tm_mon != month - 1 || tm.tm_mday != mday)
    return Status::InvalidArgument("no such date");
  return static_cast<int64_t>(t) * 1000;
}

Result<ParsedQuery> parse_query(std::string_view q, const QueryLimits& limits, LeafHook* hook, QueryPurpose purpose) {
  if (q.size() > limits.max_bytes)
    return Status::InvalidArgument("query too long (max " + std::to_string(limits.max_bytes) + " bytes)");
  try {
    std::vector<Token> toks;
    CHIRP_RETURN_IF_ERROR(lex(q, &toks));
    return Parser(std::move(toks), limits, hook, purpose).run();
  } catch (const Xapian::Error& e) {
    return Status::InvalidArgument("could not parse query: " + e.get_msg());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("could not parse query: ") + e.what());
  }
}

}  // namespace chirp::search
