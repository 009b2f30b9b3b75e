// All entities of a text at once, with twitter-text's overlap rule applied
// across kinds (the entity that starts first wins; lists are not mentions).
#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text {

namespace {
// Whether the text has a character that can start an entity: '#' or '＃'
// (U+FF03) for hashtags, '@' or '＠' (U+FF20) for mentions, '$' for
// cashtags, an ASCII '.' for URLs (every host alternative of the URL pattern
// has one). These are the characters the four scans look for before any
// regex runs, so a text without them has no entities; it skips the UTF-16
// copy and the scans.
bool may_hold_entity(std::string_view utf8) {
  for (size_t i = utf8.find_first_of("#@$.\xEF"); i != std::string_view::npos;
       i = utf8.find_first_of("#@$.\xEF", i + 1)) {
    if (utf8[i] != '\xEF') return true;
    if (utf8.substr(i, 3) == "\xEF\xBC\x83" || utf8.substr(i, 3) == "\xEF\xBC\xA0") return true;
  }
  return false;
}
}  // namespace

Entities extract_entities(std::string_view utf8) {
  if (!may_hold_entity(utf8)) return Entities{};
  return detail::extract_entities_unicode(utf8);
}

Entities detail::extract_entities_unicode(std::string_view utf8) {
  const icu::UnicodeString text = detail::to_utf16(utf8);
  std::vector<detail::Span16> all = detail::find_urls(text);
  auto append = [&all](std::vector<detail::Span16>&& more) {
    all.insert(all.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
  };
  append(detail::find_hashtags(text));
  append(detail::find_mentions_or_lists(text));
  append(detail::find_cashtags(text));
  detail::remove_overlapping(all);

  std::vector<detail::Span16> urls, hashtags, mentions, cashtags;
  for (auto& s : all) {
    switch (s.kind) {
      case detail::Kind::kUrl:
        urls.push_back(std::move(s));
        break;
      case detail::Kind::kHashtag:
        hashtags.push_back(std::move(s));
        break;
      case detail::Kind::kMention:
        // "@user/list" names a list: it still blocks overlaps, but is no mention.
        if (s.list_slug.empty()) mentions.push_back(std::move(s));
        break;
      case detail::Kind::kCashtag:
        cashtags.push_back(std::move(s));
        break;
    }
  }
  Entities out;
  out.urls = detail::to_entities(text, std::move(urls));
  out.hashtags = detail::to_entities(text, std::move(hashtags));
  out.mentions = detail::to_entities(text, std::move(mentions));
  out.cashtags = detail::to_entities(text, std::move(cashtags));
  return out;
}

}  // namespace chirp::text
