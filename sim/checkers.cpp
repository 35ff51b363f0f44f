#include "sim/checkers.h"

#include <map>

#include "reference/query/database.h"
#include "reference/query/query.h"
#include "reference/server/shape.h"

namespace shapesim::sim {

namespace {

std::string describe_row(const WireRow& row) {
  std::string out = "{";
  for (const auto& [k, v] : row) out += k + "=" + (v ? *v : "NULL") + " ";
  if (out.size() > 1) out.pop_back();
  return out + "}";
}

const TableSchema* table_of(World& world, const ShapeDefinition& d) {
  if (!world.server().up()) return nullptr;
  return world.server().core().store().find_table(d.schema, d.table);
}

// The columns a client's rows carry: the shape's column list or the whole table.
std::vector<const ColumnSchema*> shape_columns(const TableSchema& t, const ShapeDefinition& d) {
  std::vector<const ColumnSchema*> out;
  for (const auto& c : t.columns) {
    if (d.columns.empty() || std::find(d.columns.begin(), d.columns.end(), c.name) != d.columns.end()) {
      out.push_back(&c);
    }
  }
  return out;
}

Value to_value(const ColumnSchema& c, const WireRow& row) {
  auto it = row.find(c.name);
  if (it == row.end() || !it->second) return Value();
  auto v = Value::from_pg_text(c.type, *it->second);
  return v.ok() ? *v : Value();
}

}  // namespace

std::vector<std::string> convergence_differences(World& world, const ClientNode& client, FromScratchResults* cache,
                                                 const std::string& collection) {
  std::vector<std::string> out;
  if (!world.server().up() || !client.stream(collection)) return {"the server is down or the client has no shape"};
  const ShapeDefinition& shape = client.shape(collection) ? *client.shape(collection) : client.stream(collection)->shape();
  FromScratchResults local;
  FromScratchResults& results = cache ? *cache : local;
  std::string key = shape.canonical();
  auto at = results.find(key);
  if (at == results.end()) at = results.emplace(std::move(key), world.server().core().evaluate_from_scratch(shape)).first;
  const auto& expected = at->second;
  if (!expected.ok()) return {"server cannot evaluate the shape: " + expected.status().message()};
  const auto& actual = client.collection(collection).rows();
  for (const auto& [key, row] : *expected) {
    auto it = actual.find(key);
    if (it == actual.end()) {
      out.push_back("missing row " + key + " " + describe_row(row));
    } else if (it->second != row) {
      out.push_back("row " + key + " is " + describe_row(it->second) + ", server has " + describe_row(row));
    }
  }
  for (const auto& [key, row] : actual) {
    if (!expected->count(key)) out.push_back("extra row " + key + " " + describe_row(row));
  }
  return out;
}

namespace {

class ConvergenceChecker : public InvariantChecker {
 public:
  const char* name() const override { return "convergence"; }

