// The search service: full-text search and per-day counts.
#include <optional>
#include <string>
#include <vector>

#include "chirp/api/errors.h"
#include "chirp/api/json_views.h"
#include "chirp/api/pagination.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "route_util.h"

namespace chirp::api {

using detail::json_reply;
using detail::viewer;

namespace {
constexpr size_t kMaxQueryBytes = 512;
// maxLength counts characters, the server bytes: the schema is the looser bound.
const ParamSpec kQueryParam{"q", "query", "string", true, "the query, at most 512 bytes (UTF-8)",
                            R"({"type":"string","minLength":1,"maxLength":512})"};

// q: required, 1..512 bytes after decoding.
Result<std::string> query_of(const HttpRequest& req) {
  auto q = req.query_param("q");
  if (!q || q->empty()) return Status::InvalidArgument("q is required");
  if (q->size() > kMaxQueryBytes) return Status::InvalidArgument("q is longer than 512 bytes");
  if (!detail::valid_utf8(*q)) return Status::InvalidArgument("q is not valid UTF-8");
  return std::move(*q);
}
}  // namespace

RouteTable make_search_table(engine::Engine& e) {
  RouteTable t;
  t.service = "search";
  t.schemas = object_schemas();
  auto& R = t.routes;

  R.push_back({Method::kGet, "/api/v1/search",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 auto q = query_of(req);
                 if (!q.ok()) return error_response(q.status());
                 auto page = parse_page(req);
                 if (!page.ok()) return error_response(page.status());
                 search::SearchRequest sr;
                 sr.q = std::move(*q);
                 sr.limit = page->limit;
                 sr.cursor = page->cursor;
                 if (auto sort = req.query_param("sort")) {
                   if (*sort == "relevance") sr.sort = search::SortOrder::kRelevance;
                   else if (*sort == "recent") sr.sort = search::SortOrder::kRecent;
                   else return error_response(400, "bad_request", "sort must be relevance or recent");
                 }
                 auto r = e.search(sr);
                 if (!r.ok()) return error_response(r.status());
                 std::vector<std::optional<bool>> likes(r->hits.size());  // read first: an error is a 500
                 if (auto v = viewer(ctx))
                   for (size_t i = 0; i < r->hits.size(); ++i) {
                     auto l = e.has_liked(*v, r->hits[i].tweet.id);
                     if (!l.ok()) return error_response(l.status());
                     likes[i] = *l;
                   }
                 HttpResponse resp = json_reply(200, [&](JsonWriter& w) {
                   w.StartObject();
                   w.Key("items");
                   w.StartArray();
                   for (size_t i = 0; i < r->hits.size(); ++i) write_search_hit(w, r->hits[i], likes[i]);
                   w.EndArray();
                   w.Key("next_cursor");
                   if (r->next_cursor) detail::jstr(w, *r->next_cursor);
                   else w.Null();
                   w.Key("estimated_total");
                   w.Uint64(r->estimated_total);
                   w.Key("suggestion");
                   if (r->suggestion) detail::jstr(w, *r->suggestion);
                   else w.Null();
                   w.EndObject();
                 });
                 if (r->next_cursor)
                   {
                   std::string link = "<";
                   link.append(next_page_url(req, *r->next_cursor)).append(">; rel=\"next\"");
                   resp.set_header("Link", std::move(link));
                 }
                 return resp;
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "Search tweets",
                .description = "The query language is docs/search.md (words, \"phrases\", -not, OR, #tags, "
                               "@user, from:user). A malformed query or q over 512 bytes is 400.",
                .params = {kQueryParam,
                           {"sort", "query", "string", false, "relevance (default) or recent",
                            R"({"type":"string","enum":["relevance","recent"],"default":"relevance"})"}},
                .responses = {{200, "A page of hits", R"({"$ref":"#/components/schemas/SearchResults"})"}},
                .paginated = true}});

  R.push_back({Method::kGet, "/api/v1/search/counts",
               [&e](const HttpRequest& req, RequestContext&) {
                 auto q = query_of(req);
                 if (!q.ok()) return error_response(q.status());
                 std::string since = req.query_param("since").value_or("");
                 std::string until = req.query_param("until").value_or("");
                 auto r = e.search_counts(*q, since, until);
                 if (!r.ok()) return error_response(r.status());
                 return json_reply(200, [&](JsonWriter& w) {
                   uint64_t total = 0;
                   w.StartObject();
                   w.Key("items");
                   w.StartArray();
                   for (const auto& d : *r) {
                     w.StartObject();
                     w.Key("date");
                     detail::jstr(w, d.date);
                     w.Key("count");
                     w.Uint64(d.count);
                     w.EndObject();
                     total += d.count;
                   }
                   w.EndArray();
                   w.Key("total");
                   w.Uint64(total);
                   w.EndObject();
                 });
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "Matching tweets per day",
                .description = "Counts of tweets matching q per UTC day between since and until (YYYY-MM-DD).",
                .params = {kQueryParam,
                           {"since", "query", "string", false, "first day, YYYY-MM-DD",
                            R"({"type":"string","format":"date"})"},
                           {"until", "query", "string", false, "last day, YYYY-MM-DD",
                            R"({"type":"string","format":"date"})"}},
                .responses = {{200, "Counts per day", R"({"$ref":"#/components/schemas/SearchCounts"})"}}}});
  return t;
}

}  // namespace chirp::api
