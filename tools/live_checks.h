// The checks of a live run (`shapesim conform`) on one client, as in simulation: an `expect`
// step, `expect_no_rows_from` (memory and local file), and at the end the local-transaction
// promises. Failures are appended as "<label> [<client>]: <what>".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"
#include "tools/live_client.h"

namespace shapesim::tools {

// An `expect` step's checks (args `a`); `differences(collection)` compares that collection
// with a fresh read from the target (asked only for `converged`); `device_token_requests`
// counts the gatekeeper requests of the client's whole device.
void check_live_expect(const Scenario& scenario, const std::string& label, const LiveClient& c, const nlohmann::json& a,
                       uint64_t device_token_requests,
                       const std::function<std::vector<std::string>(const std::string&)>& differences,
                       std::vector<std::string>& failures);

// expect_no_rows_from: no row of the organization (or owner) in memory or in the local file.
void check_live_no_rows_from(const Scenario& scenario, const std::string& label, const LiveClient& c, const nlohmann::json& a,
                             std::vector<std::string>& failures);

// At the end: every committed transaction acknowledged or rolled back, nothing pending, what
// is shown is what was synced.
void check_live_promises(const std::string& name, const LiveClient& c, std::vector<std::string>& failures);

}  // namespace shapesim::tools
