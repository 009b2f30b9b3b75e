// Weighted tweet length (twitter-text's parseTweet) and configs v2/v3.
//
// The text is NFC-normalised; each URL counts transformed_url_length, each
// emoji (v3) one default weight, every other code point the weight of the range
// it falls in (default_weight otherwise). The valid range stops at the first
// character that takes the total over the limit or is invalid (U+FFFE, U+FEFF,
// U+FFFF). Ranges are mapped back to the text as given by the difference in
// length that normalisation made, as twitter-text does.
#include <unicode/normalizer2.h>

#include <optional>
#include <unordered_map>

#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text {
namespace {

LengthConfig make_config(int version, bool emoji) {
  LengthConfig c;
  c.version = version;
  c.max_weighted_tweet_length = 280;
  c.scale = 100;
  c.default_weight = 200;
  c.transformed_url_length = 23;
  // Latin, Cyrillic, Greek..., and the general-punctuation spaces and dashes
  // count half: U+0000..U+10FF, U+2000..U+200D, U+2010..U+201F, U+2032..U+2037.
  c.ranges = {{0, 4351, 100}, {8192, 8205, 100}, {8208, 8223, 100}, {8242, 8247, 100}};
  c.emoji_parsing_enabled = emoji;
  return c;
}

bool is_invalid_char(char16_t c) {
  return c == 0xFFFE || c == 0xFEFF || c == 0xFFFF;
}

// Java's String.trim(): only code units <= U+0020 count as blank.
bool is_blank(const icu::UnicodeString& s) {
  for (int32_t i = 0; i < s.length(); ++i) {
    if (s.charAt(i) > 0x20) return false;
  }
  return true;
}

// The weight of code point c: its range's, else the default.
long weight_of(UChar32 c, const LengthConfig& config) {
  for (const auto& range : config.ranges)
    if (c >= range.start && c <= range.end) return range.weight;
  return config.default_weight;
}

// ASCII with no '.': no URL can match (a host needs a dot), no emoji starts
// (the ASCII emoji bases # * 0-9 need U+FE0F or U+20E3 after them), NFC
// changes nothing, and each character is one UTF-16 unit and one code point.
// So the count is the whole parse, without parse_tweet_unicode's UTF-16 copy,
// normalisation and per-character emoji checks (chirpctl import of 200k
// tweets: main-thread perf samples 1,042 -> 795). Empty if `utf8` is not such
// a text.
std::optional<ParseResult> parse_plain_ascii(std::string_view utf8, const LengthConfig& config) {
  const long max_scaled = static_cast<long>(config.max_weighted_tweet_length) * config.scale;
  bool blank = true;
  long weighted = 0;
  int fit = 0;  // characters that fit in the limit
  for (char ch : utf8) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || c == '.') return std::nullopt;
    blank = blank && c <= 0x20;
    weighted += weight_of(c, config);
    if (weighted <= max_scaled) ++fit;
  }
  ParseResult r;
  if (blank) return r;
  const int n = static_cast<int>(utf8.size());
  r.weighted_length = static_cast<int>(weighted / config.scale);
  r.permillage = static_cast<int>(static_cast<long>(r.weighted_length) * 1000 / config.max_weighted_tweet_length);
  r.valid = r.weighted_length <= config.max_weighted_tweet_length;
  r.utf16_display_range_end = n - 1;
  r.utf16_valid_range_end = fit - 1;
  r.display_range_end = n;
  r.valid_range_end = fit;
  return r;
}

}  // namespace

const LengthConfig& config_v2() {
  static const LengthConfig c = make_config(2, false);
  return c;
}

const LengthConfig& config_v3() {
  static const LengthConfig c = make_config(3, true);
  return c;
}

ParseResult parse_tweet(std::string_view utf8, const LengthConfig& config) {
  if (auto plain = parse_plain_ascii(utf8, config)) return *plain;
  return detail::parse_tweet_unicode(utf8, config);
}

ParseResult detail::parse_tweet_unicode(std::string_view utf8, const LengthConfig& config) {
  ParseResult r;
  const icu::UnicodeString original = detail::to_utf16(utf8);
  if (is_blank(original)) return r;

  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  icu::UnicodeString text = U_SUCCESS(status) ? nfc->normalize(original, status) : original;
  if (U_FAILURE(status)) text = original;
  const int length = text.length();
  if (length == 0) return r;

  const long scale = config.scale;
  const long max_scaled = static_cast<long>(config.max_weighted_tweet_length) * scale;
  const long url_weight = static_cast<long>(config.transformed_url_length) * scale;

  std::unordered_map<int, int> url_end_at;  // UTF-16 start -> end
  for (const auto& u : detail::find_urls(text)) url_end_at.emplace(u.start, u.end);

  long weighted = 0;
  int offset = 0;        // UTF-16 index into the normalised text
  int valid_offset = 0;  // UTF-16 units that fit
  int cp_total = 0;      // code points of the normalised text
  int cp_valid = 0;      // code points that fit
  bool invalid_chars = false;

  auto take = [&](int units, long weight, bool can_be_valid) {
    const int cps = units == 1 ? 1 : text.countChar32(offset, units);
    weighted += weight;
    offset += units;
    cp_total += cps;
    if (can_be_valid && weighted <= max_scaled) {
      valid_offset += units;
      cp_valid += cps;
    }
  };

  while (offset < length) {
    if (auto it = url_end_at.find(offset); it != url_end_at.end()) {
      take(it->second - offset, url_weight, true);
      continue;
    }
    if (config.emoji_parsing_enabled) {
      if (int n = detail::emoji_length_at(text, offset); n > 0) {
        take(n, config.default_weight, true);
        continue;
      }
    }
    const UChar32 c = text.char32At(offset);
    const long weight = weight_of(c, config);
    invalid_chars = invalid_chars || is_invalid_char(text.charAt(offset));
    take(c > 0xFFFF ? 2 : 1, weight, !invalid_chars);
  }

  const int scaled = static_cast<int>(weighted / scale);
  r.weighted_length = scaled;
  r.permillage =
      static_cast<int>(static_cast<long>(scaled) * 1000 / config.max_weighted_tweet_length);
  r.valid = !invalid_chars && scaled <= config.max_weighted_tweet_length;

  // Map back to the text as given by the length difference normalisation made.
  const int utf16_shift = original.length() - length;
  const int cp_shift = original.countChar32() - cp_total;
  r.utf16_display_range_end = offset + utf16_shift - 1;
  r.utf16_valid_range_end = valid_offset + utf16_shift - 1;
  r.display_range_end = cp_total + cp_shift;
  r.valid_range_end = std::max(0, cp_valid + cp_shift);
  return r;
}

}  // namespace chirp::text
