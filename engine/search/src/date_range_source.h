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

#include "docid_allocator.h"
#include "schema.h"

namespace chirp::search {

class DateRangeSource : public Xapian::PostingSource {
 public:
  static constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kDayMs = 86'400'000;

  // Matches created_at in [from_ms, to_ms); kUnbounded for an open end.
  DateRangeSource(int64_t from_ms, int64_t to_ms) : from_ms_(from_ms), to_ms_(to_ms) {}

  void init(const Xapian::Database& db) override {
    db_ = db;
    started_ = ended_ = pending_ = false;
    cur_ = 0;
    live_it_ = Xapian::ValueIterator();
    value_it_ = Xapian::ValueIterator();
    live_open_ = value_open_ = false;
    Xapian::docid last = db_.get_lastdocid();
    doccount_ = db_.get_doccount();
    // By docid only where docids are allocated by time (the disk index) and
    // the bounds are whole UTC days (what the query language produces).
    ordered_ = !db_.get_metadata(schema::kMetaAllocator).empty() && day_aligned(from_ms_) && day_aligned(to_ms_);
    live_last_ = std::min<Xapian::docid>(last, DocidAllocator::kLiveTop);
    out_of_order_ = last > DocidAllocator::kLiveTop;
    lo_ = 1;
    hi_ = live_last_ + 1;
    if (ordered_ && live_last_ > 0) {
      Xapian::ValueIterator first = db_.valuestream_begin(schema::kSlotTweetId);
      first_ = first == db_.valuestream_end(schema::kSlotTweetId)
                   ? live_last_ + 1
                   : std::min<Xapian::docid>(first.get_docid(), live_last_ + 1);
      // Docids at or after lo_ are older than to_ms; at or after hi_ older than from_ms.
      if (to_ms_ != kUnbounded) lo_ = first_older_than(to_ms_);
      if (from_ms_ != kUnbounded) hi_ = first_older_than(from_ms_);
    }
    Xapian::doccount est = 0;
    if (!ordered_) {
      est = doccount_ / 2;
    } else {
      if (hi_ > lo_) est += hi_ - lo_;
      if (out_of_order_) est += last - DocidAllocator::kLiveTop;
    }
    est_ = std::min(est, doccount_);
  }

  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return est_; }
  Xapian::doccount get_termfreq_max() const override { return ordered_ ? est_ : doccount_; }

  void next(double) override {
    if (ended_) return;
    pending_ = false;
    if (!started_) {
      started_ = true;
      advance_to(1);
      return;
    }
    if (cur_ == std::numeric_limits<Xapian::docid>::max()) {
      ended_ = true;
      return;
    }
    advance_to(cur_ + 1);
  }

  void skip_to(Xapian::docid did, double) override {
    if (ended_) return;
    if (pending_) {  // after a failed check(cur_): the next match is past it
      pending_ = false;
      if (did <= cur_) {
        next(0);
        return;
      }
    }
    if (started_ && did <= cur_) return;
    started_ = true;
    advance_to(did);
  }

  // `did` exists (the caller's contract): in the live window that is enough.
  bool check(Xapian::docid did, double) override {
    if (ended_) return true;
    if (pending_ && did <= cur_) return false;  // cur_ itself was found not to match
    if (!pending_ && started_ && did <= cur_) return true;
    started_ = true;
    pending_ = false;
    if (ordered_ && did <= DocidAllocator::kLiveTop) {
      cur_ = did;
      if (did >= lo_ && did < hi_ && did <= live_last_) return true;
      pending_ = true;  // an indeterminate position: next()/skip_to() go past did
      return false;
    }
    advance_to(did);
    return true;
  }

  bool at_end() const override { return ended_; }
  Xapian::docid get_docid() const override { return cur_; }

  DateRangeSource* clone() const override { return new DateRangeSource(from_ms_, to_ms_); }
  std::string name() const override { return "chirp.DateRangeSource"; }
  std::string get_description() const override {
    return "chirp.DateRangeSource(" + std::to_string(from_ms_) + ", " + std::to_string(to_ms_) + ")";
  }

  // The docid window found by init() (for tests): [lo, hi) in the live region.
  Xapian::docid window_lo() const { return lo_; }
  Xapian::docid window_hi() const { return hi_; }
  bool ordered() const { return ordered_; }

 private:
  static bool day_aligned(int64_t ms) { return ms == kUnbounded || ms % kDayMs == 0; }

  static int64_t id_ms(uint64_t tweet_id) { return schema::id_time_ms(tweet_id); }

  bool in_range(int64_t created_ms) const {
    return (from_ms_ == kUnbounded || created_ms >= from_ms_) && (to_ms_ == kUnbounded || created_ms < to_ms_);
  }

  // The smallest docid B in [1, live_last_ + 1] such that every live document
  // at or after B has an id older than `ms` and every one before B does not.
  Xapian::docid first_older_than(int64_t ms) {
    Xapian::docid lo = first_, hi = live_last_ + 1;
    while (lo < hi) {
      Xapian::docid mid = lo + (hi - lo) / 2;
      Xapian::ValueIterator it = db_.valuestream_begin(schema::kSlotTweetId);
      it.skip_to(mid);
      if (it == db_.valuestream_end(schema::kSlotTweetId) || it.get_docid() > live_last_) {
        hi = mid;  // no live document at or after mid
        continue;
      }
      Xapian::docid found = it.get_docid();
      if (id_ms(schema::from_be64(*it)) < ms) hi = mid;
      else lo = found + 1;
    }
    return lo;
  }

  // Positions on the first match at or after `did`, or at the end.
  void advance_to(Xapian::docid did) {
    if (ordered_) {
      if (did < lo_) did = lo_;
      if (did < hi_ && did <= live_last_) {
        if (!live_open_) {
          live_it_ = db_.valuestream_begin(schema::kSlotTweetId);
          live_open_ = true;
        }
        if (live_it_ != Xapian::ValueIterator() && (live_it_.get_docid() < did)) live_it_.skip_to(did);
        if (live_it_ != Xapian::ValueIterator() && live_it_.get_docid() < hi_ && live_it_.get_docid() <= live_last_) {
          cur_ = live_it_.get_docid();
          return;
        }
      }
      if (!out_of_order_) {
        ended_ = true;
        return;
      }
      if (did <= DocidAllocator::kLiveTop) did = DocidAllocator::kLiveTop + 1;
    }
    if (!value_open_) {
      value_it_ = db_.valuestream_begin(schema::kSlotCreatedAt);
      value_open_ = true;
    }
    if (value_it_ != Xapian::ValueIterator() && value_it_.get_docid() < did) value_it_.skip_to(did);
    while (value_it_ != Xapian::ValueIterator() &&
           !in_range(static_cast<int64_t>(Xapian::sortable_unserialise(*value_it_))))
      ++value_it_;
    if (value_it_ == Xapian::ValueIterator()) {
      ended_ = true;
      return;
    }
    cur_ = value_it_.get_docid();
  }

  int64_t from_ms_, to_ms_;
  Xapian::Database db_;
  bool ordered_ = false, out_of_order_ = false;
  Xapian::docid live_last_ = 0, lo_ = 1, hi_ = 1, first_ = 1;
  Xapian::doccount doccount_ = 0, est_ = 0;
  Xapian::ValueIterator live_it_, value_it_;
  bool live_open_ = false, value_open_ = false;
  bool started_ = false, ended_ = false, pending_ = false;
  Xapian::docid cur_ = 0;
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
