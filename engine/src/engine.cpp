// Engine: opening a data folder, the change log and maintenance.
#include "chirp/engine/engine.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <pthread.h>

#include <spdlog/spdlog.h>

#include "chirp/storage/tables.h"
#include "chirp/search/search_index.h"
#include "passwords.h"
#include "search_feeder.h"
#include "writer.h"

namespace chirp::engine {

Result<std::unique_ptr<Engine>> Engine::open(const EngineOptions& options) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return Status::Internal("cannot create data folder " + options.data_dir + ": " + ec.message());

  std::unique_ptr<Engine> e(new Engine());
  e->options_ = options;
  if (options.exclusive) {
    auto lock = DataDirLock::acquire(options.data_dir);
    if (!lock.ok()) return lock.status();
    e->lock_ = std::move(lock).value();
  }
  storage::EnvOptions env;
  env.path = options.data_dir + "/lmdb";
  env.map_size = options.map_size;
  env.max_map_size = std::max(options.max_map_size, options.map_size);
  // Test-only fault hook (tests/reliability faults_test.py): CHIRP_TEST_MAX_MAP_SIZE
  // caps the LMDB map in bytes so a test can fill it. Inert unless set.
  if (const char* cap = std::getenv("CHIRP_TEST_MAX_MAP_SIZE"); cap && *cap) {
    const uint64_t bytes = std::strtoull(cap, nullptr, 10);
    if (bytes > 0) env.map_size = env.max_map_size = std::min(env.map_size, bytes);
  }
  env.durable = options.durable;
  auto store = storage::Store::open(env);
  if (!store.ok()) return store.status();
  e->store_ = std::move(store).value();
  CHIRP_RETURN_IF_ERROR(e->init_log_id());
  e->hasher_ = std::make_unique<PasswordHasher>(options.pwhash_opslimit, options.pwhash_memlimit,
                                                options.max_concurrent_hashes);
  e->writer_ = std::make_unique<GroupCommitWriter>(*e->store_, options.node_id);
  CHIRP_RETURN_IF_ERROR(e->writer_->start_status());
  if (options.search) CHIRP_RETURN_IF_ERROR(e->start_search());
  if (options.session_sweeper && options.session_sweep_interval_ms > 0) {
    e->sweeper_ = std::thread([engine = e.get()] { engine->sweeper_loop(); });
    // Named here, not by the thread itself, so it has its name once open() returns
    // (/proc/PID/task/*/comm, top -H).
    pthread_setname_np(e->sweeper_.native_handle(), "session-sweep");
  }
  return e;
}

void Engine::sweeper_loop() {
  const auto interval = std::chrono::milliseconds(options_.session_sweep_interval_ms);
  std::unique_lock<std::mutex> lock(sweeper_mu_);
  while (!sweeper_cv_.wait_for(lock, interval, [this] { return sweeper_stop_; })) {
    lock.unlock();
    auto r = sweep_expired_sessions(std::max<size_t>(1, options_.session_sweep_batches));
    if (!r.ok()) {
      spdlog::warn("expired-session sweep: {}", r.status().message());
    } else if (r->removed > 0) {
      spdlog::info("expired-session sweep: removed {} of {} sessions looked at in {} write transactions",
                   r->removed, r->scanned, r->writes);
    }
    lock.lock();
  }
}

Engine::~Engine() {
  if (sweeper_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(sweeper_mu_);
      sweeper_stop_ = true;
    }
    sweeper_cv_.notify_all();
    sweeper_.join();
  }
  // Stop the feeder first (it reads the log), then let the index commit, then
  // drain the writer before the environment closes.
  feeder_.reset();
  index_.reset();
  writer_.reset();
  store_.reset();
  lock_.reset();
}

Result<std::string> Engine::hash_password(std::string_view password) const {
  CHIRP_RETURN_IF_ERROR(validate_password(password));
  return hasher_->hash(password);
}

Result<std::vector<storage::ChangeRecord>> Engine::changes_after(uint64_t after,
                                                                 size_t limit) const {
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  std::vector<storage::ChangeRecord> out;
  Status s = store_->changes.scan_asc(txn.raw(), after,
                                      [&](uint64_t, const storage::ChangeRecord& c) {
                                        out.push_back(c);
                                        return out.size() < limit;
                                      });
  if (!s.ok()) return s;
  return out;
}

uint64_t Engine::last_change_seq() const { return writer_->last_committed_seq(); }

namespace {
constexpr auto kProbeAfter = std::chrono::seconds(2);
}  // namespace

Engine::Health Engine::health() const {
  using namespace std::chrono;
  Health h;
  steady_clock::time_point failed_at;
  h.storage = store_->env->write_health(&failed_at);
  if (!h.storage.ok() && steady_clock::now() - failed_at >= kProbeAfter) {
    // No write failed for a while, and none may come (a load balancer stops
    // sending traffic to a server that is not ready): probe the disk ourselves,
    // at most once per kProbeAfter. A fresh failure is never overruled by a
    // probe (a tiny write may still fit where a client's did not).
    const int64_t now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    int64_t last = last_probe_ms_.load();
    if (now - last >= duration_cast<milliseconds>(kProbeAfter).count() &&
        last_probe_ms_.compare_exchange_strong(last, now)) {
      (void)writer_->run([](WriteContext& c) { return c.store.meta.put_u64(c.txn, "health_probe_ms", c.now_ms); });
      h.storage = store_->env->write_health();
    }
  }
  if (index_) {
    h.search = feeder_->health();
    if (h.search.ok()) h.search = index_->writer_health();
  }
  h.change_seq = last_change_seq();
  h.searchable_seq = searchable_seq();
  return h;
}

uint64_t Engine::wait_for_change(uint64_t after, std::chrono::milliseconds timeout) const {
  return writer_->wait_for_change(after, timeout);
}

Result<Engine::Stats> Engine::stats() const {
  Stats s;
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  MDB_txn* t = txn.raw();
  s.users = store_->users.count(t);
  s.tweets = store_->tweets.count(t);
  s.sessions = store_->sessions.count(t);
  s.follows = store_->following.count(t);
  s.likes = store_->likes.count(t);
  s.changes = store_->changes.count(t);
  CHIRP_ASSIGN_OR_RETURN(s.change_seq, store_->changes.last_id(t));
  s.map_size = store_->env->map_size();
  return s;
}

uint64_t Engine::map_size() const { return store_->env->map_size(); }

}  // namespace chirp::engine