  void at_quiescence(World& world) override {
    if (!world.server().up()) return;
    ShapeServer& core = world.server().core();
    FromScratchResults from_scratch;  // nothing changes the server's data during this check
    for (const auto& c : world.clients()) {
      for (const auto& [batch, txid] : c->acked_writes()) {
        auto found = core.store().find_batch(c->stored_batch_id(batch));
        if (!found.ok() || !*found) {
          world.report({"lost-write", c->name(), "acknowledged write " + batch + " (txid " + std::to_string(txid) +
                                               ") is not in the store",
                        world.now()});
        }
      }
      // One client's writes take effect in the order it made them (the outbox is FIFO and
      // sends the next only after the previous was answered): their txids increase.
      const auto& order = c->ack_order();
      for (size_t i = 1; i < order.size(); ++i) {
        if (order[i].second != 0 && order[i - 1].second != 0 && order[i].second <= order[i - 1].second) {
          world.report({"ordered-writes", c->name(),
                        "write " + order[i].first + " (txid " + std::to_string(order[i].second) + ") took effect before " +
                            order[i - 1].first + " (txid " + std::to_string(order[i - 1].second) + "), which was written first",
                        world.now()});
        }
      }
      for (const auto& batch : c->dropped_writes()) {
        // Never committed (the client was down, or crashed before persisting): no server effect.
        auto found = core.store().find_batch(c->stored_batch_id(batch));
        if (found.ok() && *found) {
          world.report({"dropped-write", c->name(), "write " + batch + " was never committed but reached the server", world.now()});
        }
      }
      for (const auto& coll : c->collection_names()) {
        const ShapeStream* s = c->stream(coll);
        if (!c->up() || !s || !world.reachable(c->id()) || s->state() != StreamState::kLive || c->denied(coll)) continue;
        const std::string who = coll == ClientNode::kCollection ? c->name() : c->name() + "/" + coll;
        for (auto& d : convergence_differences(world, *c, &from_scratch, coll)) world.report({name(), who, std::move(d), world.now()});
      }
    }
    // Last: a refused write is the weakest signal (a lost write can make a later one of the
    // workload invalid), so a run that lost a write is reported as lost-write first.
    for (const auto& c : world.clients()) {
      for (const auto& [batch, body] : c->rejected_writes()) {
        // Under auth the policy may refuse a write, and a write that builds on a refused one
        // fails too: refusals are checked by local-transactions (no effect in the store).
        if (c->user() && world.server().gate()) continue;
        if (body.rfind("HTTP ", 0) != 0) continue;  // settled unsent by the client (logout, permission change)
        if (world.rejection_expected(c->name(), batch)) continue;  // the scenario says it must be refused
        // A write the application lost (down, or crashed before persisting) can make a later one
        // of the workload invalid (an update of a row never inserted).
        if (!c->dropped_writes().empty()) continue;
        world.report({"rejected-write", c->name(), "write " + batch + " was rejected: " + body, world.now()});
      }
    }
  }
};

class MonotonicOffsetsChecker : public InvariantChecker {
 public:
  const char* name() const override { return "monotonic-offsets"; }

  void after_apply(World& world, const ClientNode& client, const StreamUpdate& update) override {
    Seen& seen = seen_[client.name()][client.applying()];
    if (update.must_refetch) {
      seen = Seen{};
      return;
    }
    if (!update.accepted || !update.offset) return;
    const ShapeStream* stream = client.stream(client.applying());
    if (seen.handle != stream->handle()) seen = Seen{stream->handle(), std::nullopt};
    if (seen.offset) {
      if (*update.offset < *seen.offset) {
        world.report({name(), client.name(),
                      "offset went backwards: " + update.offset->to_string() + " after " + seen.offset->to_string(),
                      world.now()});
      } else if (!update.changes.empty() && *update.offset == *seen.offset) {
        world.report({name(), client.name(),
                      "offset " + update.offset->to_string() + " repeated on a response carrying changes", world.now()});
      }
    }
    seen.offset = *update.offset;
  }
  void after_client_restart(const ClientNode& client) override { seen_.erase(client.name()); }

 private:
  struct Seen {
    std::optional<std::string> handle;
    std::optional<LogOffset> offset;
  };
  std::map<std::string, std::map<std::string, Seen>> seen_;  // by client, then collection
};

class ExactlyOnceChecker : public InvariantChecker {
 public:
  const char* name() const override { return "exactly-once"; }

  void after_apply(World& world, const ClientNode& client, const StreamUpdate&) override {
    Counts& seen = seen_[client.name()][client.applying()];
    const Collection& c = client.collection(client.applying());
    if (c.duplicate_changes() > seen.duplicates) {
      world.report({name(), client.name(),
                    std::to_string(c.duplicate_changes() - seen.duplicates) + " log change(s) applied twice", world.now()});
      seen.duplicates = c.duplicate_changes();
    }
    for (; seen.anomalies < c.anomalies().size(); ++seen.anomalies) {
      world.report({name(), client.name(), c.anomalies()[seen.anomalies], world.now()});
    }
  }
  void after_client_restart(const ClientNode& client) override { seen_.erase(client.name()); }

 private:
  struct Counts {
    uint64_t duplicates = 0;
    size_t anomalies = 0;
  };
  std::map<std::string, std::map<std::string, Counts>> seen_;  // by client, then collection
};

class ShapeBoundsChecker : public InvariantChecker {
 public:
  const char* name() const override { return "shape-bounds"; }

