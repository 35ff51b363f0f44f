// Pieces of the scenario parser shared by its files (scenario.cpp: the top level and clients;
// scenario_steps.cpp: the steps; scenario_auth.cpp: the auth section). Not a public API.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"

namespace shapesim {

bool is_non_negative_int(const nlohmann::json& j);
Status parse_step(const Scenario& s, const nlohmann::json& j, ScenarioStep& step);
// The "auth" object: the policy (inline, or a path relative to `base_dir`), token lifetimes,
// users, organizations and memberships (seed rows of the identity tables, which are declared
// if the scenario does not declare them).
Status parse_auth(const nlohmann::json& j, const std::string& base_dir, Scenario& s);
// The table a declared route reads (a parse error if no route of the policy matches).
Result<std::string> route_table(const auth::Policy& policy, const std::string& route);

}  // namespace shapesim
