// Playing scenario steps in a simulated World, and checking their expectations.
#include "scenarios/scenario_play.h"

#include "reference/common/coverage.h"
#include "reference/common/table_schema_json.h"
#include "sim/checkers.h"
#include "sim/trace_event.h"

namespace shapesim {

using sim::ClientNode;
using sim::World;

namespace {

std::string step_label(size_t index, const ScenarioStep& step) {
  return "step " + std::to_string(index + 1) + " (" + step_kind_name(step.kind) + ")";
}

void check_expect(World& world, const Scenario& scenario, const ScenarioStep& step, const std::string& label,
                  std::vector<std::string>& failures) {
  const auto& a = step.args;
  const std::string client_name = a["client"].get<std::string>();
  ClientNode& client = *world.find_client(client_name);
  const std::string coll = a.value("collection", std::string(ClientNode::kCollection));
  const std::string where = coll == ClientNode::kCollection ? client_name : client_name + "/" + coll;
  auto fail = [&](const std::string& what) { failures.push_back(label + " [" + where + "]: " + what); };
  const auto& rows = client.collection(coll).rows();
  if (a.contains("rows") && rows.size() != a["rows"].get<size_t>()) {
    fail("expected " + std::to_string(a["rows"].get<size_t>()) + " rows, has " + std::to_string(rows.size()));
  }
  const TableSchema* table = nullptr;
  if (const ScenarioClient* c = scenario.find_client(client_name)) {
    if (const ShapeDefinition* shape = c->shape_of(coll)) table = scenario.find_table(shape->schema, shape->table);
  }
  if (a.contains("has")) {
    auto key = row_key_of(*table, a["has"]);
    if (!key.ok()) {
      fail("bad \"has\": " + key.status().message());
    } else if (auto it = rows.find(*key); it == rows.end()) {
      fail("expected row " + *key + " to be present");
    } else if (a.contains("values")) {
      for (const auto& [col, expected] : a["values"].items()) {
        const ColumnSchema* column = table->find_column(col);
        auto v = column ? Value::from_json(column->type, expected) : Result<Value>(invalid_argument("no such column"));
        auto actual = it->second.find(col);
        if (!v.ok()) {
          fail("bad expected value for \"" + col + "\": " + v.status().message());
        } else if (actual == it->second.end() || actual->second != v->to_pg_text()) {
          fail("row " + *key + " column \"" + col + "\" is " +
               (actual == it->second.end() ? std::string("absent") : actual->second.value_or("NULL")) +
               ", expected " + v->to_pg_text().value_or("NULL"));
        }
      }
    }
  }
  if (a.contains("lacks")) {
    auto key = row_key_of(*table, a["lacks"]);
    if (!key.ok()) {
      fail("bad \"lacks\": " + key.status().message());
    } else if (rows.count(*key)) {
      fail("expected row " + *key + " to be absent");
    }
  }
  const ShapeStream* stream = client.stream(coll);
  if (a.contains("refetches") && stream && stream->refetches() != a["refetches"].get<uint64_t>()) {
    fail("expected " + std::to_string(a["refetches"].get<uint64_t>()) + " refetches, saw " + std::to_string(stream->refetches()));
  }
  if (a.contains("writes_acked") && client.acked_writes().size() != a["writes_acked"].get<size_t>()) {
    fail("expected " + std::to_string(a["writes_acked"].get<size_t>()) + " acknowledged writes, has " +
         std::to_string(client.acked_writes().size()));
  }
  if (a.contains("pending") && client.pending_transactions() != a["pending"].get<size_t>()) {
    fail("expected " + std::to_string(a["pending"].get<size_t>()) + " pending local transactions, has " +
         std::to_string(client.pending_transactions()));
  }
  if (a.contains("visible_rows") && client.visible(coll).size() != a["visible_rows"].get<size_t>()) {
    fail("expected " + std::to_string(a["visible_rows"].get<size_t>()) + " visible rows, shows " +
         std::to_string(client.visible(coll).size()));
  }
  if (a.contains("purges") && client.purges() != a["purges"].get<uint64_t>()) {
    fail("expected " + std::to_string(a["purges"].get<uint64_t>()) + " purges, saw " + std::to_string(client.purges()));
  }
  if (a.contains("token_failure")) {
    bool failed = client.engine() && client.engine()->token_failure().has_value();
    if (failed != a["token_failure"].get<bool>()) {
      fail(failed ? "the gatekeeper failure is surfaced: " + *client.engine()->token_failure()
                  : std::string("no gatekeeper failure is surfaced"));
    }
  }
  if (a.contains("token_requests_at_most") && world.token_requests(client) > a["token_requests_at_most"].get<uint64_t>()) {
    fail("expected at most " + std::to_string(a["token_requests_at_most"].get<uint64_t>()) + " gatekeeper requests" +
         (client.device().empty() ? std::string() : " from device " + client.device()) + ", saw " +
         std::to_string(world.token_requests(client)));
  }
  if (a.contains("query") && table) {
    for (const auto& f : sim::check_query(client.queries(), *table, a["query"])) fail(f);
  }
  if (a.contains("converged") && a["converged"].get<bool>()) {
    for (const auto& d : sim::convergence_differences(world, client, nullptr, coll)) fail("not converged: " + d);
    if (!stream || stream->state() != StreamState::kLive) {
      fail(stream ? std::string("stream is ") + stream_state_name(stream->state()) + ", not live" : std::string("the client is down"));
    }
  }
}

// expect_no_rows_from: the client holds no row of the organization (or the owner), synced, on
// screen or in its local file.
void check_no_rows_from(World& world, const Scenario& scenario, const ScenarioStep& step, const std::string& label,
                        std::vector<std::string>& failures) {
  const auto& a = step.args;
  const std::string client_name = a["client"].get<std::string>();
  ClientNode& client = *world.find_client(client_name);
  bool by_org = a.contains("org");
  std::string who = by_org ? a["org"].get<std::string>() : a["user"].get<std::string>();
  const std::string& table = client.shape()->table;
  const auth::TablePolicy* policy = scenario.auth->policy.table(table);
  if (!policy) {
    failures.push_back(label + " [" + client_name + "]: no policy for table " + table);
    return;
  }
  auto scoped = [&](const WireRow& row) {
    auto it = row.find(policy->scope.column);
    return it != row.end() && it->second && *it->second == who;
  };
  auto report = [&](const std::string& where, const std::string& key) {
    failures.push_back(label + " [" + client_name + "]: " + where + " still holds " + key + " of " + who);
  };
  for (const auto& [key, row] : client.collection().rows()) {
    if (scoped(row)) report("the synced layer", key);
  }
  for (const auto& [key, v] : client.visible()) {
    if (scoped(v.row)) report("the screen", key);
  }
  for (const auto& [key, row] : client.saved_rows()) {
    if (scoped(row)) report("the local file", key);
  }
}

NodeId node_of(World& world, const nlohmann::json& name) { return *world.node_id(name.get<std::string>()); }

}  // namespace

// Plays one step of the fault phase.
void play_step(World& world, const Scenario& scenario, size_t i, RunResult& result, PlayState& state) {
  const ScenarioStep& step = scenario.steps[i];
  const std::string label = step_label(i, step);
  const auto& a = step.args;
  sim::TraceEvent(world.trace(), world.now(), "scenario", sim::TraceKind::kStep).detail(a.dump());
  switch (step.kind) {
    case StepKind::kWrite: {
      std::string id = a.value("id", scenario.name + "/" + std::to_string(i + 1));
      nlohmann::json body = {{"id", id}, {"mutations", a["mutations"]}};
      world.find_client(a["client"].get<std::string>())->write(id, body.dump());
      break;
    }
    case StepKind::kWait:
      world.run_until(world.now() + Duration::millis(a["ms"].get<int64_t>()));
      break;
    case StepKind::kSettle: {
      Duration limit = a.contains("max_ms") ? Duration::millis(a["max_ms"].get<int64_t>()) : scenario.settle_limit;
      if (!world.run_until_quiescent(limit)) {
        result.failures.push_back(label + ": not quiescent within " + std::to_string(limit.as_millis()) + " ms");
      }
      break;
    }
    case StepKind::kPartition:
      if (a.contains("from")) {
        world.cut(node_of(world, a["from"]), node_of(world, a["to"]), a.value("two_way", false));
      } else {
        for (const auto& name : a["isolate"]) world.isolate(world.find_client(name.get<std::string>())->id());
      }
      break;
    case StepKind::kHeal:
      world.heal();
      break;
    case StepKind::kExpect:
      check_expect(world, scenario, step, label, result.failures);
      break;
    case StepKind::kCrash:
      if (a["node"] == "server") {
        if (a.contains("during_io")) world.crash_server_during_io(a["during_io"].get<uint64_t>());
        else world.crash_server();
      } else {
        world.crash_client(*world.find_client(a["node"].get<std::string>()));
      }
      break;
    case StepKind::kRestart:
      if (a["node"] == "server") (void)world.restart_server();
      else world.restart_client(*world.find_client(a["node"].get<std::string>()));
      break;
    case StepKind::kClog:
      world.clog(node_of(world, a["node"]), Duration::millis(a["ms"].get<int64_t>()));
      break;
    case StepKind::kDeleteShape:
      world.delete_shape(*world.find_client(a["client"].get<std::string>()));
      break;
    case StepKind::kTransact: {
      std::string id = a.value("id", scenario.name + "/" + std::to_string(i + 1));
      nlohmann::json body = {{"id", id}, {"mutations", a["mutations"]}};
      ClientNode& client = *world.find_client(a["client"].get<std::string>());
      client.write(id, body.dump());
      if (a.contains("expect")) state.transacts.push_back({label, client.name(), id, a["expect"].get<std::string>()});
      if (a.value("expect", "") == "rolled_back") world.expect_rejection(client.name(), id);
      break;
    }
    case StepKind::kOffline:
    case StepKind::kOnline:
      // A device loses its network as a whole: every client on it.
      for (ClientNode* c : world.device_clients(*world.find_client(a["client"].get<std::string>()))) {
        c->set_online(step.kind == StepKind::kOnline);
      }
      break;
    case StepKind::kCrashClient:
      world.crash_client(*world.find_client(a["client"].get<std::string>()));
      break;
    case StepKind::kRestartClient:
      world.restart_client(*world.find_client(a["client"].get<std::string>()));
      break;
    case StepKind::kLogin:
      world.find_client(a["client"].get<std::string>())->login(a["user"].get<std::string>());
      break;
    case StepKind::kLogout:
      world.find_client(a["client"].get<std::string>())->logout();
      break;
    case StepKind::kSwitchOrg:
      world.find_client(a["client"].get<std::string>())->switch_route(a["route"].get<std::string>());
      break;
    case StepKind::kGrant:
    case StepKind::kRevoke:
    case StepKind::kSetRole: {
      // An administrator's change at the source of truth: grant is an upsert, revoke and
      // set_role of a membership that does not exist change nothing. A server that is down
      // takes no change (traced as skipped).
      if (!world.server().up()) {
        sim::TraceEvent(world.trace(), world.now(), "operator", sim::TraceKind::kMembershipSkipped).field("reason", "server down");
        break;
      }
      const auto& id = scenario.auth->policy.identity;
      const TableSchema* table = world.server().core().store().find_table("public", id.memberships);
      Row key{{"user_id", Value(a["user"].get<std::string>())}, {"organization_id", Value(a["org"].get<std::string>())}};
      auto existing = world.server().core().store().read_row(*table, key);
      bool exists = existing.ok() && existing->has_value();
      nlohmann::json pk = {{"user_id", a["user"]}, {"organization_id", a["org"]}};
      nlohmann::json m = {{"table", id.memberships}};
      if (step.kind == StepKind::kGrant && !exists) {
        m["op"] = "insert";
        m["value"] = {{"user_id", a["user"]}, {"organization_id", a["org"]}, {"role", a["role"]}};
      } else if (step.kind == StepKind::kRevoke && exists) {
        m["op"] = "delete";
        m["key"] = pk;
        for (const auto& c : world.clients()) {
          if (c->user() == a["user"].get<std::string>() && !c->online()) sometimes(Probe::kRevokedWhileOffline);
        }
      } else if (step.kind != StepKind::kRevoke && exists) {
        m["op"] = "update";
        m["key"] = pk;
        m["value"] = {{"role", a["role"]}};
      } else {
        sim::TraceEvent(world.trace(), world.now(), "operator", sim::TraceKind::kMembershipUnchanged).detail(a.dump());
        break;
      }
      // A revocation may carry other writes in its transaction ("with_before", "with").
      nlohmann::json batch = a.value("with_before", nlohmann::json::array());
      batch.push_back(m);
      for (const auto& w : a.value("with", nlohmann::json::array())) batch.push_back(w);
      int status = world.admin_write(scenario.name + "/admin-" + std::to_string(i + 1), batch.dump());
      // A 5xx is the server failing under the change (an armed mid-commit crash): the change
      // did not happen, which the run tolerates; a 4xx means the step itself is wrong.
      if (status >= 400 && status < 500) {
        result.failures.push_back(label + ": the membership change was refused (HTTP " + std::to_string(status) + ")");
      }
      break;
    }
    case StepKind::kLiveQuery: {
      ClientNode& client = *world.find_client(a["client"].get<std::string>());
      const ScenarioClient* c = scenario.find_client(client.name());
      const TableSchema* t = scenario.find_table(c->shape->schema, c->shape->table);
      sim::ClientQueries::Spec spec;
      const nlohmann::json where = a.contains("where") ? a["where"] : nlohmann::json::object();
      for (const auto& [col, v] : where.items()) {
        spec.equals[col] = v.is_null() ? std::nullopt : Value::from_json(t->find_column(col)->type, v)->to_pg_text();
      }
      if (a.contains("order_by")) spec.order_by = a["order_by"].get<std::string>();
      if (a.contains("limit")) spec.limit = a["limit"].get<size_t>();
      if (Status st = client.declare_query(a["name"].get<std::string>(), spec); !st.ok()) {
        result.failures.push_back(label + ": " + st.message());
      }
      break;
    }
    case StepKind::kExpireTokens:
      if (Status st = world.expire_tokens(); !st.ok()) result.failures.push_back(label + ": " + st.message());
      break;
    case StepKind::kGatekeeperDown:
    case StepKind::kGatekeeperUp:
      world.set_gatekeeper_down(step.kind == StepKind::kGatekeeperDown);
      break;
    case StepKind::kExpectNoRowsFrom:
      if (a.contains("within_ms")) world.run_until(world.now() + Duration::millis(a["within_ms"].get<int64_t>()));
      check_no_rows_from(world, scenario, step, label, result.failures);
      break;
  }
}


void check_after_run(World& world, const PlayState& state, RunResult& result) {
  for (const auto& t : state.transacts) {
    const ClientNode* c = world.find_client(t.client);
    bool confirmed = c->acked_writes().count(t.id) > 0;
    bool rolled_back = c->rejected_writes().count(t.id) > 0;
    std::string actual = confirmed ? "confirmed" : rolled_back ? "rolled_back" : "neither confirmed nor rolled back";
    if (actual != t.expect) {
      std::string why = rolled_back ? ": " + c->rejected_writes().at(t.id) : "";
      result.failures.push_back(t.label + " [" + t.client + "]: transaction " + t.id + " expected " + t.expect + ", was " + actual + why);
    }
  }
}

}  // namespace shapesim
