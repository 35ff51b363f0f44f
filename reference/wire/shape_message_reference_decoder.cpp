#include "reference/wire/shape_message_reference_decoder.h"

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"
#include "reference/common/log_offset.h"

namespace shapesim {

namespace {

Result<uint64_t> decimal_field(const nlohmann::json& j, const char* name) {
  if (!j.is_string()) return invalid_argument(std::string(name) + " must be a decimal string");
  uint64_t v = 0;
  if (!parse_uint64(j.get_ref<const std::string&>(), v)) {
    return invalid_argument(std::string(name) + " must be a decimal string");
  }
  return v;
}

Result<WireRow> decode_row(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_argument("value must be an object");
  WireRow row;
  for (const auto& [k, v] : j.items()) {
    if (v.is_null()) {
      row[k] = std::nullopt;
    } else if (v.is_string()) {
      row[k] = v.get<std::string>();
    } else {
      return invalid_argument("column values must be strings or null");
    }
  }
  return row;
}

Result<ShapeMessage> decode_one(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("headers") || !j["headers"].is_object()) {
    return invalid_argument("message must be an object with headers");
  }
  const auto& h = j["headers"];
  if (h.contains("control")) {
    ControlMessage c;
    const auto& kind = h["control"];
    if (kind == "up-to-date") {
      c.kind = ControlKind::kUpToDate;
      if (h.contains("global_last_seen_lsn")) {
        SHAPESIM_ASSIGN_OR_RETURN(uint64_t lsn, decimal_field(h["global_last_seen_lsn"], "global_last_seen_lsn"));
        c.global_last_seen_lsn = lsn;
      }
    } else if (kind == "snapshot-end") {
      c.kind = ControlKind::kSnapshotEnd;
      if (h.contains("xmin")) {
        SHAPESIM_ASSIGN_OR_RETURN(c.xmin, decimal_field(h["xmin"], "xmin"));
      }
      if (h.contains("xmax")) {
        SHAPESIM_ASSIGN_OR_RETURN(c.xmax, decimal_field(h["xmax"], "xmax"));
      }
      if (h.contains("xip_list")) {
        if (!h["xip_list"].is_array()) return invalid_argument("xip_list must be an array");
        for (const auto& x : h["xip_list"]) {
          SHAPESIM_ASSIGN_OR_RETURN(uint64_t xid, decimal_field(x, "xip_list"));
          c.xip_list.push_back(xid);
        }
      }
    } else if (kind == "must-refetch") {
      c.kind = ControlKind::kMustRefetch;
    } else {
      return invalid_argument("unknown control message");
    }
    return ShapeMessage(c);
  }
  ChangeMessage m;
  if (!h.contains("operation") || !h["operation"].is_string()) return invalid_argument("operation missing");
  const auto& op = h["operation"].get_ref<const std::string&>();
  const std::optional<Operation> parsed = parse_operation(op);
  if (!parsed) return invalid_argument("unknown operation \"" + op + "\"");
  m.op = *parsed;
  if (!j.contains("key") || !j["key"].is_string()) return invalid_argument("key missing");
  m.key = j["key"].get<std::string>();
  if (j.contains("value")) {
    SHAPESIM_ASSIGN_OR_RETURN(m.value, decode_row(j["value"]));
  }
  if (j.contains("old_value")) {
    SHAPESIM_ASSIGN_OR_RETURN(WireRow old, decode_row(j["old_value"]));
    m.old_value = std::move(old);
  }
  if (h.contains("relation")) {
    if (!h["relation"].is_array()) return invalid_argument("relation must be an array");
    for (const auto& r : h["relation"]) {
      if (!r.is_string()) return invalid_argument("relation must hold strings");
      m.relation.push_back(r.get<std::string>());
    }
  }
  if (h.contains("txids")) {
    if (!h["txids"].is_array()) return invalid_argument("txids must be an array");
    for (const auto& t : h["txids"]) {
      if (!t.is_number_unsigned()) return invalid_argument("txids must hold unsigned integers");
      m.txids.push_back(t.get<uint64_t>());
    }
  }
  if (h.contains("lsn")) {
    SHAPESIM_ASSIGN_OR_RETURN(uint64_t lsn, decimal_field(h["lsn"], "lsn"));
    m.lsn = lsn;
  }
  if (h.contains("op_position")) {
    if (!h["op_position"].is_number_unsigned()) return invalid_argument("op_position must be an unsigned integer");
    m.op_position = h["op_position"].get<uint64_t>();
  }
  if (h.contains("last")) m.last = h["last"] == true;
  if (h.contains("snapshot_mark")) {
    if (!h["snapshot_mark"].is_number_unsigned()) return invalid_argument("snapshot_mark must be an unsigned integer");
    m.snapshot_mark = h["snapshot_mark"].get<uint64_t>();
  }
  return ShapeMessage(std::move(m));
}

}  // namespace

Result<std::vector<ShapeMessage>> decode_messages_reference(std::string_view body) {
  auto parsed = parse_bounded_json(body);
  if (!parsed.ok()) return invalid_argument("response body " + parsed.status().message());
  const nlohmann::json& j = *parsed;
  if (!j.is_array()) return invalid_argument("response body must be a JSON array");
  std::vector<ShapeMessage> out;
  out.reserve(j.size());
  for (const auto& m : j) {
    SHAPESIM_ASSIGN_OR_RETURN(ShapeMessage decoded, decode_one(m));
    out.push_back(std::move(decoded));
  }
  return out;
}

}  // namespace shapesim
