// All entities of a text at once, with twitter-text's overlap rule applied
// across kinds (the entity that starts first wins; lists are not mentions).
#include "chirp/text/twitter_text.h"
#include "internal.h"

namespace chirp::text {

Entities extract_entities(std::string_view utf8) {
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
