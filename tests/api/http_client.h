// Test helpers: a small libcurl client and a raw-socket exchange.
#pragma once

#include <curl/curl.h>

#include <string>
#include <utility>
#include <vector>

namespace chirp::test {

struct Reply {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  long new_connections = -1;  // CURLINFO_NUM_CONNECTS: 0 when a kept-alive connection was reused
  std::string header(const std::string& lower_name) const;
};

// One curl handle = one client; reusing it reuses its connection (keep-alive).
class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Reply request(const std::string& method, const std::string& path, const std::string& body = "",
                const std::vector<std::string>& headers = {});
  Reply get(const std::string& path, const std::vector<std::string>& headers = {}) {
    return request("GET", path, "", headers);
  }

 private:
  std::string base_;
  CURL* curl_;
};

// Connects to 127.0.0.1:port, sends `data`, reads until the server closes or
// `timeout_ms` of silence; returns what was read ("" on connect failure).
std::string raw_exchange(int port, const std::string& data, int timeout_ms = 2000, bool* closed_by_server = nullptr);

}  // namespace chirp::test
