// local-transactions: the client engine's promises, checked at quiescence for every client.
//   - Every transaction the application committed either reached the server (acknowledged, and
//     its batch is in the store) or was rolled back with an error; none is still queued, none
//     vanished (through crashes at every point of the outbox: before and after persisting, in
//     flight, after the server's commit, after removal from the outbox).
//   - A write the server refused left no effect in the store; a write the application never
//     committed (it was down, or crashed before persisting) never reached the server (checked
//     by convergence, with acknowledged writes).
//   - Nothing optimistic is left: no pending transaction, and what the application sees is
//     exactly the synced layer (visible == synced; convergence checks synced == server).
#include "reference/auth/auth_gate.h"
#include "sim/checkers.h"

namespace shapesim::sim {

namespace {

class LocalTransactionsChecker : public InvariantChecker {
 public:
  const char* name() const override { return "local-transactions"; }

  void at_quiescence(World& world) override {
    if (!world.server().up()) return;
    ShapeServer& core = world.server().core();
    for (const auto& c : world.clients()) {
      if (!c->up()) continue;
      auto stored = [&](const std::string& batch) {
        auto found = core.store().find_batch(c->stored_batch_id(batch));
        return found.ok() && found->has_value();
      };
      for (const auto& batch : c->committed_writes()) {
        bool acked = c->acked_writes().count(batch) > 0;
        auto rejected = c->rejected_writes().find(batch);
        if (!acked && rejected == c->rejected_writes().end()) {
          world.report({name(), c->name(), "transaction " + batch + " was committed but neither reached the server nor was rolled back",
                        world.now()});
        } else if (acked && rejected != c->rejected_writes().end()) {
          world.report({name(), c->name(), "transaction " + batch + " was both acknowledged and rolled back", world.now()});
        } else if (rejected != c->rejected_writes().end() && rejected->second.rfind("HTTP ", 0) == 0 && stored(batch)) {
          // (A write settled unsent by a purge may have been in flight: only a server answer says.)
          world.report({name(), c->name(), "transaction " + batch + " was refused (" + rejected->second + ") but is in the store",
                        world.now()});
        }
      }
      if (c->pending_transactions() > 0) {
        world.report({name(), c->name(), std::to_string(c->pending_transactions()) + " local transaction(s) still pending at quiescence",
                      world.now()});
      }
      for (const auto& coll : c->collection_names()) {
        if (!c->shape(coll) || c->denied(coll)) continue;
        const std::string who = coll == ClientNode::kCollection ? c->name() : c->name() + "/" + coll;
        const auto& synced = c->collection(coll).rows();
        auto visible = c->visible(coll);
        for (const auto& [key, v] : visible) {
          auto s = synced.find(key);
          if (s == synced.end()) {
            world.report({name(), who, "shows " + key + ", which the server never sent", world.now()});
          } else if (!v.synced || v.row != s->second) {
            world.report({name(), who, "shows " + key + " other than its synced row", world.now()});
          }
        }
        for (const auto& [key, _] : synced) {
          if (!visible.count(key)) world.report({name(), who, "does not show synced row " + key, world.now()});
        }
      }
    }
  }
};

}  // namespace

std::unique_ptr<InvariantChecker> make_local_transactions_checker() { return std::make_unique<LocalTransactionsChecker>(); }

}  // namespace shapesim::sim
