// Recency part of the relevance score: a Xapian posting source giving each
// document boost * 2^(-age / half_life), age from its created_at value slot,
// measured at a fixed `now` (carried in the cursor so pages stay consistent).
// Combined with the text query by OP_AND_MAYBE, it adds to BM25 without
// changing which documents match.
#pragma once

#include <cmath>

#include <xapian.h>

namespace chirp::search {

class RecencySource : public Xapian::ValuePostingSource {
 public:
  RecencySource(Xapian::valueno slot, double now_ms, double boost, double half_life_ms)
      : Xapian::ValuePostingSource(slot), slot_(slot), now_ms_(now_ms), boost_(boost), half_life_ms_(half_life_ms) {}

  double get_weight() const override {
    double age = now_ms_ - Xapian::sortable_unserialise(get_value());
    if (age < 0) age = 0;
    return boost_ * std::exp2(-age / half_life_ms_);
  }
  void init(const Xapian::Database& db) override {
    Xapian::ValuePostingSource::init(db);
    set_maxweight(boost_);
  }
  RecencySource* clone() const override { return new RecencySource(slot_, now_ms_, boost_, half_life_ms_); }
  std::string name() const override { return "chirp.RecencySource"; }

 private:
  Xapian::valueno slot_;
  double now_ms_, boost_, half_life_ms_;
};

}  // namespace chirp::search
