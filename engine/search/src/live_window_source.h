// The stepping shared by the posting sources that turn a condition on the
// tweet's time into a docid window (DateRangeSource, IdCeilingSource).
//
// On disk the live docid region is allocated so that ascending docid =
// descending tweet id (docid_allocator.h), and a snowflake id carries its
// creation millisecond: a condition that is monotone in the id holds for one
// docid interval [lo, hi) of the live region, found by a binary search over
// the tweet-id value stream (first_live_docid). Inside it the source steps
// only between existing documents, so the other half of a FILTER or AND skips
// straight to the window and ends with it. Docids above kLiveTop
// (out-of-order imports), and indexes without docid allocator metadata (the
// memory index, whose docids follow arrival) or a condition the window cannot
// express, are tested by value instead (value_matches on `value_slot`).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include <xapian.h>

#include "docid_allocator.h"
#include "schema.h"

namespace chirp::search {

class LiveWindowSource : public Xapian::PostingSource {
 public:
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return est_; }
  Xapian::doccount get_termfreq_max() const override { return max_; }

  void next(double) override {
    if (ended_) return;
    pending_ = false;
    if (!started_) {
      started_ = true;
      advance_to(1);
    } else if (cur_ == std::numeric_limits<Xapian::docid>::max()) {
      ended_ = true;
    } else {
      advance_to(cur_ + 1);
    }
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

  // `did` exists (the caller's contract): in the live region the window decides.
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

  // The window found by init() (for tests): [lo, hi) in the live region.
  Xapian::docid window_lo() const { return lo_; }
  Xapian::docid window_hi() const { return hi_; }
  bool ordered() const { return ordered_; }

 protected:
  explicit LiveWindowSource(Xapian::valueno value_slot) : value_slot_(value_slot) {}

  // Does a document outside the window (by its value in value_slot) match?
  virtual bool value_matches(const std::string& value) const = 0;

  // The start of every init(): a fresh cursor on `db`, the whole live region
  // as the window. `by_docid`: the subclass's condition can be a window.
  void start(const Xapian::Database& db, bool by_docid) {
    db_ = db;
    live_it_ = value_it_ = Xapian::ValueIterator();
    live_open_ = value_open_ = started_ = ended_ = pending_ = false;
    cur_ = 0;
    last_ = db_.get_lastdocid();
    doccount_ = db_.get_doccount();
    ordered_ = by_docid && !db_.get_metadata(schema::kMetaAllocator).empty();
    live_last_ = std::min<Xapian::docid>(last_, DocidAllocator::kLiveTop);
    out_of_order_ = last_ > DocidAllocator::kLiveTop;
    lo_ = 1;
    hi_ = live_last_ + 1;
  }

  // The smallest docid B in [1, live_last_ + 1] such that every live document
  // at or after B has a tweet id for which `past` holds and none before B
  // does (`past` must be monotone: true for all ids below some bound).
  template <typename Past>
  Xapian::docid first_live_docid(Past past) const {
    Xapian::docid hi = live_last_ + 1;
    Xapian::ValueIterator first = db_.valuestream_begin(schema::kSlotTweetId);
    if (first == Xapian::ValueIterator()) return hi;
    Xapian::docid lo = std::min<Xapian::docid>(first.get_docid(), hi);
    while (lo < hi) {
      Xapian::docid mid = lo + (hi - lo) / 2;
      Xapian::ValueIterator it = db_.valuestream_begin(schema::kSlotTweetId);
      it.skip_to(mid);
      if (it == Xapian::ValueIterator() || it.get_docid() > live_last_) {
        hi = mid;  // no live document at or after mid
        continue;
      }
      if (past(schema::from_be64(*it))) hi = mid;
      else lo = it.get_docid() + 1;
    }
    return lo;
  }

  // Documents in the window plus the out-of-order ones (an upper bound).
  Xapian::doccount window_size() const {
    Xapian::doccount n = hi_ > lo_ ? hi_ - lo_ : 0;
    if (out_of_order_) n += last_ - DocidAllocator::kLiveTop;
    return std::min(n, doccount_);
  }

  Xapian::Database db_;
  bool ordered_ = false, out_of_order_ = false;
  Xapian::docid last_ = 0, live_last_ = 0, lo_ = 1, hi_ = 1;
  Xapian::doccount doccount_ = 0, est_ = 0, max_ = 0;

 private:
  // Positions on the first match at or after `did`, or at the end.
  void advance_to(Xapian::docid did) {
    if (ordered_) {
      if (did < lo_) did = lo_;
      if (did < hi_ && did <= live_last_) {
        if (!live_open_) {
          live_it_ = db_.valuestream_begin(schema::kSlotTweetId);
          live_open_ = true;
        }
        if (live_it_ != Xapian::ValueIterator() && live_it_.get_docid() < did) live_it_.skip_to(did);
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
      value_it_ = db_.valuestream_begin(value_slot_);
      value_open_ = true;
    }
    if (value_it_ != Xapian::ValueIterator() && value_it_.get_docid() < did) value_it_.skip_to(did);
    while (value_it_ != Xapian::ValueIterator() && !value_matches(*value_it_)) ++value_it_;
    if (value_it_ == Xapian::ValueIterator()) {
      ended_ = true;
      return;
    }
    cur_ = value_it_.get_docid();
  }

  Xapian::valueno value_slot_;
  Xapian::ValueIterator live_it_, value_it_;
  bool live_open_ = false, value_open_ = false;
  bool started_ = false, ended_ = false, pending_ = false;
  Xapian::docid cur_ = 0;
};

}  // namespace chirp::search
