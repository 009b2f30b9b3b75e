#include "conformance_checks.h"

#include <sstream>
#include <vector>

#include "chirp/text/utf8.h"

namespace chirp::conformance {
namespace {

using text::Entity;

// One extracted item, normalised for comparison across sections.
struct Item {
  std::string value;
  std::string list_slug;
  int start = 0, end = 0;
};

std::string show(const std::vector<Item>& items, bool with_indices) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) os << ", ";
    os << '"' << items[i].value << items[i].list_slug << '"';
    if (with_indices) os << " [" << items[i].start << "," << items[i].end << "]";
  }
  os << "]";
  return os.str();
}

std::vector<Item> from_entities(const std::vector<Entity>& es) {
  std::vector<Item> out;
  for (const auto& e : es) out.push_back({e.value, "", e.start, e.end});
  return out;
}

using Extractor = std::function<std::vector<Item>(const std::string&)>;

// Compares extractor output with `expected`: a list of strings (values only) or
// of maps {<value_key>, indices, [list_slug]}.
Check extraction_check(Extractor extract, std::string value_key) {
  return [extract, value_key](const YAML::Node& test) -> std::string {
    const std::vector<Item> got = extract(test["text"].as<std::string>());
    const YAML::Node expected = test["expected"];
    std::vector<Item> want;
    bool with_indices = false;
    bool with_slug = false;
    for (const auto& e : expected) {
      if (e.IsScalar()) {
        want.push_back({e.as<std::string>(), "", 0, 0});
      } else {
        with_indices = true;
        Item it{e[value_key].as<std::string>(), "", e["indices"][0].as<int>(),
                e["indices"][1].as<int>()};
        if (e["list_slug"]) {
          with_slug = true;
          it.list_slug = e["list_slug"].as<std::string>();
        }
        want.push_back(it);
      }
    }
    bool same = got.size() == want.size();
    for (std::size_t i = 0; same && i < got.size(); ++i) {
      same = got[i].value == want[i].value &&
             (!with_slug || got[i].list_slug == want[i].list_slug) &&
             (!with_indices || (got[i].start == want[i].start && got[i].end == want[i].end));
    }
    if (same) return "";
    return "expected " + show(want, with_indices) + ", got " + show(got, with_indices);
  };
}

Check reply_check() {
  return [](const YAML::Node& test) -> std::string {
    const std::string got = text::extract_reply_username(test["text"].as<std::string>());
    const YAML::Node e = test["expected"];
    const std::string want = (e && !e.IsNull()) ? e.as<std::string>() : "";
    return got == want ? "" : "expected \"" + want + "\", got \"" + got + "\"";
  };
}

Check length_check(const text::LengthConfig& config) {
  return [config](const YAML::Node& test) -> std::string {
    const text::ParseResult r = text::parse_tweet(test["text"].as<std::string>(), config);
    const YAML::Node e = test["expected"];
    std::ostringstream diff;
    auto cmp = [&](const char* key, long got) {
      if (e[key] && e[key].as<long>() != got)
        diff << key << " " << e[key].as<long>() << "!=" << got << "; ";
    };
    cmp("weightedLength", r.weighted_length);
    cmp("permillage", r.permillage);
    cmp("displayRangeStart", r.utf16_display_range_start);
    cmp("displayRangeEnd", r.utf16_display_range_end);
    cmp("validRangeStart", r.utf16_valid_range_start);
    cmp("validRangeEnd", r.utf16_valid_range_end);
    if (e["valid"] && e["valid"].as<bool>() != r.valid)
      diff << "valid " << e["valid"].as<bool>() << "!=" << r.valid;
    return diff.str();
  };
}

// validate.yml "tweets": valid under the legacy 140-character rules (config v1).
Check tweet_validity_check(const text::LengthConfig& v1) {
  return [v1](const YAML::Node& test) -> std::string {
    const bool got = text::parse_tweet(test["text"].as<std::string>(), v1).valid;
    return got == test["expected"].as<bool>()
               ? ""
               : std::string("expected ") + (got ? "invalid" : "valid");
  };
}

// validate.yml usernames/lists/hashtags/urls: a yes/no validator.
Check whole_text_check(std::function<bool(const std::string&)> valid) {
  return [valid](const YAML::Node& test) -> std::string {
    const bool got = valid(test["text"].as<std::string>());
    return got == test["expected"].as<bool>()
               ? ""
               : std::string("expected ") + (got ? "invalid" : "valid");
  };
}

}  // namespace

text::LengthConfig load_config(const std::string& path) {
  const YAML::Node j = YAML::LoadFile(path);
  text::LengthConfig c;
  c.version = j["version"].as<int>();
  c.max_weighted_tweet_length = j["maxWeightedTweetLength"].as<int>();
  c.scale = j["scale"].as<int>();
  c.default_weight = j["defaultWeight"].as<int>();
  c.transformed_url_length = j["transformedURLLength"].as<int>();
  c.emoji_parsing_enabled = j["emojiParsingEnabled"] && j["emojiParsingEnabled"].as<bool>();
  for (const auto& r : j["ranges"]) {
    c.ranges.push_back({r["start"].as<int>(), r["end"].as<int>(), r["weight"].as<int>()});
  }
  return c;
}

std::optional<Check> check_for(const std::string& file, const std::string& section,
                               const Configs& configs) {
  auto mentions = [](const std::string& t) { return from_entities(text::extract_mentions(t)); };
  auto urls = [](const std::string& t) { return from_entities(text::extract_urls(t)); };
  auto hashtags = [](const std::string& t) { return from_entities(text::extract_hashtags(t)); };
  auto cashtags = [](const std::string& t) { return from_entities(text::extract_cashtags(t)); };
  auto lists = [](const std::string& t) {
    std::vector<Item> out;
    for (const auto& m : text::extract_mentions_or_lists(t)) {
      out.push_back({m.screen_name, m.list_slug, m.start, m.end});
    }
    return out;
  };
  if (file == "extract.yml") {
    if (section == "mentions" || section == "mentions_with_indices")
      return extraction_check(mentions, "screen_name");
    if (section == "mentions_or_lists_with_indices") return extraction_check(lists, "screen_name");
    if (section == "replies") return reply_check();
    if (section.rfind("urls", 0) == 0 || section.find("_urls") != std::string::npos)
      return extraction_check(urls, "url");
    if (section.rfind("hashtags", 0) == 0) return extraction_check(hashtags, "hashtag");
    if (section.rfind("cashtags", 0) == 0) return extraction_check(cashtags, "cashtag");
  }
  if (file == "tlds.yml") return extraction_check(urls, "url");
  if (file == "validate.yml") {
    if (section == "WeightedTweetsCounterTest") return length_check(configs.v2);
    if (section == "WeightedTweetsWithDiscountedEmojiCounterTest" ||
        section == "UnicodeDirectionalMarkerCounterTest") {
      return length_check(configs.v3);
    }
    if (section == "tweets") return tweet_validity_check(configs.v1);
    if (section == "usernames")
      return whole_text_check([](const std::string& t) { return text::is_valid_username(t); });
    if (section == "lists")
      return whole_text_check([](const std::string& t) { return text::is_valid_list(t); });
    if (section == "hashtags")
      return whole_text_check([](const std::string& t) { return text::is_valid_hashtag(t); });
    if (section == "urls")
      return whole_text_check([](const std::string& t) { return text::is_valid_url(t); });
    if (section == "urls_without_protocol") {
      return whole_text_check(
          [](const std::string& t) { return text::is_valid_url(t, true, false); });
    }
  }
  return std::nullopt;
}

}  // namespace chirp::conformance
