// The index schema: term prefixes and value slots shared by the document
// builder, the query parser and the searcher. Changing any of these changes
// the on-disk format: bump kFormatVersion so old indexes are rebuilt.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chirp/search/types.h"

namespace chirp::search::schema {

// 2: kDateSkew; 3: wdf = BM25 impact (impact_weight.h); 4: the tweet record in
// kSlotRecord (varint-encoded) instead of the document data; 5: the spelling
// data in its own database (kSpellingDir), not in the index's spelling table.
inline constexpr int kFormatVersion = 5;

// The did-you-mean data: a spelling-only glass database in this folder inside
// the index folder (so a bulk swap, one rename of the index folder, swaps it
// too). Its own database because a bulk load then builds it on one core while
// the other compacts the documents (glass writes spelling data at commit, and
// the compaction would re-inflate and re-deflate it again), instead of before.
inline constexpr char kSpellingDir[] = "spelling";

// Term prefixes (Xapian convention: upper-case, boolean terms lower-cased after it).
inline constexpr char kId[] = "Q";        // Q<tweet id>: unique, identifies the document
inline constexpr char kAuthor[] = "A";    // A<author id>: for deleting a user's tweets
inline constexpr char kFrom[] = "XF";     // XF<lower username>
inline constexpr char kTo[] = "XT";       // XT<lower replied-to username>
inline constexpr char kHashtag[] = "XH";  // XH<lower tag>
inline constexpr char kMention[] = "XM";  // XM<lower username>
inline constexpr char kCashtag[] = "XC";  // XC<lower tag>
inline constexpr char kHas[] = "XK";      // XKlinks XKmentions XKhashtags XKcashtags XKreply
// On a tweet whose created_at is on another UTC day than its id's millisecond
// (date_range_source.h: such tweets are filtered by value, not by docid).
inline constexpr char kDateSkew[] = "XS";
// Free text: unprefixed exact lower-case words with positions, "Z"+stem without;
// each with its quantized BM25 impact as wdf (impact_weight.h), not its count.

// Value slots.
inline constexpr Xapian::valueno kSlotCreatedAt = 0;  // sortable_serialise(created_at_ms)
inline constexpr Xapian::valueno kSlotAuthor = 1;     // 8-byte big-endian author id
inline constexpr Xapian::valueno kSlotReplyTo =
    2;                                            // 8-byte big-endian in_reply_to_id (absent if 0)
inline constexpr Xapian::valueno kSlotOrder = 3;  // 4-byte big-endian docid: recent-first order key
inline constexpr Xapian::valueno kSlotTweetId = 4;  // 8-byte big-endian tweet id
inline constexpr Xapian::valueno kSlotDay = 5;      // "YYYY-MM-DD" UTC, for counts
// The tweet record (encode_tweet), what a hit shows. A value, not the
// document data: glass zlib-compresses document data, so each write paid a
// deflate (zlib was 15% of the index builders' CPU in a perf profile of a
// 200k import, termlists included) and each hit read an inflate; values live
// uncompressed in the postlist table.
inline constexpr Xapian::valueno kSlotRecord = 6;

// A word gets did-you-mean spelling data once it has been seen this many
// times (BulkLoad counts the load's tweets holding it; the writer, a second
// tweet or a second occurrence): one-off words (typos, random strings) never
// enter the spelling table.
inline constexpr Xapian::termcount kMinSpellingFreq = 2;

// Metadata keys, written in the same commit as the documents they describe.
inline constexpr char kMetaFormat[] = "chirp.format";
inline constexpr char kMetaLastSeq[] = "chirp.last_seq";
inline constexpr char kMetaAllocator[] = "chirp.docid_allocator";

std::string be64(uint64_t v);
uint64_t from_be64(const std::string& s);
std::string be32(uint32_t v);
uint32_t from_be32(const std::string& s);
std::string lower(const std::string& utf8);
std::string utc_day(int64_t ms);        // "YYYY-MM-DD"
int64_t id_time_ms(uint64_t tweet_id);  // the Unix ms in a snowflake id (41 bits since 2020-01-01)
bool date_skewed(const TweetDocument& t);     // created_at on another UTC day than id_time_ms(id)
std::string id_term(uint64_t tweet_id);       // "Q<id>"
std::string author_term(uint64_t author_id);  // "A<id>"

// Serialises a tweet into its record (kSlotRecord) and back: varints and
// length-prefixed strings; decode_tweet is false on any malformed record.
std::string encode_tweet(const TweetDocument& t);
bool decode_tweet(const std::string& data, TweetDocument* out);

// Whether a term carries a prefix (an upper-case first byte: stems, ids,
// authors, entities); the text's plain words have none.
inline bool is_prefixed(std::string_view term) {
  return !term.empty() && term[0] >= 'A' && term[0] <= 'Z';
}

// Builds the Xapian document for a tweet, with `order_docid` in kSlotOrder.
// `tg` is reused across calls (it carries the stemmer and, on disk, the
// spelling database). Free-text terms get their BM25 impact as wdf
// (impact_weight.h). With `words`, the text's distinct unprefixed words are
// appended to it, each with its number of occurrences (the writer's spelling
// data).
Xapian::Document build_document(
    const TweetDocument& t, uint32_t order_docid, Xapian::TermGenerator& tg,
    std::vector<std::pair<std::string, Xapian::termcount>>* words = nullptr);

// A TermGenerator configured as the index expects (English, STEM_SOME).
Xapian::TermGenerator make_term_generator();

}  // namespace chirp::search::schema
