// since: / until: as a docid range instead of a created_at read per match.
//
// On disk the live docid region is allocated so that ascending docid =
// descending tweet id (docid_allocator.h), and a snowflake id carries its
// creation millisecond. A date window [from_ms, to_ms) at UTC day bounds is
// then one docid interval of the live region, found by two binary searches
// over the tweet-id value stream (a few dozen value reads per search, not one
// per match). Inside it the source only steps between existing documents, so
// the other half of a FILTER skips straight to the window and the AND ends
// where the window does.
//
// Exactness: the interval holds the tweets whose *id* day is in the window.
// A tweet whose created_at falls on another UTC day than its id's millisecond
// (possible only for a writer that does not stamp created_at from the id's
// clock; chirp's engine does) carries the term schema::kDateSkew, and
// date_filter() below excludes those from the source and tests them by their
// created_at value instead. Docids above kLiveTop (out-of-order imports) and
// indexes without docid allocator metadata (the memory index, whose docids
// follow arrival) are tested by their created_at value here as well.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include <xapian.h>

#include "live_window_source.h"
#include "schema.h"

namespace chirp::search {

class DateRangeSource : public LiveWindowSource {
 public:
  static constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kDayMs = 86'400'000;

  // Matches created_at in [from_ms, to_ms); kUnbounded for an open end.
  DateRangeSource(int64_t from_ms, int64_t to_ms)
      : LiveWindowSource(schema::kSlotCreatedAt), from_ms_(from_ms), to_ms_(to_ms) {}

  void init(const Xapian::Database& db) override {
    // By docid only where the bounds are whole UTC days (what the query
    // language produces): an id's day is then its created_at's day.
    start(db, day_aligned(from_ms_) && day_aligned(to_ms_));
    if (ordered_ && live_last_ > 0) {
      // Docids at or after lo_ are older than to_ms; at or after hi_ older than from_ms.
      if (to_ms_ != kUnbounded) lo_ = first_live_docid([&](uint64_t id) { return id_ms(id) < to_ms_; });
      if (from_ms_ != kUnbounded) hi_ = first_live_docid([&](uint64_t id) { return id_ms(id) < from_ms_; });
    }
    est_ = ordered_ ? window_size() : doccount_ / 2;
    max_ = ordered_ ? est_ : doccount_;
  }

  DateRangeSource* clone() const override { return new DateRangeSource(from_ms_, to_ms_); }
  std::string name() const override { return "chirp.DateRangeSource"; }
  std::string get_description() const override {
    return "chirp.DateRangeSource(" + std::to_string(from_ms_) + ", " + std::to_string(to_ms_) + ")";
  }

 private:
  static bool day_aligned(int64_t ms) { return ms == kUnbounded || ms % kDayMs == 0; }

  static int64_t id_ms(uint64_t tweet_id) { return schema::id_time_ms(tweet_id); }

  bool value_matches(const std::string& created_at) const override {
    const auto ms = static_cast<int64_t>(Xapian::sortable_unserialise(created_at));
    return (from_ms_ == kUnbounded || ms >= from_ms_) && (to_ms_ == kUnbounded || ms < to_ms_);
  }

  int64_t from_ms_, to_ms_;
};

// The query for created_at in [from_ms, to_ms) (kUnbounded: open end), exact
// on any database: the docid window for ordinary documents, the created_at
// value for those marked schema::kDateSkew.
inline Xapian::Query date_filter(int64_t from_ms, int64_t to_ms) {
  const bool has_from = from_ms != DateRangeSource::kUnbounded, has_to = to_ms != DateRangeSource::kUnbounded;
  Xapian::Query by_value;
  if (has_from && has_to)
    by_value = Xapian::Query(Xapian::Query::OP_VALUE_RANGE, schema::kSlotCreatedAt,
                             Xapian::sortable_serialise(static_cast<double>(from_ms)),
                             Xapian::sortable_serialise(static_cast<double>(to_ms - 1)));
  else if (has_from)
    by_value = Xapian::Query(Xapian::Query::OP_VALUE_GE, schema::kSlotCreatedAt,
                             Xapian::sortable_serialise(static_cast<double>(from_ms)));
  else if (has_to)
    by_value = Xapian::Query(Xapian::Query::OP_VALUE_LE, schema::kSlotCreatedAt,
                             Xapian::sortable_serialise(static_cast<double>(to_ms - 1)));
  else
    return Xapian::Query::MatchAll;
  Xapian::Query skew(schema::kDateSkew);
  auto* source = new DateRangeSource(from_ms, to_ms);
  return Xapian::Query(Xapian::Query::OP_OR,
                       Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query(source->release()), skew),
                       Xapian::Query(Xapian::Query::OP_FILTER, skew, by_value));
}

}  // namespace chirp::search
