#include "sim/invariants.h"

namespace shapesim::sim {

namespace {

std::string describe_row(const WireRow& row) {
  std::string out = "{";
  for (const auto& [k, v] : row) out += k + "=" + (v ? *v : "NULL") + " ";
  if (out.size() > 1) out.pop_back();
  return out + "}";
}

void check_convergence(World& world, const ClientNode& c, std::vector<Violation>& out) {
  const ShapeStream* s = c.stream();
  if (!s || !world.reachable(c.id()) || s->state() != StreamState::kLive) return;
  auto expected = world.server().core().evaluate_from_scratch(s->shape());
  if (!expected.ok()) {
    out.push_back({"convergence", c.name(), "server cannot evaluate the shape: " + expected.status().message()});
    return;
  }
  const auto& actual = c.collection().rows();
  for (const auto& [key, row] : *expected) {
    auto it = actual.find(key);
    if (it == actual.end()) {
      out.push_back({"convergence", c.name(), "missing row " + key + " " + describe_row(row)});
    } else if (it->second != row) {
      out.push_back({"convergence", c.name(),
                     "row " + key + " is " + describe_row(it->second) + ", server has " + describe_row(row)});
    }
  }
  for (const auto& [key, row] : actual) {
    if (!expected->count(key)) out.push_back({"convergence", c.name(), "extra row " + key + " " + describe_row(row)});
  }
}

}  // namespace

std::vector<Violation> check_invariants(World& world) {
  std::vector<Violation> out;
  for (const auto& c : world.clients()) {
    check_convergence(world, *c, out);
    for (const auto& v : c->violations()) out.push_back({"offsets", c->name(), v});
    if (c->collection().duplicate_changes() > 0) {
      out.push_back({"exactly-once", c->name(),
                     std::to_string(c->collection().duplicate_changes()) + " change(s) applied twice"});
    }
    for (const auto& a : c->collection().anomalies()) out.push_back({"exactly-once", c->name(), a});
  }
  return out;
}

std::string format_violation(const Violation& v) { return v.invariant + " [" + v.client + "]: " + v.detail; }

}  // namespace shapesim::sim
