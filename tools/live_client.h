// LiveClient: one application of a live run (`shapesim conform`, tools/live_run.cpp): the
// reference client engine over its own local file, and what the run recorded of it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reference/client/client_engine.h"
#include "reference/client/client_store.h"
#include "scenarios/scenario.h"
#include "sim/client_queries.h"

namespace shapesim::tools {

// One live application: the engine over its own local file.
struct LiveClient {
  const ScenarioClient* spec = nullptr;
  std::string file;
  std::optional<std::string> user;
  std::optional<std::string> route;
  bool up = true;
  bool online = true;
  bool signed_out = false;
  uint64_t incarnation = 0;
  std::unique_ptr<ClientStore> store;
  std::unique_ptr<ClientEngine> engine;
  std::unique_ptr<sim::ClientQueries> queries;  // the application's live queries
  std::vector<std::string> committed;
  std::map<std::string, uint64_t> acked;
  std::map<std::string, std::string> rejected;
  uint64_t token_requests = 0;  // gatekeeper requests it sent
};

// The collections a client syncs, "main" first.
inline std::vector<std::string> collections_of(const LiveClient& c) {
  std::vector<std::string> out{"main"};
  for (const auto& more : c.spec->collections) out.push_back(more.name);
  return out;
}

}  // namespace shapesim::tools
