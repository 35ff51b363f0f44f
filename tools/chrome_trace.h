// Chrome/Perfetto export of a simulation trace: the JSON-lines trace (one event per line,
// {"t":micros,"node":...,"ev":...,"d":{...}}) becomes a Chrome trace-event JSON object that
// chrome://tracing and ui.perfetto.dev open as a timeline: one track per node, an instant per
// event (its detail in args), and an async span per request from "send" to the client's
// apply, acknowledgement, rejection or timeout.
//
//   nlohmann::json timeline = chrome_trace_from_lines(lines);   // Result<json>
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/common/status.h"

namespace shapesim::tools {

Result<nlohmann::json> chrome_trace_from_lines(const std::vector<std::string>& lines);

}  // namespace shapesim::tools