  void after_apply(World& world, const ClientNode& client, const StreamUpdate& update) override {
    const std::string& coll = client.applying();
    if (!client.shape(coll)) return;
    Bound* bound = bound_for(world, client, *client.shape(coll));
    if (!bound || !bound->shape) return;
    const auto& rows = client.collection(coll).rows();
    auto check = [&](const std::string& key, const WireRow& row) {
      Row typed;
      for (const ColumnSchema* c : bound->columns) typed[c->name] = to_value(*c, row);
      if (!bound->shape->matches(typed)) {
        world.report({name(), client.name(), "holds row " + key + " " + describe_row(row) + " outside WHERE " +
                                                 client.shape(coll)->where,
                      world.now()});
      }
    };
    if (update.must_refetch) {
      for (const auto& [key, row] : rows) check(key, row);
      return;
    }
    for (const auto& change : update.changes) {
      auto it = rows.find(change.key);
      if (it != rows.end()) check(it->first, it->second);
    }
  }

 private:
  struct Bound {
    std::unique_ptr<Shape> shape;  // null: cannot be checked (WHERE reads a column not synced)
    std::vector<const ColumnSchema*> columns;
    TableSchema table;
  };

  Bound* bound_for(World& world, const ClientNode& client, const ShapeDefinition& served) {
    // By client and shape: under auth the shape a client is served changes (another user,
    // organization or role).
    std::string id = client.name() + "\n" + served.canonical();
    auto it = bounds_.find(id);
    if (it != bounds_.end()) return &it->second;
    const TableSchema* table = table_of(world, served);
    if (!table) return nullptr;
    Bound& b = bounds_[id];
    b.table = *table;
    b.columns = shape_columns(b.table, served);
    if (served.columns.empty() && !served.where.empty()) {
      std::string error_param;
      auto shape = Shape::create(ShapeHandle{"bounds-" + client.name()}, served, b.table, 1 << 20, error_param);
      if (shape.ok()) b.shape = std::move(*shape);
    }
    return &b;
  }

  std::map<std::string, Bound> bounds_;
};

// Mirrors each client's rows into a query::Database and keeps two live queries over them;
// after every update both must equal evaluate().
class LiveQueryChecker : public InvariantChecker {
 public:
  const char* name() const override { return "live-query"; }

  void after_apply(World& world, const ClientNode& client, const StreamUpdate& update) override {
    const std::string& coll = client.applying();
    if (!client.shape(coll)) return;
    Mirror* m = mirror_for(world, client, coll);
    if (!m) return;
    const auto& rows = client.collection(coll).rows();
    query::Transaction tx;
    auto sync_key = [&](const std::string& key) {
      auto it = rows.find(key);
      bool mirrored = m->keys.count(key) > 0;
      if (it != rows.end()) {
        tx.upsert(*m->rows, m->tuple(key, it->second));
        m->keys.insert(key);
      } else if (mirrored) {
        tx.remove(*m->rows, {Value(key)});
        m->keys.erase(key);
      }
    };
    if (update.must_refetch) {
      std::set<std::string> keys = m->keys;
      for (const auto& [k, _] : rows) keys.insert(k);
      for (const auto& k : keys) sync_key(k);
    } else {
      std::set<std::string> keys;
      for (const auto& change : update.changes) keys.insert(change.key);
      for (const auto& k : keys) sync_key(k);
    }
    if (tx.empty()) return;
    if (Status st = m->db.apply(std::move(tx)); !st.ok()) {
      world.report({name(), client.name(), "mirror transaction failed: " + st.message(), world.now()});
      return;
    }
    // A from-scratch evaluation costs O(rows): compare after every update while the rows are
    // few, then every rows/kRowsPerCheck updates (amortized O(kRowsPerCheck) rows per update),
    // and always at quiescence.
    if (++m->updates_since_check * kRowsPerCheck >= m->keys.size()) compare(world, client.name(), *m);
  }

  void at_quiescence(World& world) override {
    for (auto& [client, by_collection] : mirrors_) {
      for (auto& [_, m] : by_collection) compare(world, client, *m);
    }
  }

