// LiveRun: one scenario played against a live deployment in real time (`shapesim conform`):
// its clients run the reference client engine over real HTTP (reference/net), each with a
// local file, taking turns on one thread; the steps run on the wall clock; expectations,
// convergence with a fresh read, and the local-transaction promises are checked as in
// simulation. Returns the failures.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/client/client_engine.h"
#include "reference/net/http_client.h"
#include "scenarios/scenario.h"
#include "sim/client_queries.h"

namespace shapesim::tools {

// Plays `scenario` against `endpoint`, with client files under `dir`; with `pg_url`, membership
// changes are SQL on the deployment's database. Returns the failures.
std::vector<std::string> play_live(const Scenario& scenario, const net::HttpEndpoint& endpoint, const std::string& dir,
                                   const std::optional<std::string>& pg_url = std::nullopt);

}  // namespace shapesim::tools
