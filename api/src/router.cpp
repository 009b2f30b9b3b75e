// Router: literal routes by hash lookup, patterned routes by segment compare.
#include "chirp/api/router.h"

#include <stdexcept>

namespace chirp::api {

namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}. A trailing slash gives an
// empty last segment, so "/a/" does not match "/a" (no silent aliasing).
void split_path(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (path.empty() || path[0] != '/') return;
  path.remove_prefix(1);
  if (path.empty()) return;
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
}

bool is_param_segment(std::string_view s) { return s.size() >= 3 && s.front() == '{' && s.back() == '}'; }

}  // namespace

Router::Router(const std::vector<RouteTable>& tables) {
  for (const auto& t : tables)
    for (const auto& r : t.routes) {
      Compiled c{r, {}, {}};
      std::vector<std::string_view> segs;
      split_path(c.route.pattern, segs);
      bool literal = true;
      for (auto s : segs) {
        c.segments.emplace_back(s);
        c.is_param.push_back(is_param_segment(s));
        if (c.is_param.back()) literal = false;
      }
      for (const auto& o : routes_)
        if (o.route.method == r.method && o.route.pattern == r.pattern)
          throw std::invalid_argument("duplicate route " + std::string(method_name(r.method)) + " " + r.pattern);
      int idx = static_cast<int>(routes_.size());
      if (literal)
        literal_[c.route.pattern].push_back(idx);
      else
        patterned_.push_back(idx);
      routes_.push_back(std::move(c));
    }
}

bool Router::match_segments(const Compiled& c, const std::vector<std::string_view>& segs) const {
  if (c.segments.size() != segs.size()) return false;
  for (size_t i = 0; i < segs.size(); ++i) {
    if (c.is_param[i]) {
      if (segs[i].empty()) return false;
    } else if (c.segments[i] != segs[i]) {
      return false;
    }
  }
  return true;
}

RouteMatch Router::match(HttpRequest& req) const {
  RouteMatch m;
  // Candidates: all routes whose path matches, any method.
  int found = -1, head_fallback = -1;
  bool any_path = false;
  unsigned allowed = 0;  // bit per Method
  auto consider = [&](int idx) {
    const Route& r = routes_[idx].route;
    any_path = true;
    allowed |= 1u << static_cast<unsigned>(r.method);
    if (r.method == req.method && found < 0) found = idx;
    if (req.method == Method::kHead && r.method == Method::kGet && head_fallback < 0) head_fallback = idx;
  };

  if (auto it = literal_.find(req.path); it != literal_.end())
    for (int idx : it->second) consider(idx);
  int literal_hit = found >= 0 ? found : -1;
  std::vector<std::string_view> segs;
  if (literal_hit < 0 && !patterned_.empty()) {
    split_path(req.path, segs);
    for (int idx : patterned_)
      if (match_segments(routes_[idx], segs)) consider(idx);
  }
  if (found < 0) found = head_fallback;
  if (found >= 0) {
    const Compiled& c = routes_[found];
    if (!c.route.pattern.empty() && literal_hit < 0) {
      if (segs.empty()) split_path(req.path, segs);
      for (size_t i = 0; i < c.segments.size(); ++i)
        if (c.is_param[i]) {
          std::string_view name(c.segments[i]);
          name = name.substr(1, name.size() - 2);
          auto decoded = percent_decode(segs[i], false);
          req.path_params.emplace_back(name, decoded ? std::move(*decoded) : std::string(segs[i]));
        }
    }
    m.kind = RouteMatch::Kind::kFound;
    m.route = &c.route;
    m.route_index = found;
    return m;
  }
  if (!any_path) return m;  // kNotFound
  m.kind = RouteMatch::Kind::kMethodNotAllowed;
  if (allowed & (1u << static_cast<unsigned>(Method::kGet))) allowed |= 1u << static_cast<unsigned>(Method::kHead);
  for (int i = 0; i < kMethodCount; ++i)
    if (allowed & (1u << i)) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += method_name(static_cast<Method>(i));
    }
  return m;
}

}  // namespace chirp::api
