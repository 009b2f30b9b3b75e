#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

namespace chirp::test {

namespace {
size_t on_body(char* p, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, size * n);
  return size * n;
}
size_t on_header(char* p, size_t size, size_t n, void* ud) {
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    static_cast<Reply*>(ud)->headers.emplace_back(name, value);
  }
  return size * n;
}
// Under tests/contract/run_contract.mjs the suite talks to chirpd through a
// Prism validating proxy, which reports what it found against openapi.json in an
// `sl-violations` header. Each exchange is appended to $CHIRP_CONTRACT_LOG as
// "METHOD<TAB>STATUS<TAB>PATH<TAB>violations JSON or -" for the driver to judge
// (a request the spec rejects must also be rejected by the server).
void record_exchange(const std::string& method, const std::string& path, const Reply& r) {
  static const char* log_path = std::getenv("CHIRP_CONTRACT_LOG");
  if (log_path == nullptr || *log_path == '\0') return;
  std::string violations = r.header("sl-violations");
  std::ofstream out(log_path, std::ios::app);
  out << method << '\t' << r.status << '\t' << path << '\t' << (violations.empty() ? "-" : violations) << '\n';
}
}  // namespace

std::string Reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

HttpClient::HttpClient(std::string base_url) : base_(std::move(base_url)), curl_(curl_easy_init()) {}
HttpClient::~HttpClient() { curl_easy_cleanup(curl_); }

Reply HttpClient::request(const std::string& method, const std::string& path, const std::string& body,
                          const std::vector<std::string>& headers) {
  Reply r;
  curl_easy_reset(curl_);
  std::string url = base_ + path;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  struct curl_slist* list = nullptr;
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
  CURLcode rc = curl_easy_perform(curl_);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &r.new_connections);
  } else {
    r.body = curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  record_exchange(method, path, r);
  return r;
}

std::string raw_exchange(int port, const std::string& data, int timeout_ms, bool* closed_by_server) {
  if (closed_by_server) *closed_by_server = false;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  std::string out;
  char buf[65536];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed_by_server) *closed_by_server = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace chirp::test
