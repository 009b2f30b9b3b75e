#include "schema.h"

#include <ctime>

#include "impact_weight.h"

namespace chirp::search::schema {

namespace {
constexpr size_t kMaxTermBytes = 240;
}  // namespace

std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

uint64_t from_be64(const std::string& s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

uint32_t from_be32(const std::string& s) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string lower(const std::string& utf8) {
  return Xapian::Unicode::tolower(utf8);
}

std::string utc_day(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

int64_t id_time_ms(uint64_t tweet_id) {
  return static_cast<int64_t>(tweet_id >> 22) + 1577836800000LL;
}

bool date_skewed(const TweetDocument& t) {
  constexpr int64_t kDay = 86'400'000;
  auto day = [](int64_t ms) { return ms >= 0 ? ms / kDay : -((-ms + kDay - 1) / kDay); };
  return day(t.created_at_ms) != day(id_time_ms(t.id));
}

std::string id_term(uint64_t tweet_id) {
  return kId + std::to_string(tweet_id);
}
std::string author_term(uint64_t author_id) {
  return kAuthor + std::to_string(author_id);
}

namespace {

// The tweet record, stored uncompressed in kSlotRecord (see schema.h), so
// it is compact: LEB128 varints for integers and lengths, then the bytes.
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void put_str(std::string& out, const std::string& s) {
  put_varint(out, s.size());
  out += s;
}
void put_entities(std::string& out, const std::vector<chirp::text::Entity>& v) {
  put_varint(out, v.size());
  for (const auto& e : v) {
    put_str(out, e.value);
    put_varint(out, static_cast<uint64_t>(e.start));
    put_varint(out, static_cast<uint64_t>(e.end));
  }
}

// Bounds-checked reader: a corrupt record decodes to false, never to UB.
struct Reader {
  const std::string& s;
  size_t pos = 0;
  bool ok = true;
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; ok; shift += 7) {
      if (pos >= s.size() || shift > 63) {
        ok = false;
        break;
      }
      const auto byte = static_cast<unsigned char>(s[pos++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
    }
    return 0;
  }
  std::string str() {
    uint64_t n = varint();
    if (!ok || s.size() - pos < n) {
      ok = false;
      return {};
    }
    std::string v(s, pos, n);
    pos += n;
    return v;
  }
  bool entities(std::vector<chirp::text::Entity>* v) {
    uint64_t n = varint();
    if (!ok || n > s.size() - pos) return ok = false;  // each entity takes at least 3 bytes
    v->resize(n);
    for (auto& e : *v) {
      e.value = str();
      e.start = static_cast<int>(varint());
      e.end = static_cast<int>(varint());
    }
    return ok;
  }
};

constexpr uint64_t kRecordVersion = 2;  // 1: 8-byte big-endian fields (format 3 and before)

}  // namespace

std::string encode_tweet(const TweetDocument& t) {
  std::string out;
  out.reserve(32 + t.username.size() + t.display_name.size() + t.text.size() +
              t.in_reply_to_username.size());
  put_varint(out, kRecordVersion);
  put_varint(out, t.id);
  put_varint(out, t.author_id);
  put_str(out, t.username);
  put_str(out, t.display_name);
  put_str(out, t.text);
  put_varint(out, static_cast<uint64_t>(t.created_at_ms));
  put_varint(out, t.in_reply_to_id);
  put_str(out, t.in_reply_to_username);
  put_entities(out, t.entities.hashtags);
  put_entities(out, t.entities.mentions);
  put_entities(out, t.entities.urls);
  put_entities(out, t.entities.cashtags);
  return out;
}

bool decode_tweet(const std::string& data, TweetDocument* t) {
  Reader r{data};
  if (r.varint() != kRecordVersion) return false;
  t->id = r.varint();
  t->author_id = r.varint();
  t->username = r.str();
  t->display_name = r.str();
  t->text = r.str();
  t->created_at_ms = static_cast<int64_t>(r.varint());
  t->in_reply_to_id = r.varint();
  t->in_reply_to_username = r.str();
  r.entities(&t->entities.hashtags);
  r.entities(&t->entities.mentions);
  r.entities(&t->entities.urls);
  r.entities(&t->entities.cashtags);
  return r.ok && r.pos == data.size();
}

Xapian::TermGenerator make_term_generator() {
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("english"));
  // STEM_SOME: exact words with positions (phrases, exact-form boost) plus
  // Z-prefixed stems (stemmed matching).
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  return tg;
}

Xapian::Document build_document(const TweetDocument& t, uint32_t order_docid,
                                Xapian::TermGenerator& tg,
                                std::vector<std::pair<std::string, Xapian::termcount>>* words) {
  // The text's terms first: their wdfs are then the term frequencies and add
  // up to the document length BM25 would use. Each free-text term's wdf is
  // then raised to its quantized BM25 impact (impact_weight.h); positions stay.
  Xapian::Document doc;
  tg.set_document(doc);
  tg.index_text(t.text);
  std::vector<std::pair<std::string, Xapian::termcount>> tfs;
  Xapian::termcount len = 0;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
    tfs.emplace_back(*it, it.get_wdf());
    len += it.get_wdf();
  }
  for (const auto& [term, tf] : tfs) {
    const Xapian::termcount impact = impact_of(tf, len);
    if (impact >= tf) {
      doc.add_term(term, impact - tf);
    } else {  // only in texts of thousands of words: re-add the term with wdf increment 0
      std::vector<Xapian::termpos> positions;
      auto it = doc.termlist_begin();
      it.skip_to(term);
      for (auto pos = it.positionlist_begin(); pos != it.positionlist_end(); ++pos)
        positions.push_back(*pos);
      doc.remove_term(term);
      for (Xapian::termpos pos : positions) doc.add_posting(term, pos, 0);
      doc.add_term(term, impact);
    }
    if (words && !is_prefixed(term)) words->emplace_back(term, tf);
  }

  doc.add_boolean_term(id_term(t.id));
  doc.add_boolean_term(author_term(t.author_id));
  if (std::string from = kFrom + lower(t.username); from.size() <= kMaxTermBytes)
    doc.add_boolean_term(from);
  if (t.in_reply_to_id != 0) {
    doc.add_boolean_term(std::string(kHas) + "reply");
    std::string to = kTo + lower(t.in_reply_to_username);
    if (!t.in_reply_to_username.empty() && to.size() <= kMaxTermBytes) doc.add_boolean_term(to);
  }
  // Glass rejects terms over 245 bytes (the whole document would be lost on
  // disk); a hashtag that long is skipped as a term, its words stay searchable.
  auto add_entity = [&](const char* prefix, const std::string& value) {
    std::string term = prefix + lower(value);
    if (term.size() <= kMaxTermBytes) doc.add_boolean_term(term);
  };
  for (const auto& e : t.entities.hashtags) add_entity(kHashtag, e.value);
  for (const auto& e : t.entities.mentions) add_entity(kMention, e.value);
  for (const auto& e : t.entities.cashtags) add_entity(kCashtag, e.value);
  if (!t.entities.urls.empty()) doc.add_boolean_term(std::string(kHas) + "links");
  if (!t.entities.mentions.empty()) doc.add_boolean_term(std::string(kHas) + "mentions");
  if (!t.entities.hashtags.empty()) doc.add_boolean_term(std::string(kHas) + "hashtags");
  if (!t.entities.cashtags.empty()) doc.add_boolean_term(std::string(kHas) + "cashtags");
  if (date_skewed(t)) doc.add_boolean_term(kDateSkew);

  doc.add_value(kSlotCreatedAt, Xapian::sortable_serialise(static_cast<double>(t.created_at_ms)));
  doc.add_value(kSlotAuthor, be64(t.author_id));
  if (t.in_reply_to_id != 0) doc.add_value(kSlotReplyTo, be64(t.in_reply_to_id));
  doc.add_value(kSlotOrder, be32(order_docid));
  doc.add_value(kSlotTweetId, be64(t.id));
  doc.add_value(kSlotDay, utc_day(t.created_at_ms));
  doc.add_value(kSlotRecord, encode_tweet(t));
  return doc;
}

}  // namespace chirp::search::schema
