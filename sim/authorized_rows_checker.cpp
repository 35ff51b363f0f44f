// authorized-rows: under auth, a client never receives a row its user may not read, except
// within the exposure bound after the permission was lost (the revocation committed, the
// server released the user's requests, an answer already on the wire still lands). At
// quiescence, no client holds a row its user may not read (the purge happened), in memory or in
// its local file.
//
// The exposure of a row is the time from the step where the user lost their role in the row's
// organization (AuthGate::access_changed_at) to the moment the client applied it; the largest
// seen is kept in World::max_exposure(). Whatever the network, the server must not have sent
// the row after the loss committed (the answer's send time is checked too), and no row of the
// revoking transaction itself, or a later one, may reach the user (by the change's LSN).
#include <algorithm>

#include "reference/auth/auth_gate.h"
#include "sim/checkers.h"

namespace shapesim::sim {

namespace {

class AuthorizedRowsChecker : public InvariantChecker {
 public:
  const char* name() const override { return "authorized-rows"; }

  void after_apply(World& world, const ClientNode& client, const StreamUpdate& update) override {
    const auth::AuthGate* gate = world.server().gate();
    const auto& shape = client.shape(client.applying());
    if (!gate || !client.user() || !shape) return;
    for (const auto& c : update.changes) {
      if (c.op == Operation::kDelete) continue;
      check_row(world, *gate, client, shape->table, c.key, c.value, true, c.lsn);
    }
  }

  void at_quiescence(World& world) override {
    const auth::AuthGate* gate = world.server().gate();
    if (!gate) return;
    for (const auto& client : world.clients()) {
      if (!client->up() || !client->user() || !client->shape()) continue;
      for (const auto& coll : client->collection_names()) {
        const std::string& table = client->shape(coll)->table;
        for (const auto& [key, row] : client->collection(coll).rows()) check_row(world, *gate, *client, table, key, row, false);
        // Nor on disk: a purge clears the local file with the memory.
        for (const auto& [key, row] : client->saved_rows(coll)) check_row(world, *gate, *client, table, key, row, false);
      }
    }
  }

 private:
  void check_row(World& world, const auth::AuthGate& gate, const ClientNode& client, const std::string& table,
                 const std::string& key, const WireRow& row, bool just_received,
                 std::optional<uint64_t> lsn = std::nullopt) {
    const auth::TablePolicy* policy = gate.policy().table(table);
    if (!policy) {
      world.report({name(), client.name(), "received " + key + " of " + table + ", a table no policy allows", world.now()});
      return;
    }
    auto scope = row.find(policy->scope.column);
    if (scope == row.end() || !scope->second) return;  // the scope column is not synced: nothing to judge by
    const std::string& owner = *scope->second;
    const std::string& user = *client.user();
    bool allowed = policy->scope.kind == auth::RowScope::Kind::kOwner ? owner == user : gate.may_read(user, table, owner);
    if (allowed && policy->scope.kind == auth::RowScope::Kind::kOrganization) {
      // A role that sees only some columns gets only those.
      auto role = gate.directory().role(user, owner);
      auto visible = role ? policy->columns.find(*role) : policy->columns.end();
      if (visible != policy->columns.end()) {
        for (const auto& [column, _] : row) {
          if (std::find(visible->second.begin(), visible->second.end(), column) == visible->second.end()) allowed = false;
        }
      }
    }
    if (allowed) return;
    auto lost = policy->scope.kind == auth::RowScope::Kind::kOwner ? std::nullopt : gate.access_changed_at(user, owner);
    if (!just_received || !lost) {
      world.report({name(), client.name(),
                    std::string(just_received ? "received " : "still holds ") + key + " of " + owner + ", which " + user +
                        " may not read" + (lost ? "" : " and never could"),
                    world.now()});
      return;
    }
    // Nor may a row of the transaction that took the access away (or of a later one) reach
    // the user, even in an answer built in the same step.
    auto lost_lsn = gate.access_changed_lsn(user, owner);
    if (lsn && lost_lsn && *lsn >= *lost_lsn) {
      world.report({name(), client.name(),
                    "received " + key + " of " + owner + " from the transaction at LSN " + std::to_string(*lsn) +
                        (*lsn == *lost_lsn ? ", the one that took " + user + "'s access away" : ", after " + user + " lost access"),
                    world.now()});
      return;
    }
    // The server must not send it at all once the loss committed (network delays do not
    // excuse that); an answer already on the wire may still land within the exposure bound.
    if (client.answer_sent_at() > *lost) {
      world.report({name(), client.name(),
                    "the server sent " + key + " of " + owner + " " + std::to_string((client.answer_sent_at() - *lost).micros / 1000) +
                        " ms after " + user + " lost access",
                    world.now()});
      return;
    }
    Duration exposure = world.now() - *lost;
    world.note_exposure(exposure);
    if (exposure > world.config().exposure_bound) {
      world.report({name(), client.name(),
                    "received " + key + " of " + owner + " " + std::to_string(exposure.micros / 1000) + " ms after " + user +
                        " lost access (bound " + std::to_string(world.config().exposure_bound.micros / 1000) + " ms)",
                    world.now()});
    }
  }
};

}  // namespace

std::unique_ptr<InvariantChecker> make_authorized_rows_checker() { return std::make_unique<AuthorizedRowsChecker>(); }

}  // namespace shapesim::sim
