// Clients of the internal surface (internal.h) over libcurl: the remote
// change source and the cached token check.
#include <curl/curl.h>
#include <sodium.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include "chirp/api/internal.h"

namespace chirp::api {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() + size * n > (64u << 20)) return 0;  // a peer never sends this much: abort
  s->append(data, size * n);
  return size * n;
}

struct Reply {
  long status = 0;
  std::string body;
};

// One easy handle per caller thread and peer: connections are kept alive.
class Client {
 public:
  explicit Client(PeerOptions peer) : peer_(std::move(peer)) { global_init(); }
  ~Client() {
    if (h_ != nullptr) curl_easy_cleanup(h_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<Reply> get(const std::string& path, const std::vector<std::string>& extra_headers = {}) {
    if (h_ == nullptr) h_ = curl_easy_init();
    if (h_ == nullptr) return Status::Internal("curl_easy_init failed");
    curl_easy_reset(h_);
    Reply r;
    const std::string url = peer_.base_url + path;
    curl_slist* headers = nullptr;
    const std::string secret = std::string(kInternalSecretHeader) + ": " + peer_.secret;
    headers = curl_slist_append(headers, secret.c_str());
    headers = curl_slist_append(headers, "Connection: keep-alive");  // Pistache 0.0.5 closes otherwise
    for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT_MS, static_cast<long>(peer_.timeout.count()));
    curl_easy_setopt(h_, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h_, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(h_);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
      return Status::Unavailable(peer_.base_url + " is unreachable: " + curl_easy_strerror(rc));
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
  }

  const PeerOptions& peer() const { return peer_; }

 private:
  PeerOptions peer_;
  CURL* h_ = nullptr;
};

Status peer_error(const Reply& r, const std::string& what) {
  if (r.status == 403) return Status::Internal(what + ": the peer refused the internal secret");
  return Status::Unavailable(what + ": HTTP " + std::to_string(r.status));
}

}  // namespace

engine::ChangeSource http_change_source(PeerOptions peer) {
  // The feeder's single thread is the only caller: one handle, kept alive.
  auto client = std::make_shared<Client>(std::move(peer));
  auto mu = std::make_shared<std::mutex>();
  // When the last page brought changes: more tend to follow (and a writer may
  // be waiting for this consumer's acknowledgement), so poll again sooner.
  auto busy_until = std::make_shared<std::atomic<int64_t>>(0);
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  engine::ChangeSource src;
  src.read_marked = [client, mu, busy_until, now_ms](uint64_t after, size_t limit, engine::LogMark* mark)
      -> Result<std::vector<storage::ChangeRecord>> {
    std::lock_guard<std::mutex> lock(*mu);
    std::string path = "/internal/v1/changes?after=" + std::to_string(after) +
                       "&limit=" + std::to_string(std::min<size_t>(limit, 5000));
    if (!client->peer().consumer.empty()) path += "&consumer=" + client->peer().consumer;
    auto r = client->get(path);
    if (!r.ok()) return r.status();
    if (r->status != 200) return peer_error(*r, client->peer().base_url + " change log");
    engine::LogMark m;
    auto page = changes_from_json(r->body, &m.last_seq, &m.log_id);
    if (page.ok() && !page->empty()) busy_until->store(now_ms() + 500);
    if (page.ok() && mark != nullptr) {
      m.known = true;
      *mark = std::move(m);
    }
    return page;
  };
  src.read = [marked = src.read_marked](uint64_t after, size_t limit) { return marked(after, limit, nullptr); };
  src.wait = [poll = client->peer().poll_interval, busy_until, now_ms](uint64_t, std::chrono::milliseconds timeout) {
    const auto pause = now_ms() < busy_until->load() ? std::min(poll, std::chrono::milliseconds(2)) : poll;
    std::this_thread::sleep_for(std::min(pause, timeout));
  };
  return src;
}

Authenticator make_remote_authenticator(TokenCheckOptions options) {
  struct Entry {
    Result<Principal> result = Status::Unauthorized("");
    std::chrono::steady_clock::time_point expires;
  };
  struct State {
    TokenCheckOptions opt;
    std::mutex mu;
    std::unordered_map<std::string, Entry> cache;  // key: hash of the token
    std::mutex clients_mu;
    std::vector<std::unique_ptr<Client>> idle;  // reusable handles
  };
  global_init();
  auto st = std::make_shared<State>();
  st->opt = std::move(options);
  return [st](std::string_view token) -> Result<Principal> {
    unsigned char h[crypto_generichash_BYTES];
    crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
    const std::string key(reinterpret_cast<const char*>(h), sizeof h);
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(st->mu);
      auto it = st->cache.find(key);
      if (it != st->cache.end() && it->second.expires > now) return it->second.result;
    }
    std::unique_ptr<Client> c;
    {
      std::lock_guard<std::mutex> lock(st->clients_mu);
      if (!st->idle.empty()) {
        c = std::move(st->idle.back());
        st->idle.pop_back();
      }
    }
    if (!c) c = std::make_unique<Client>(st->opt.users);
    auto r = c->get("/internal/v1/auth/check", {std::string(kInternalTokenHeader) + ": " + std::string(token)});
    {
      std::lock_guard<std::mutex> lock(st->clients_mu);
      if (st->idle.size() < 16) st->idle.push_back(std::move(c));
    }
    if (!r.ok()) {
      spdlog::warn("token check: {}", r.status().message());
      return Status::Unavailable("the users service is unavailable");
    }
    Result<Principal> result = Status::Unauthorized("invalid or expired token");
    uint64_t seq = 0;
    if (r->status == 200) {
      rapidjson::Document d;
      d.Parse(r->body.data(), r->body.size());
      if (d.HasParseError() || !d.IsObject() || !d.HasMember("user_id") || !d["user_id"].IsUint64() ||
          !d.HasMember("seq") || !d["seq"].IsUint64())
        return Status::Unavailable("the users service answered a malformed token check");
      Principal p;
      p.user_id = d["user_id"].GetUint64();
      p.account_id = std::to_string(p.user_id);
      p.token = std::string(token);
      if (d.HasMember("session") && d["session"].IsString()) p.session = d["session"].GetString();
      seq = d["seq"].GetUint64();
      result = std::move(p);
    } else if (r->status != 401) {
      spdlog::warn("token check: users service answered HTTP {}", r->status);
      return Status::Unavailable("the users service is unavailable");
    }
    if (result.ok() && st->opt.settle) st->opt.settle(seq);
    std::lock_guard<std::mutex> lock(st->mu);
    if (st->cache.size() >= st->opt.max_entries) {
      for (auto it = st->cache.begin(); it != st->cache.end();)
        it = it->second.expires <= now ? st->cache.erase(it) : std::next(it);
      if (st->cache.size() >= st->opt.max_entries) st->cache.clear();
    }
    st->cache[key] = Entry{result, now + st->opt.ttl};
    return result;
  };
}

}  // namespace chirp::api
