#include "sim/trace_event.h"

#include "reference/common/assert.h"
#include "reference/common/json_text.h"

namespace shapesim::sim {

const char* trace_kind_name(TraceKind kind) {
  switch (kind) {
    case TraceKind::kBegin: return "begin";
    case TraceKind::kEnd: return "end";
    case TraceKind::kStart: return "start";
    case TraceKind::kStep: return "step";
    case TraceKind::kEventCap: return "event-cap";
    case TraceKind::kViolation: return "violation";
    case TraceKind::kEndFaults: return "end-faults";
    case TraceKind::kSend: return "send";
    case TraceKind::kDropRequest: return "drop-request";
    case TraceKind::kRespond: return "respond";
    case TraceKind::kDropResponse: return "drop-response";
    case TraceKind::kLoseWriteResponse: return "lose-write-response";
    case TraceKind::kPartition: return "partition";
    case TraceKind::kClog: return "clog";
    case TraceKind::kHeal: return "heal";
    case TraceKind::kServerCrash: return "crash";
    case TraceKind::kArmCrash: return "arm-crash";
    case TraceKind::kServerRestart: return "restart";
    case TraceKind::kCrash: return "crash";
    case TraceKind::kRestart: return "restart";
    case TraceKind::kDeleteShape: return "delete-shape";
    case TraceKind::kGatekeeperDown: return "gatekeeper-down";
    case TraceKind::kGatekeeperUp: return "gatekeeper-up";
    case TraceKind::kExpireTokens: return "expire-tokens";
    case TraceKind::kAdminWrite: return "admin-write";
    case TraceKind::kMembershipSkipped: return "membership-skipped";
    case TraceKind::kMembershipUnchanged: return "membership-unchanged";
    case TraceKind::kOnline: return "online";
    case TraceKind::kOffline: return "offline";
    case TraceKind::kLogin: return "login";
    case TraceKind::kLogout: return "logout";
    case TraceKind::kSwitchRoute: return "switch-route";
    case TraceKind::kWriteRefused: return "write-refused";
    case TraceKind::kTimeout: return "timeout";
    case TraceKind::kWriteAck: return "write-ack";
    case TraceKind::kWriteRejected: return "write-rejected";
    case TraceKind::kApply: return "apply";
    case TraceKind::kPurge: return "purge";
  }
  return "?";
}

TraceEvent::TraceEvent(Trace& trace, Timestamp at, std::string_view node, TraceKind kind)
    : trace_(trace), at_(at), node_(node), kind_(kind) {}

TraceEvent::~TraceEvent() {
  if (!raw_) detail_ += '}';
  trace_.record(at_, node_, trace_kind_name(kind_), detail_);
}

void TraceEvent::key(std::string_view name) {
  SHAPESIM_ASSERT(!raw_);
  if (detail_.size() > 1) detail_ += ',';
  append_json_quoted(detail_, name);
  detail_ += ':';
}

TraceEvent& TraceEvent::field(std::string_view name, std::string_view value) {
  key(name);
  append_json_quoted(detail_, value);
  return *this;
}

TraceEvent& TraceEvent::field(std::string_view name, bool value) {
  key(name);
  detail_ += value ? "true" : "false";
  return *this;
}

TraceEvent& TraceEvent::number(std::string_view name, const std::string& digits) {
  key(name);
  detail_ += digits;
  return *this;
}

TraceEvent& TraceEvent::json(std::string_view name, std::string_view value_json) {
  key(name);
  detail_ += value_json;
  return *this;
}

TraceEvent& TraceEvent::detail(std::string_view object_json) {
  SHAPESIM_ASSERT(detail_ == "{" && !raw_);
  detail_ = std::string(object_json);
  raw_ = true;
  return *this;
}

}  // namespace shapesim::sim
