// Process-wide SQLite settings, applied before SQLite's first use in the process.
//
// prepare_sqlite(): memory statistics off (SQLITE_CONFIG_MEMSTATUS = 0), so an allocation
// inside SQLite takes no global mutex and updates no counters — about 8% of a single-change
// write (docs/performance.md). Nothing in shapesim reads SQLite's memory statistics.
//
// Contract: idempotent and thread-safe. SQLite accepts configuration only before it is
// initialized, so every component that can be the first to start SQLite calls this first
// (EmbeddedStore::open, ClientStore::open, SimDisk, which registers a VFS). Called after
// SQLite started elsewhere, it changes nothing and SQLite works as before (a performance
// setting only: no behaviour depends on it).
#pragma once

namespace shapesim {

// True if the settings took effect (false: SQLite was already running).
bool prepare_sqlite();

}  // namespace shapesim
