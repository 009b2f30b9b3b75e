#include <catch2/catch.hpp>

#include "chirp/search/query.h"

using chirp::Code;
using chirp::search::parse_query;
using chirp::search::QueryLimits;

namespace {

std::string describe(const std::string& q) {
  auto r = parse_query(q);
  INFO("query: " << q << " -> " << (r.ok() ? "" : r.status().message()));
  REQUIRE(r.ok());
  return r->query.get_description();
}

void require_invalid(const std::string& q, const std::string& fragment, const QueryLimits& limits = {}) {
  auto r = parse_query(q, limits);
  INFO("query: " << q);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().code() == Code::kInvalidArgument);
  REQUIRE_THAT(r.status().message(), Catch::Contains(fragment));
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("parser: words match by stem, the exact form adds weight", "[search][parser]") {
  std::string d = describe("Running");
  CHECK(contains(d, "Zrun AND_MAYBE running"));
  // The indexer stems only words starting with a letter: no Z term to ask for.
  CHECK(describe("2020") == "Query(2020)");
  CHECK(describe("_x") == "Query(_x)");
  CHECK(contains(describe("Éclair"), "Zéclair AND_MAYBE éclair"));
  auto r = parse_query("Running dogs");
  REQUIRE(r.ok());
  CHECK(r->highlight.words.count("running"));
  CHECK(r->highlight.stems.count("run"));
  CHECK(r->spell_words == std::vector<std::string>{"running", "dogs"});
  CHECK(contains(r->query.get_description(), "AND"));
}

TEST_CASE("parser: a query for matching only (sort=recent, counts) asks for the stem alone", "[search][parser]") {
  auto describe_matching = [](const std::string& q) {
    auto r = parse_query(q, {}, nullptr, chirp::search::QueryPurpose::kMatching);
    REQUIRE(r.ok());
    return r->query.get_description();
  };
  CHECK(describe_matching("Running") == "Query(Zrun)");
  CHECK(describe_matching("2020") == "Query(2020)");  // not stemmed when indexed: the exact term
  std::string d = describe_matching("running \"brown fox\" -dogs jump*");
  CHECK_FALSE(contains(d, "AND_MAYBE"));
  CHECK_FALSE(contains(d, "running"));
  CHECK(contains(d, "(brown PHRASE 2 fox)"));  // phrases keep their exact words (positions)
  CHECK(contains(d, "Zdog"));
  CHECK(contains(d, "WILDCARD"));
  // Highlighting and spelling still see the typed words.
  auto r = parse_query("Running", {}, nullptr, chirp::search::QueryPurpose::kMatching);
  REQUIRE(r.ok());
  CHECK(r->highlight.words.count("running"));
  CHECK(r->highlight.stems.count("run"));
  CHECK(r->spell_words == std::vector<std::string>{"running"});
}

TEST_CASE("parser: phrases, exclusion, OR and parentheses", "[search][parser]") {
  CHECK(contains(describe("\"quick brown fox\""), "PHRASE 3"));
  std::string d = describe("cats -dogs");
  CHECK(contains(d, "AND_NOT"));
  CHECK(contains(d, "dogs"));
  auto r = parse_query("cats -dogs");
  REQUIRE(r.ok());
  CHECK_FALSE(r->highlight.words.count("dogs"));  // excluded terms are not highlighted
  CHECK(contains(describe("cats OR dogs"), " OR "));
  d = describe("(cats OR dogs) -(fish OR birds)");
  CHECK(contains(d, "AND_NOT"));
  CHECK(contains(d, "fish"));
  CHECK(contains(describe("-\"bad news\" good"), "PHRASE 2"));
  CHECK(contains(describe("-spam"), "<alldocuments>"));  // only exclusions: everything else
}

TEST_CASE("parser: entity and field operators", "[search][parser]") {
  CHECK(contains(describe("#CppCon"), "XHcppcon"));
  CHECK(contains(describe("@Alice_1"), "XMalice_1"));
  CHECK(contains(describe("$AAPL"), "XCaapl"));
  CHECK(contains(describe("from:Alice"), "XFalice"));
  CHECK(contains(describe("from:@alice"), "XFalice"));
  CHECK(contains(describe("to:bob"), "XTbob"));
  CHECK(contains(describe("since:2026-01-02"), "VALUE_GE 0"));
  CHECK(contains(describe("until:2026-01-02"), "VALUE_LE 0"));
  CHECK(contains(describe("has:links"), "XKlinks"));
  CHECK(contains(describe("has:mentions"), "XKmentions"));
  CHECK(contains(describe("has:hashtags"), "XKhashtags"));
  CHECK(contains(describe("is:reply"), "XKreply"));
  CHECK(contains(describe("hello from:alice"), "FILTER"));  // operators filter, they do not score
  CHECK(contains(describe("hel*"), "WILDCARD"));
  CHECK(contains(describe("e-mail"), "PHRASE 2"));
}

TEST_CASE("parser: dates are real calendar days", "[search][parser]") {
  auto ms = chirp::search::parse_day("2020-01-01");
  REQUIRE(ms.ok());
  CHECK(*ms == 1577836800000);
  CHECK_FALSE(chirp::search::parse_day("2026-02-30").ok());
  CHECK_FALSE(chirp::search::parse_day("2026-13-01").ok());
  CHECK_FALSE(chirp::search::parse_day("26-01-01").ok());
}

TEST_CASE("parser: malformed queries are InvalidArgument with a clear message", "[search][parser]") {
  require_invalid("", "empty query");
  require_invalid("   ", "empty query");
  require_invalid("(cats", "missing ')'");
  require_invalid("cats)", "unexpected ')'");
  require_invalid("()", "empty parentheses");
  require_invalid("\"open phrase", "unclosed quote");
  require_invalid("\"\"", "empty phrase");
  require_invalid("OR cats", "OR needs a term");
  require_invalid("cats OR", "OR needs a term");
  require_invalid("cats OR OR dogs", "OR needs a term");
  require_invalid("cats -", "'-' must be followed");
  require_invalid("--cats", "'--'");
  require_invalid("foo:bar", "unknown operator 'foo:'");
  require_invalid("from:", "needs a value");
  require_invalid("from:not-a-user!", "not a valid username");
  require_invalid("from:waytoolongusername123", "not a valid username");
  require_invalid("since:2026-02-30", "no such date");
  require_invalid("until:yesterday", "YYYY-MM-DD");
  require_invalid("has:pictures", "has:links");
  require_invalid("is:retweet", "is:reply");
  require_invalid("lang:en", "not supported");
  require_invalid("a*", "at least 2");
  require_invalid("*", "only allowed at the end");
  require_invalid("fo*o", "only allowed at the end");
  require_invalid("@bad-name", "valid @username");
}

TEST_CASE("parser: caps on length, terms and nesting", "[search][parser]") {
  require_invalid(std::string(513, 'a'), "too long");
  CHECK(parse_query(std::string(508, 'a') + " cat").ok());  // over-long words are dropped, as indexed
  std::string many;
  for (int i = 0; i < 33; ++i) many += "w" + std::to_string(i) + " ";
  require_invalid(many, "too many terms");
  std::string deep = "x";
  for (int i = 0; i < 9; ++i) deep = "(" + deep + " y)";
  require_invalid(deep, "nested");
  std::string ok_deep = "x";
  for (int i = 0; i < 8; ++i) ok_deep = "(" + ok_deep + ")";
  CHECK(parse_query(ok_deep).ok());
  QueryLimits tight;
  tight.max_terms = 2;
  require_invalid("\"one two three\"", "too many terms", tight);
}

TEST_CASE("parser: hostile inputs never crash", "[search][parser]") {
  const char* inputs[] = {"((((((", "))))", "\"\"\"", "-(", "-)", "OR", "- - -", "#", "@", "$", "::::",
                          "from:from:x", "\xff\xfe\xfd", "caf\xc3\xa9 na\xc3\xafve", "http://example.com/x",
                          "a OR (b OR (c -d))", "#\xe6\x97\xa5\xe6\x9c\xac"};
  for (const char* q : inputs) {
    auto r = parse_query(q);
    if (!r.ok()) CHECK(r.status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("parser: weighted tells operator-only queries apart", "[search][parser]") {
  // Operator-only queries are ranked by the recency boost alone (searcher.cc):
  // any term BM25 weighs must set `weighted`.
  for (const char* q : {"word", "\"two words\"", "pre*", "#tag word", "@someone pre*", "-word", "-from:alice", "-#tag",
                        "from:alice word", "from:alice OR word", "(word) from:alice"}) {
    auto p = parse_query(q);
    REQUIRE(p.ok());
    CHECK(p->weighted);
  }
  // #tag @user $TAG are boolean terms (wdf 0): BM25 weighs them 0 as well.
  for (const char* q : {"from:alice", "to:bob since:2026-01-01", "has:links is:reply", "(from:alice OR from:bob)",
                        "#tag", "@someone", "$CASH", "#tag from:alice", "#a OR @b",
                        "until:2026-02-01"}) {
    auto p = parse_query(q);
    INFO(q);
    REQUIRE(p.ok());
    CHECK_FALSE(p->weighted);
  }
}
