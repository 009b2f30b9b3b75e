// Static files: safe resolution, content types, cache policy.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "chirp/api/static_files.h"

using namespace chirp::api;
namespace fs = std::filesystem;

namespace {
struct TempWeb {
  std::string dir;
  TempWeb() {
    char tmpl[] = "/tmp/chirp-static-XXXXXX";
    dir = mkdtemp(tmpl);
    fs::create_directories(dir + "/web/assets");
    std::ofstream(dir + "/web/index.html") << "<html>app</html>";
    std::ofstream(dir + "/web/assets/app.3f9a2b1c.js") << "console.log(1)";
    std::ofstream(dir + "/web/style.css") << "body{}";
    std::ofstream(dir + "/secret.txt") << "secret";
    fs::create_directories(dir + "/web/vendor/.git");
    std::ofstream(dir + "/web/vendor/.version") << "5.35.0";
    std::ofstream(dir + "/web/vendor/.git/config") << "[core]";
    fs::create_symlink(dir + "/secret.txt", dir + "/web/link.txt");
  }
  ~TempWeb() { fs::remove_all(dir); }
};
}  // namespace

TEST_CASE("serves files with types and cache policy", "[static]") {
  TempWeb t;
  StaticFiles s(t.dir + "/web");
  auto idx = s.serve("/");
  REQUIRE(idx);
  CHECK(idx->body == "<html>app</html>");
  CHECK(idx->content_type == "text/html; charset=utf-8");
  CHECK(*idx->find_header("Cache-Control") == "no-cache");
  auto js = s.serve("/assets/app.3f9a2b1c.js");
  REQUIRE(js);
  CHECK(js->content_type == "text/javascript; charset=utf-8");
  CHECK(*js->find_header("Cache-Control") == "public, max-age=31536000, immutable");
  auto css = s.serve("/style.css");
  REQUIRE(css);
  CHECK(*css->find_header("Cache-Control") == "no-cache");
  CHECK_FALSE(s.serve("/missing.js"));
  CHECK_FALSE(s.serve("/assets"));  // a directory without index.html
}

TEST_CASE("no escape from the root", "[static]") {
  TempWeb t;
  StaticFiles s(t.dir + "/web");
  for (const char* p : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                        "/link.txt", "/a\\..\\secret.txt", "/%00", "/./index.html"}) {
    INFO(p);
    CHECK_FALSE(s.serve(p));
  }
}

TEST_CASE("hidden files and folders are never served", "[static]") {
  TempWeb t;
  StaticFiles s(t.dir + "/web");
  for (const char* p : {"/vendor/.version", "/vendor/.git/config", "/vendor/%2eversion"}) {
    INFO(p);
    CHECK_FALSE(s.serve(p));
  }
  CHECK(s.serve("/style.css"));  // ordinary files beside them still are
}

TEST_CASE("fingerprint detection", "[static]") {
  CHECK(StaticFiles::is_fingerprinted("app.3f9a2b1c.js"));
  CHECK(StaticFiles::is_fingerprinted("chunk-0123abcd89.css"));
  CHECK_FALSE(StaticFiles::is_fingerprinted("app.js"));
  CHECK_FALSE(StaticFiles::is_fingerprinted("swagger-ui-bundle.js"));
  CHECK(StaticFiles::is_fingerprinted("0123abcd.js"));  // a bare content hash (bundler chunks)
  CHECK_FALSE(StaticFiles::is_fingerprinted("index.html"));
}
