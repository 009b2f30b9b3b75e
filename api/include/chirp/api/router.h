// Router: matches (method, path) against route tables.
//
// Chosen design: chirp does its own dispatch from one Pistache handler rather
// than using Pistache's Rest::Router, so there is no router race (upstream
// #1238) and no per-request regex: literal routes are found in a hash map,
// patterned routes by comparing path segments. Built once at start-up,
// immutable afterwards, so concurrent match() calls need no lock.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chirp/api/http.h"
#include "chirp/api/route.h"

namespace chirp::api {

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Route* route = nullptr;  // kFound
  int route_index = -1;          // stable index (metrics), kFound
  std::string allow;             // kMethodNotAllowed: "GET, HEAD, PUT"
};

class Router {
 public:
  // Copies the routes; the tables need not outlive the router. Throws
  // std::invalid_argument on a duplicate (method, pattern).
  explicit Router(const std::vector<RouteTable>& tables);

  // Matches and, on kFound, appends decoded {param} values to req.path_params.
  // A HEAD request matches a GET route when no HEAD route exists.
  RouteMatch match(HttpRequest& req) const;

  size_t size() const { return routes_.size(); }
  const Route& route(size_t i) const { return routes_[i].route; }

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;  // "{name}" kept as-is for params
    std::vector<bool> is_param;
  };
  bool match_segments(const Compiled& c, const std::vector<std::string_view>& segs) const;

  std::vector<Compiled> routes_;
  struct SvHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // path -> route indices; transparent lookup, so matching allocates nothing.
  std::unordered_map<std::string, std::vector<int>, SvHash, std::equal_to<>> literal_;
  std::vector<int> patterned_;
};

}  // namespace chirp::api
