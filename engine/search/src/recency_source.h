// Recency part of the relevance score: a Xapian posting source giving each
// document boost * 2^(-age / half_life), where age = now - the millisecond in
// its snowflake tweet id (41 bits of ms since 2020-01-01: the tweet's creation
// time; chirp stamps created_at from the same clock reading), measured at a
// fixed `now` (carried in the cursor so pages stay consistent). Combined with
// the text query by OP_AND_MAYBE, it adds to BM25 without changing which
// documents match.
//
// Why the id and not the created_at slot: on disk the live docid region is
// allocated so that ascending docid = descending tweet id (docid_allocator.h),
// so the weight never rises as the matcher walks forward. With `monotone`
// (the disk index) the source uses that:
//  - it lowers its max weight as it goes, so Xapian's max-weight pruning
//    (OR -> AND decay, early termination) works as it would without a boost;
//  - the boost is cut to 0 below boost * 2^-kCutHalfLives (older than 20
//    half-lives); the first live document past the cut ends the live region
//    for this source, so the older rest of the matches is scored by BM25
//    alone without reading one value each. Exact BM25 ties, the only place a
//    boost that small could still decide, break by ascending docid, i.e.
//    newest first, as the boost would have.
// Docids above kLiveTop (out-of-order imports) carry no such order: there the
// source reads every value and keeps its full max weight.
// The memory index (own docids, small) uses monotone = false: same weights,
// no skipping.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include <xapian.h>

#include "docid_allocator.h"
#include "schema.h"

namespace chirp::search {

class RecencySource : public Xapian::PostingSource {
 public:
  static constexpr double kCutHalfLives = 20;
  static constexpr int64_t kIdEpochMs = 1577836800000LL;  // 2020-01-01T00:00Z, the snowflake epoch

  RecencySource(double now_ms, double boost, double half_life_ms, bool monotone)
      : now_ms_(now_ms), boost_(boost), half_life_ms_(half_life_ms), monotone_(monotone) {}

  // The boost of a tweet with this id, as the matcher sees it (0 past the cut).
  static double weight_of(uint64_t tweet_id, double now_ms, double boost, double half_life_ms) {
    double created = static_cast<double>(static_cast<int64_t>(tweet_id >> 22) + kIdEpochMs);
    double age = now_ms - created;
    if (age < 0) age = 0;
    if (age > kCutHalfLives * half_life_ms) return 0;
    return boost * std::exp2(-age / half_life_ms);
  }

  void init(const Xapian::Database& db) override {
    db_ = db;
    it_ = db_.valuestream_begin(schema::kSlotTweetId);
    end_ = db_.valuestream_end(schema::kSlotTweetId);
    started_ = false;
    live_done_ = false;
    // Documents in the out-of-order region may be of any age: while any are
    // ahead, the max weight stays at the boost.
    out_of_order_ = db_.get_lastdocid() > DocidAllocator::kLiveTop;
    max_ = boost_;
    set_maxweight(boost_);
  }

  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return db_.get_doccount(); }
  Xapian::doccount get_termfreq_max() const override { return db_.get_doccount(); }

  void next(double) override {
    if (!started_) {
      started_ = true;
    } else if (live_done_ && it_ != end_ && it_.get_docid() <= DocidAllocator::kLiveTop) {
      it_.skip_to(DocidAllocator::kLiveTop + 1);
    } else {
      ++it_;
    }
    moved();
  }

  void skip_to(Xapian::docid did, double) override {
    started_ = true;
    if (it_ == end_) return;
    if (live_done_ && did <= DocidAllocator::kLiveTop) did = DocidAllocator::kLiveTop + 1;
    it_.skip_to(did);
    moved();
  }

  bool check(Xapian::docid did, double) override {
    started_ = true;
    if (it_ == end_) return true;
    // Past the cut in the live region: no boost, known without a read.
    if (live_done_ && did <= DocidAllocator::kLiveTop) return false;
    if (!it_.check(did)) return false;
    moved();
    return true;
  }

  bool at_end() const override { return started_ && it_ == end_; }
  Xapian::docid get_docid() const override { return it_.get_docid(); }
  double get_weight() const override {
    return weight_of(schema::from_be64(*it_), now_ms_, boost_, half_life_ms_);
  }

  RecencySource* clone() const override { return new RecencySource(now_ms_, boost_, half_life_ms_, monotone_); }
  std::string name() const override { return "chirp.RecencySource"; }
  std::string get_description() const override { return "chirp.RecencySource()"; }

 private:
  // After every move: in the live region, the weight here bounds every later
  // document's weight.
  void moved() {
    if (!monotone_ || it_ == end_) return;
    Xapian::docid did = it_.get_docid();
    if (did > DocidAllocator::kLiveTop) return;
    double w = get_weight();
    if (w == 0) {
      live_done_ = true;
      if (!out_of_order_) {
        it_ = end_;  // nothing ahead can score: this branch of the query is over
        return;
      }
      // check() leaves the iterator here; next()/skip_to() jump past the live region.
      return;
    }
    // Tell the matcher (it recalculates its bounds), but not on every step.
    if (!out_of_order_ && w < 0.9 * max_) {
      max_ = w;
      set_maxweight(w);
    }
  }

  double now_ms_, boost_, half_life_ms_;
  bool monotone_;
  Xapian::Database db_;
  Xapian::ValueIterator it_, end_;
  bool started_ = false;
  bool live_done_ = false;
  bool out_of_order_ = false;
  double max_ = 0;
};

}  // namespace chirp::search
