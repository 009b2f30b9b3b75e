// Quantized BM25 ("impact" scores): the document-dependent half of BM25 is
// computed when a tweet is indexed and stored as each free-text term's wdf,
// so a search never reads a document length.
//
// Xapian's BM25Weight (the scheme until index format 2, with its defaults
// k1 = 1, k2 = 0, k3 = 1, b = 0.5, min_normlen = 0.5) scores a term as
//   idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·max(len/avglen, min_normlen)))
// and needs len, the document's length, for every match: glass reads it from
// the doclen posting list, ~64% of the instructions of a common-word or OR
// query at 1M tweets (callgrind). Here the tf part is computed at index time
// with a fixed avglen (kImpactAvgLen, measured on the bench corpus instead
// of the index's running average), quantized to 1..kImpactMax and stored as
// the term's wdf (positions are kept; they carry no wdf). ImpactWeight then
// multiplies the stored impact by the same idf (and wqf factor) BM25Weight
// used: it needs WDF, WDF_MAX, TERMFREQ, COLLECTION_SIZE and WQF only, and
// Xapian's max-weight pruning works from WDF_MAX as before.
//
// Every path that builds a document goes through schema::build_document, so
// the disk index (writer, BulkLoad) and the memory index store the same
// impacts. The disk index's idf comes from its own statistics; the memory
// index's part of a search uses GivenIdfImpactWeight, whose idf is computed
// by the searcher from the disk and memory statistics together.
// Changing any constant here changes the stored wdfs: bump kFormatVersion.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include <xapian.h>

namespace chirp::search {

inline constexpr double kBm25K1 = 1.0;
inline constexpr double kBm25K3 = 1.0;
inline constexpr double kBm25B = 0.5;
inline constexpr double kBm25MinNormLen = 0.5;
// Average document length (sum of the wdfs TermGenerator gives a tweet's text
// with STEM_SOME: each word counts for its exact term and, if stemmable, its
// "Z" stem) over bench/data/corpus-1m.jsonl: 1,000,000 tweets, 31.151 by
// xapian-delve on a format-2 index built by BulkLoad ("average document length").
inline constexpr double kImpactAvgLen = 31.15;
// Impacts are 1..kImpactMax; the tf part is below k1 + 1, which maps to
// kImpactMax. 2^14 - 1: the most glass stores in the 2 bytes its variable-
// length integers already take from 128 up, so no bigger than 1..255 on disk,
// and fine enough (a step is 0.012% of k1 + 1) to keep BM25's order: at 255,
// tweets of 14 and 16 terms with the same tf (0.24% apart) tied.
inline constexpr Xapian::termcount kImpactMax = 16383;
inline constexpr double kImpactScale = kImpactMax / (kBm25K1 + 1);

// The BM25 term-frequency part for a term occurring `tf` times in a document
// of length `len` (same unit as kImpactAvgLen), in (0, k1 + 1).
inline double bm25_tf_part(Xapian::termcount tf, Xapian::termcount len) {
  double normlen = std::max(len / kImpactAvgLen, kBm25MinNormLen);
  double t = tf;
  return t * (kBm25K1 + 1) / (t + kBm25K1 * (1 - kBm25B + kBm25B * normlen));
}

// The stored impact: bm25_tf_part quantized to 1..kImpactMax (0 only for tf 0).
inline Xapian::termcount impact_of(Xapian::termcount tf, Xapian::termcount len) {
  if (tf == 0) return 0;
  long q = std::lround(bm25_tf_part(tf, len) * kImpactScale);
  return static_cast<Xapian::termcount>(std::clamp<long>(q, 1, kImpactMax));
}

// BM25's idf as Xapian 1.4's BM25Weight::init computes it without a relevance
// set, for a term in `termfreq` of `doccount` documents (termfreq > 0): the
// Robertson/Sparck Jones idf, with tw < 2 (a term in more than a third of the
// documents) raised to tw/2 + 1 so that common terms still weigh something
// positive. Always > 0.
inline double impact_idf(Xapian::doccount doccount, Xapian::doccount termfreq) {
  double tw = (static_cast<double>(doccount) - termfreq + 0.5) / (termfreq + 0.5);
  if (tw < 2) tw = tw * 0.5 + 1;
  return std::log(tw);
}

// BM25Weight's query-side factor for a term given `wqf` times in the query.
inline double impact_wqf_factor(double wqf) { return (kBm25K3 + 1) * wqf / (kBm25K3 + wqf); }

// What both weights below share: a term weighs termweight_ per unit of
// stored impact (its wdf); no document length, no extra part.
class ImpactWeightBase : public Xapian::Weight {
 public:
  std::string serialise() const override { return std::string(); }
  double get_sumpart(Xapian::termcount wdf, Xapian::termcount, Xapian::termcount) const override {
    return termweight_ * wdf;
  }
  double get_maxpart() const override { return termweight_ * get_wdf_upper_bound(); }
  double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0; }
  double get_maxextra() const override { return 0; }

 protected:
  ImpactWeightBase() {
    need_stat(WDF);
    need_stat(WDF_MAX);
    need_stat(WQF);
  }
  // idf × BM25Weight's query-side factor, per unit of impact.
  void set_idf(double idf) { termweight_ = idf * impact_wqf_factor(get_wqf()) / kImpactScale; }

 private:
  double termweight_ = 0;
};

// idf(t) × wdf / kImpactScale, idf exactly as Xapian 1.4's BM25Weight computes
// it without a relevance set. Boolean terms (wdf 0) weigh 0, as under BM25.
class ImpactWeight : public ImpactWeightBase {
 public:
  ImpactWeight() {
    need_stat(COLLECTION_SIZE);
    need_stat(TERMFREQ);
  }

  ImpactWeight* clone() const override { return new ImpactWeight; }
  std::string name() const override { return "chirp::ImpactWeight"; }
  ImpactWeight* unserialise(const std::string&) const override { return new ImpactWeight; }

 private:
  void init(double factor) override {
    Xapian::doccount tf = get_termfreq();
    set_idf(tf == 0 || factor == 0 ? 0 : impact_idf(get_collection_size(), tf) * factor);
  }
};

// ImpactWeight with the idf given from outside: the query wraps each weighted
// leaf in OP_SCALE_WEIGHT(leaf, idf) and the scale factor Xapian passes to
// init() is taken as the idf itself; the database's own termfreq and size are
// not used. Xapian 1.4 does not tell a Weight which term it weighs, so this is
// how the memory index's part of a search (searcher.cc) scores a term with the
// idf of disk + memory. Every weighted leaf of such a query must be wrapped:
// a bare one would get idf 1. Factor 0 (filter-only groups) still weighs 0.
// For the same idf value, the arithmetic is ImpactWeight's with factor 1, so
// a document scores bit for bit as it does on disk with that idf.
class GivenIdfImpactWeight : public ImpactWeightBase {
 public:
  GivenIdfImpactWeight* clone() const override { return new GivenIdfImpactWeight; }
  std::string name() const override { return "chirp::GivenIdfImpactWeight"; }
  GivenIdfImpactWeight* unserialise(const std::string&) const override { return new GivenIdfImpactWeight; }

 private:
  void init(double idf) override { set_idf(idf); }
};

}  // namespace chirp::search