  void after_client_restart(const ClientNode& client) override { mirrors_.erase(client.name()); }

 private:
  static constexpr size_t kRowsPerCheck = 4;

  struct Mirror;
  void compare(World& world, const std::string& client, Mirror& m) {
    m.updates_since_check = 0;
    for (query::LiveQuery* q : m.queries) {
      auto live = q->rows();
      auto evaluated = query::evaluate(q->query());  // planned afresh, without pushdown
      if (!evaluated.ok()) {
        world.report({name(), client, "live query " + q->name() + " cannot be evaluated: " + evaluated.status().message(), world.now()});
        continue;
      }
      const auto& fresh = *evaluated;
      if (!(live == fresh)) {
        world.report({name(), client,
                      "live query " + q->name() + " has " + std::to_string(live.size()) +
                          " rows differing from a from-scratch evaluation (" + std::to_string(fresh.size()) + " rows)",
                      world.now()});
      }
    }
  }

  struct Mirror {
    size_t updates_since_check = 0;
    query::Database db;
    query::Collection* rows = nullptr;
    std::vector<const ColumnSchema*> columns;
    TableSchema table;
    std::set<std::string> keys;
    std::vector<query::LiveQuery*> queries;

    query::Tuple tuple(const std::string& key, const WireRow& row) const {
      query::Tuple t{Value(key)};
      for (const ColumnSchema* c : columns) t.push_back(to_value(*c, row));
      return t;
    }
  };

  Mirror* mirror_for(World& world, const ClientNode& client, const std::string& coll) {
    auto& by_collection = mirrors_[client.name()];
    auto it = by_collection.find(coll);
    if (it != by_collection.end()) return it->second.get();
    const TableSchema* table = table_of(world, *client.shape(coll));
    if (!table) return nullptr;
    auto m = std::make_unique<Mirror>();
    m->table = *table;
    m->columns = shape_columns(m->table, *client.shape(coll));
    std::vector<std::string> names{"_key"};
    for (const ColumnSchema* c : m->columns) names.push_back(c->name);
    auto rows = m->db.create_collection(client.name(), names, {"_key"});
    if (!rows.ok()) return nullptr;
    m->rows = *rows;
    // An ordered window over the last column, and a grouping over the second one.
    std::string last = names.back(), group = names.size() > 2 ? names[2] : names.back();
    auto window = m->db.live(query::from(*m->rows).order_by(query::desc(query::col(last))).limit(5));
    auto grouped = m->db.live(query::from(*m->rows)
                                  .group_by({query::col(group)})
                                  .select({{"g", query::col(group)}, {"n", query::count()}}));
    if (window.ok()) m->queries.push_back(*window);
    if (grouped.ok()) m->queries.push_back(*grouped);
    Mirror* out = m.get();
    by_collection[coll] = std::move(m);
    return out;
  }

  std::map<std::string, std::map<std::string, std::unique_ptr<Mirror>>> mirrors_;  // by client, then collection
};

}  // namespace

std::unique_ptr<InvariantChecker> make_convergence_checker() { return std::make_unique<ConvergenceChecker>(); }
std::unique_ptr<InvariantChecker> make_monotonic_offsets_checker() { return std::make_unique<MonotonicOffsetsChecker>(); }
std::unique_ptr<InvariantChecker> make_exactly_once_checker() { return std::make_unique<ExactlyOnceChecker>(); }
std::unique_ptr<InvariantChecker> make_shape_bounds_checker() { return std::make_unique<ShapeBoundsChecker>(); }
std::unique_ptr<InvariantChecker> make_live_query_checker() { return std::make_unique<LiveQueryChecker>(); }

void add_default_checkers(World& world) {
  world.add_checker(make_convergence_checker());
  world.add_checker(make_monotonic_offsets_checker());
  world.add_checker(make_exactly_once_checker());
  world.add_checker(make_shape_bounds_checker());
  world.add_checker(make_live_query_checker());
  world.add_checker(make_local_transactions_checker());
  world.add_checker(make_freshness_checker());
  if (world.config().auth) world.add_checker(make_authorized_rows_checker());
}

}  // namespace shapesim::sim
