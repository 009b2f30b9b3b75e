// LMDB fault injection, for tests only: makes chosen LMDB calls of the storage
// layer (env.cpp) fail with a chosen code (MDB_MAP_FULL, ENOSPC, EIO,
// MDB_READERS_FULL, ...) so tests can reach the error paths real disks rarely
// show, and check that each becomes the right Status, that nothing is left
// half-written, and that everything works again once the fault is cleared.
//
// Always compiled in, inert unless armed: when nothing is armed a call costs
// one relaxed atomic load. Two ways to arm it:
// - in-process tests: faults::arm(...) / faults::Scoped;
// - a running chirpd (tests/reliability): CHIRP_FAULT_LMDB_COMMIT names a flag
//   file; while that file exists every write-transaction commit fails with the
//   error written in the file ("EIO", "ENOSPC", "EROFS", "MDB_MAP_FULL"; empty:
//   EIO), as a disk failing or turning read-only would. The variable is read
//   once; the file is checked per commit (like CHIRP_FAULT_XAPIAN_COMMIT).
// An injected failure skips the real LMDB call; where LMDB would have ended the
// transaction (a failed commit frees it), the storage layer aborts it instead.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>

namespace chirp::storage::faults {

enum class Call {
  kEnvOpen,     // mdb_env_open
  kReadBegin,   // mdb_txn_begin of a read transaction
  kWriteBegin,  // mdb_txn_begin of a write transaction (top-level or nested)
  kTableOpen,   // mdb_dbi_open
  kGet,         // mdb_get
  kPut,         // mdb_put
  kDel,         // mdb_del
  kCommit,      // mdb_txn_commit (write transactions)
  kCursorOpen,  // mdb_cursor_open
  kCursorGet,   // mdb_cursor_get
  kCursorDel,   // mdb_cursor_del
  kCopy,        // mdb_env_copy2
  kCount
};

// After `skip` more calls of `call` pass, the next `times` calls fail with
// `rc` (an LMDB code or an errno); times < 0: until cleared.
void arm(Call call, int rc, int times = 1, int skip = 0);
void clear(Call call);
void clear_all();
// Calls of `call` failed by injection since it was last armed.
uint64_t fired(Call call);

// For env.cpp, before each real LMDB call: the code to fail with, or 0.
int take(Call call);

// Clears every armed fault when the test scope ends (also on a failed REQUIRE).
class Scoped {
 public:
  Scoped() { clear_all(); }
  ~Scoped() { clear_all(); }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;
};

}  // namespace chirp::storage::faults
