// Every document with docid >= floor: the sort=recent cursor on disk, where
// the order key is the docid ("after the last hit shown" = a larger docid).
// Unlike OP_VALUE_GE on the order slot, which reads one value per candidate
// from the first docid on, the other half of the AND skips straight to the
// floor. Only for the disk index (the memory index has its own docids).
#pragma once

#include <algorithm>
#include <limits>
#include <string>

#include <xapian.h>

#include "schema.h"

namespace chirp::search {

class DocidFloorSource : public Xapian::PostingSource {
 public:
  explicit DocidFloorSource(Xapian::docid floor) : floor_(std::max<Xapian::docid>(floor, 1)) {}

  void init(const Xapian::Database& db) override {
    db_ = db;
    it_ = Xapian::ValueIterator();
    open_ = started_ = ended_ = false;
    cur_ = 0;
    Xapian::docid last = db_.get_lastdocid();
    est_ = last >= floor_ ? std::min<Xapian::doccount>(db_.get_doccount(), last - floor_ + 1) : 0;
  }

  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return est_; }
  Xapian::doccount get_termfreq_max() const override { return est_; }

  void next(double) override {
    if (ended_) return;
    if (!started_) {
      started_ = true;
      advance_to(floor_);
    } else if (cur_ == std::numeric_limits<Xapian::docid>::max()) {
      ended_ = true;
    } else {
      advance_to(cur_ + 1);
    }
  }

  void skip_to(Xapian::docid did, double) override {
    if (ended_ || (started_ && did <= cur_)) return;
    started_ = true;
    advance_to(std::max(did, floor_));
  }

  // `did` exists (the caller's contract): at or above the floor it matches;
  // below it, move where skip_to() would.
  bool check(Xapian::docid did, double) override {
    if (ended_ || (started_ && did <= cur_)) return true;
    started_ = true;
    if (did >= floor_) cur_ = did;
    else advance_to(floor_);
    return true;
  }

  bool at_end() const override { return ended_; }
  Xapian::docid get_docid() const override { return cur_; }

  DocidFloorSource* clone() const override { return new DocidFloorSource(floor_); }
  std::string name() const override { return "chirp.DocidFloorSource"; }
  std::string get_description() const override { return "chirp.DocidFloorSource(" + std::to_string(floor_) + ")"; }

 private:
  // The first existing document at or after `did` (every document has the order value).
  void advance_to(Xapian::docid did) {
    if (!open_) {
      it_ = db_.valuestream_begin(schema::kSlotOrder);
      open_ = true;
    }
    if (it_ != Xapian::ValueIterator() && it_.get_docid() < did) it_.skip_to(did);
    if (it_ == Xapian::ValueIterator()) {
      ended_ = true;
      return;
    }
    cur_ = it_.get_docid();
  }

  Xapian::docid floor_;
  Xapian::Database db_;
  Xapian::ValueIterator it_;
  bool open_ = false, started_ = false, ended_ = false;
  Xapian::docid cur_ = 0;
  Xapian::doccount est_ = 0;
};

}  // namespace chirp::search
