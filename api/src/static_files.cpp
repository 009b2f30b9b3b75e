// Safe static file serving.
#include "chirp/api/static_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace chirp::api {

namespace fs = std::filesystem;

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)) {
  std::error_code ec;
  auto c = fs::canonical(root_, ec);
  if (!ec) canonical_ = c.string();
}

std::optional<std::string> StaticFiles::resolve(std::string_view url_path) const {
  if (canonical_.empty() || url_path.empty() || url_path[0] != '/') return std::nullopt;
  auto decoded = percent_decode(url_path, false);
  if (!decoded) return std::nullopt;
  std::string_view p = *decoded;
  if (p.find('\0') != std::string_view::npos || p.find('\\') != std::string_view::npos) return std::nullopt;
  // Refuse any segment that starts with '.': "." and ".." outright rather than
  // normalising them, and hidden files (.git, .version stamps) are never published.
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    if (!seg.empty() && seg.front() == '.') return std::nullopt;
    i = j + 1;
  }
  std::string rel(p.substr(1));
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  return canonical_ + "/" + rel;
}

std::optional<HttpResponse> StaticFiles::serve_file(const std::string& path) const {
  std::error_code ec;
  auto real = fs::canonical(path, ec);
  if (ec) return std::nullopt;
  // Symlinks must not lead outside the root.
  const std::string rs = real.string();
  if (rs.compare(0, canonical_.size(), canonical_) != 0 ||
      (rs.size() > canonical_.size() && rs[canonical_.size()] != '/'))
    return std::nullopt;
  if (!fs::is_regular_file(real, ec)) return std::nullopt;
  std::ifstream in(real, std::ios::binary);
  if (!in) return std::nullopt;
  HttpResponse r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  const std::string name = real.filename().string();
  r.content_type = content_type_for(name);
  r.set_header("Cache-Control", is_fingerprinted(name) && name != "index.html"
                                    ? "public, max-age=31536000, immutable"
                                    : "no-cache");
  return r;
}

std::optional<HttpResponse> StaticFiles::serve(std::string_view url_path) const {
  auto p = resolve(url_path);
  if (!p) return std::nullopt;
  return serve_file(*p);
}

std::optional<HttpResponse> StaticFiles::index() const {
  if (canonical_.empty()) return std::nullopt;
  return serve_file(canonical_ + "/index.html");
}

bool StaticFiles::is_fingerprinted(std::string_view name) {
  // A '.' or '-' separated segment of at least 8 hex digits, not the extension.
  size_t dot = name.rfind('.');
  std::string_view stem = dot == std::string_view::npos ? name : name.substr(0, dot);
  size_t run = 0;
  for (size_t i = 0; i <= stem.size(); ++i) {
    char c = i < stem.size() ? stem[i] : '.';
    if (c == '.' || c == '-' || c == '_') {
      if (run >= 8) return true;
      run = 0;
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
      ++run;
    } else {
      run = 0;
      // Skip the rest of a non-hex segment.
      while (i + 1 < stem.size() && stem[i + 1] != '.' && stem[i + 1] != '-' && stem[i + 1] != '_') ++i;
    }
  }
  return false;
}

const char* StaticFiles::content_type_for(std::string_view name) {
  size_t dot = name.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  struct Entry {
    std::string_view ext;
    const char* type;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},   {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},           {"map", "application/json"},
      {"svg", "image/svg+xml"},               {"png", "image/png"},
      {"jpg", "image/jpeg"},                  {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},                   {"webp", "image/webp"},
      {"ico", "image/x-icon"},                {"woff", "font/woff"},
      {"woff2", "font/woff2"},                {"ttf", "font/ttf"},
      {"txt", "text/plain; charset=utf-8"},   {"wasm", "application/wasm"},
      {"webmanifest", "application/manifest+json"},
  };
  for (const auto& e : kTypes)
    if (iequals(e.ext, ext)) return e.type;
  return "application/octet-stream";
}

}  // namespace chirp::api
