// Invariant checkers: pluggable safety and liveness checks over a running World.
//
// A checker sees every stream update a client applies (after_apply: safety, checked
// throughout the fault phase; ClientNode::applying() names the collection, for clients that
// sync several) and the world once it is quiescent after the heal phase
// (at_quiescence: convergence). It reports through World::report(); the run fails on the
// first violation. Default set (add_default_checkers):
//   convergence        each client that is up and live holds exactly the rows the server
//                      computes from scratch for its shape; every acknowledged write is in
//                      the store, one client's writes took effect in the order it made them
//                      (txids increase); no write of a valid workload was rejected;
//   monotonic-offsets  the offsets a client receives never go backwards within a handle and
//                      strictly increase on responses carrying changes;
//   exactly-once       no log change applied twice, no insert of a present key, no update or
//                      delete of an absent key (the symptoms of a lost or duplicated change);
//   shape-bounds       a client never holds a row outside its shape's WHERE;
//   live-query         live queries over each client's rows (ordered window, grouping) equal
//                      a from-scratch evaluation: after every update while a client holds few
//                      rows, then every rows/4 updates, and at quiescence.
//   authorized-rows    (under auth) no client receives a row its user may not read beyond
//                      the exposure bound after losing access, nor holds one at quiescence
//                      (in memory or in its local file);
//   local-transactions every committed local transaction reached the server exactly once
//                      or was rolled back with an error (a refused one left no effect); at
//                      quiescence nothing is pending and what a client shows is its synced
//                      layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/invariant_checker.h"
#include "sim/world.h"

namespace shapesim::sim {


std::unique_ptr<InvariantChecker> make_convergence_checker();
std::unique_ptr<InvariantChecker> make_monotonic_offsets_checker();
std::unique_ptr<InvariantChecker> make_exactly_once_checker();
std::unique_ptr<InvariantChecker> make_shape_bounds_checker();
std::unique_ptr<InvariantChecker> make_live_query_checker();
std::unique_ptr<InvariantChecker> make_authorized_rows_checker();  // sim/authorized_rows_checker.cpp
std::unique_ptr<InvariantChecker> make_local_transactions_checker();  // sim/local_transactions_checker.cpp
std::unique_ptr<InvariantChecker> make_freshness_checker();           // sim/freshness_checker.cpp

void add_default_checkers(World& world);

// The server's from-scratch results by shape (ShapeDefinition::canonical()), valid while the
// server's data does not change: clients on one shape share one evaluation.
using FromScratchResults = std::map<std::string, Result<std::map<std::string, WireRow>>>;

// How a client's rows differ from the server's from-scratch result for its shape (empty:
// converged). Used by the convergence checker and by scenario `expect` steps.
std::vector<std::string> convergence_differences(World& world, const ClientNode& client, FromScratchResults* cache = nullptr,
                                                 const std::string& collection = "main");

}  // namespace shapesim::sim
