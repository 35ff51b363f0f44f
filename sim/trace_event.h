// Typed trace events of the simulator. Each event has a kind from one list (TraceKind, with
// the name written in the trace) and typed fields; TraceEvent writes them as the JSON line
// Trace records (reference/common/trace.h): no event is built as a hand-written JSON string.
//
//   TraceEvent(trace, now, "world", TraceKind::kClog).field("node", name).field("us", 1500);
//   // recorded when the statement ends: {"t":..,"node":"world","ev":"clog","d":{"node":"c1","us":1500}}
//
// Field order is the order of the calls, so the same run writes the same bytes (and hash).
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "reference/common/time.h"
#include "reference/common/trace.h"

namespace shapesim::sim {

enum class TraceKind : uint8_t {
  // the run
  kBegin, kEnd, kStart, kStep, kEventCap, kViolation, kEndFaults,
  // the network
  kSend, kDropRequest, kRespond, kDropResponse, kLoseWriteResponse, kPartition, kClog, kHeal,
  // nodes
  kServerCrash, kArmCrash, kServerRestart, kCrash, kRestart,
  // operators
  kDeleteShape, kGatekeeperDown, kGatekeeperUp, kExpireTokens, kAdminWrite, kMembershipSkipped, kMembershipUnchanged,
  // clients
  kOnline, kOffline, kLogin, kLogout, kSwitchRoute, kWriteRefused, kTimeout, kWriteAck, kWriteRejected, kApply, kPurge,
};
const char* trace_kind_name(TraceKind kind);

class TraceEvent {
 public:
  TraceEvent(Trace& trace, Timestamp at, std::string_view node, TraceKind kind);
  ~TraceEvent();  // records the event
  TraceEvent(const TraceEvent&) = delete;
  TraceEvent& operator=(const TraceEvent&) = delete;

  TraceEvent& field(std::string_view name, std::string_view value);
  TraceEvent& field(std::string_view name, const char* value) { return field(name, std::string_view(value)); }
  TraceEvent& field(std::string_view name, const std::string& value) { return field(name, std::string_view(value)); }
  TraceEvent& field(std::string_view name, bool value);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  TraceEvent& field(std::string_view name, T value) {
    return number(name, std::to_string(value));
  }
  // A field whose value is already JSON (a scenario step, the drawn knobs).
  TraceEvent& json(std::string_view name, std::string_view value_json);
  // The whole detail is this JSON object (instead of fields).
  TraceEvent& detail(std::string_view object_json);

 private:
  TraceEvent& number(std::string_view name, const std::string& digits);
  void key(std::string_view name);

  Trace& trace_;
  Timestamp at_;
  std::string_view node_;
  TraceKind kind_;
  std::string detail_ = "{";
  bool raw_ = false;  // detail() gave the whole object
};

}  // namespace shapesim::sim
