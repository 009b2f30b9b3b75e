// Tweet id <= max_id: the snapshot bound of later relevance pages on disk.
// In the live docid region ascending docid = descending tweet id
// (docid_allocator.h), so the tweets at or below max_id are the live docids
// from one boundary on, found by a binary search over the tweet-id value
// stream; past it the source only steps between existing documents, and
// before it the other half of the AND skips straight to it. Out-of-order
// docids, and an index without allocator metadata (the memory index), are
// tested by their tweet-id value. Replaces OP_VALUE_LE on the id slot, which
// reads one value per match.
#pragma once

#include <algorithm>
#include <limits>
#include <string>

#include <xapian.h>

#include "docid_allocator.h"
#include "schema.h"

namespace chirp::search {

class IdCeilingSource : public Xapian::PostingSource {
 public:
  explicit IdCeilingSource(uint64_t max_id) : max_id_(max_id) {}

  void init(const Xapian::Database& db) override {
    db_ = db;
    live_it_ = value_it_ = Xapian::ValueIterator();
    live_open_ = value_open_ = started_ = ended_ = pending_ = false;
    cur_ = 0;
    const Xapian::docid last = db_.get_lastdocid();
    ordered_ = !db_.get_metadata(schema::kMetaAllocator).empty();
    live_last_ = std::min<Xapian::docid>(last, DocidAllocator::kLiveTop);
    out_of_order_ = last > DocidAllocator::kLiveTop;
    lo_ = 1;
    if (ordered_ && live_last_ > 0) lo_ = first_at_or_below();
    est_ = db_.get_doccount();
    if (ordered_) {
      Xapian::doccount span = live_last_ >= lo_ ? live_last_ - lo_ + 1 : 0;
      if (out_of_order_) span += last - DocidAllocator::kLiveTop;
      est_ = std::min(est_, span);
    }
  }

  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return est_; }
  Xapian::doccount get_termfreq_max() const override { return est_; }

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

  // `did` exists (the caller's contract): in the live region the boundary decides.
  bool check(Xapian::docid did, double) override {
    if (ended_) return true;
    if (pending_ && did <= cur_) return false;
    if (!pending_ && started_ && did <= cur_) return true;
    started_ = true;
    pending_ = false;
    if (ordered_ && did <= DocidAllocator::kLiveTop) {
      cur_ = did;
      if (did >= lo_ && did <= live_last_) return true;
      pending_ = true;  // an indeterminate position: next()/skip_to() go past did
      return false;
    }
    advance_to(did);
    return true;
  }

  bool at_end() const override { return ended_; }
  Xapian::docid get_docid() const override { return cur_; }

  IdCeilingSource* clone() const override { return new IdCeilingSource(max_id_); }
  std::string name() const override { return "chirp.IdCeilingSource"; }
  std::string get_description() const override { return "chirp.IdCeilingSource(" + std::to_string(max_id_) + ")"; }

  Xapian::docid boundary() const { return lo_; }  // for tests
  bool ordered() const { return ordered_; }

 private:
  // The smallest docid B such that every live document at or after B has an
  // id <= max_id_ and every one before B has a larger id.
  Xapian::docid first_at_or_below() {
    Xapian::docid lo = 1, hi = live_last_ + 1;
    Xapian::ValueIterator first = db_.valuestream_begin(schema::kSlotTweetId);
    if (first == Xapian::ValueIterator()) return hi;
    lo = std::min<Xapian::docid>(first.get_docid(), hi);
    while (lo < hi) {
      Xapian::docid mid = lo + (hi - lo) / 2;
      Xapian::ValueIterator it = db_.valuestream_begin(schema::kSlotTweetId);
      it.skip_to(mid);
      if (it == Xapian::ValueIterator() || it.get_docid() > live_last_) {
        hi = mid;
        continue;
      }
      if (schema::from_be64(*it) <= max_id_) hi = mid;
      else lo = it.get_docid() + 1;
    }
    return lo;
  }

  void advance_to(Xapian::docid did) {
    if (ordered_) {
      if (did < lo_) did = lo_;
      if (did <= live_last_) {
        if (!live_open_) {
          live_it_ = db_.valuestream_begin(schema::kSlotTweetId);
          live_open_ = true;
        }
        if (live_it_ != Xapian::ValueIterator() && live_it_.get_docid() < did) live_it_.skip_to(did);
        if (live_it_ != Xapian::ValueIterator() && live_it_.get_docid() <= live_last_) {
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
      value_it_ = db_.valuestream_begin(schema::kSlotTweetId);
      value_open_ = true;
    }
    if (value_it_ != Xapian::ValueIterator() && value_it_.get_docid() < did) value_it_.skip_to(did);
    while (value_it_ != Xapian::ValueIterator() && schema::from_be64(*value_it_) > max_id_) ++value_it_;
    if (value_it_ == Xapian::ValueIterator()) {
      ended_ = true;
      return;
    }
    cur_ = value_it_.get_docid();
  }

  uint64_t max_id_;
  Xapian::Database db_;
  bool ordered_ = false, out_of_order_ = false;
  Xapian::docid live_last_ = 0, lo_ = 1;
  Xapian::doccount est_ = 0;
  Xapian::ValueIterator live_it_, value_it_;
  bool live_open_ = false, value_open_ = false;
  bool started_ = false, ended_ = false, pending_ = false;
  Xapian::docid cur_ = 0;
};

}  // namespace chirp::search
