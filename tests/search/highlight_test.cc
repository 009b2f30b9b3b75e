#include <catch2/catch.hpp>

#include "chirp/search/highlight.h"
#include "test_util.h"

using namespace chirp::search;

TEST_CASE("highlight: matched words, stems, prefixes and entities", "[search][highlight]") {
  auto t = testing::tweet(testing::kEpoch2020Ms, 1, 1, "alice", "Runners run fast #Marathon with @bob today");
  auto q = parse_query("run #marathon @bob tod*");
  REQUIRE(q.ok());
  Ranges r = find_highlights(t, q->highlight);
  // "Runners" stems to "runner", not "run": only the exact / same-stem words.
  CHECK(r == Ranges{{8, 11}, {17, 26}, {32, 36}, {37, 42}});
  CHECK(highlight(t.text, r, "[", "]") == "Runners [run] fast [#Marathon] with [@bob] [today]");
}

TEST_CASE("highlight: code-point offsets in non-ASCII text", "[search][highlight]") {
  auto t = testing::tweet(testing::kEpoch2020Ms, 1, 1, "alice", "caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e");
  auto q = parse_query("cr\xc3\xa8me");
  REQUIRE(q.ok());
  Ranges r = find_highlights(t, q->highlight);
  CHECK(r == Ranges{{5, 10}});
  CHECK(highlight(t.text, r) == "caf\xc3\xa9 <em>cr\xc3\xa8me</em> br\xc3\xbbl\xc3\xa9" "e");
}

TEST_CASE("highlight: excluded words are not marked", "[search][highlight]") {
  auto t = testing::tweet(testing::kEpoch2020Ms, 1, 1, "alice", "cats and dogs");
  auto q = parse_query("cats -dogs");
  REQUIRE(q.ok());
  CHECK(find_highlights(t, q->highlight) == Ranges{{0, 4}});
}

TEST_CASE("highlight: the words skipped without stemming cannot share a query stem", "[search][highlight]") {
  // Words are stemmed only when they start with a query stem's first two
  // bytes; the English stemmer's exceptions dying/lying/tying (die, lie, tie)
  // change the second byte, and one-letter stems and words still match.
  auto t = testing::tweet(testing::kEpoch2020Ms, 1, 1, "alice",
                          "Dying plants, lying cats, tying knots: a die, a lie, a tie; I ran, Running");
  auto q = parse_query("die lie tie a running");
  REQUIRE(q.ok());
  CHECK(highlight(t.text, find_highlights(t, q->highlight), "[", "]") ==
        "[Dying] plants, [lying] cats, [tying] knots: [a] [die], [a] [lie], [a] [tie]; I ran, [Running]");
  // Words starting with the right byte but another second byte stay unmarked.
  auto t2 = testing::tweet(testing::kEpoch2020Ms, 1, 1, "alice", "dice dread lies lied lie");
  auto q2 = parse_query("lie");
  REQUIRE(q2.ok());
  CHECK(highlight(t2.text, find_highlights(t2, q2->highlight), "[", "]") == "dice dread [lies] [lied] [lie]");
}
