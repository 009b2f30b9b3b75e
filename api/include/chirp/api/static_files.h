// StaticFiles: serves the web app and vendored assets from a folder.
//
// URL paths are percent-decoded and resolved under the root; any path with a
// ".." segment, a backslash or a NUL is refused, and the final file must
// still lie inside the root after symlinks are resolved. Fingerprinted assets
// (a name segment of 8+ hex digits, "app.3f9a2b1c.js") are cached for a year
// as immutable; everything else, index.html included, says no-cache.
// Files are read on each request (the OS page cache does the caching).
// Thread-safe: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chirp/api/http.h"

namespace chirp::api {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root);

  // The file for `url_path` ("/" means index.html), or nullopt when there is
  // no such regular file or the path is unsafe.
  std::optional<HttpResponse> serve(std::string_view url_path) const;
  // index.html, for the single-page-app fallback; nullopt when missing.
  std::optional<HttpResponse> index() const;

  // A filesystem path inside the root, or nullopt when the URL path is unsafe.
  std::optional<std::string> resolve(std::string_view url_path) const;

  static bool is_fingerprinted(std::string_view filename);
  static const char* content_type_for(std::string_view filename);

  const std::string& root() const { return root_; }

 private:
  std::optional<HttpResponse> serve_file(const std::string& fs_path) const;
  std::string root_;       // as given
  std::string canonical_;  // canonical root, empty when it does not exist
};

}  // namespace chirp::api
