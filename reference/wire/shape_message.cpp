#include "reference/wire/shape_message.h"

#include "reference/common/json_text.h"
#include "reference/common/log_offset.h"
#include "reference/common/sql_identifier.h"

namespace shapesim {

namespace {

void append_row(std::string& out, const WireRow& row) {
  out.push_back('{');
  bool first = true;
  for (const auto& [col, v] : row) {
    if (!first) out.push_back(',');
    first = false;
    append_json_quoted(out, col);
    out.push_back(':');
    if (v) {
      append_json_quoted(out, *v);
    } else {
      out += "null";
    }
  }
  out.push_back('}');
}

}  // namespace

const char* operation_name(Operation op) {
  switch (op) {
    case Operation::kInsert: return "insert";
    case Operation::kUpdate: return "update";
    case Operation::kDelete: return "delete";
  }
  return "?";
}

std::optional<Operation> parse_operation(std::string_view name) {
  for (Operation op : {Operation::kInsert, Operation::kUpdate, Operation::kDelete}) {
    if (name == operation_name(op)) return op;
  }
  return std::nullopt;
}

std::string encode_message(const ShapeMessage& message) {
  std::string out;
  if (const auto* c = std::get_if<ChangeMessage>(&message)) {
    out.reserve(128);
    out += "{\"key\":";
    append_json_quoted(out, c->key);
    out += ",\"value\":";
    append_row(out, c->value);
    if (c->old_value) {
      out += ",\"old_value\":";
      append_row(out, *c->old_value);
    }
    out += ",\"headers\":{\"operation\":\"";
    out += operation_name(c->op);
    out += "\",\"relation\":[";
    for (size_t i = 0; i < c->relation.size(); ++i) {
      if (i) out.push_back(',');
      append_json_quoted(out, c->relation[i]);
    }
    out.push_back(']');
    if (!c->txids.empty()) {
      out += ",\"txids\":[";
      for (size_t i = 0; i < c->txids.size(); ++i) {
        if (i) out.push_back(',');
        out += std::to_string(c->txids[i]);
      }
      out.push_back(']');
    }
    if (c->lsn) out += ",\"lsn\":\"" + std::to_string(*c->lsn) + "\"";
    if (c->op_position) out += ",\"op_position\":" + std::to_string(*c->op_position);
    if (c->last) out += ",\"last\":true";
    if (c->snapshot_mark) out += ",\"snapshot_mark\":" + std::to_string(*c->snapshot_mark);
    out += "}}";
    return out;
  }
  const auto& c = std::get<ControlMessage>(message);
  switch (c.kind) {
    case ControlKind::kUpToDate:
      out = "{\"headers\":{\"control\":\"up-to-date\"";
      if (c.global_last_seen_lsn) out += ",\"global_last_seen_lsn\":\"" + std::to_string(*c.global_last_seen_lsn) + "\"";
      return out + "}}";
    case ControlKind::kSnapshotEnd: {
      out = "{\"headers\":{\"control\":\"snapshot-end\",\"xmin\":\"" + std::to_string(c.xmin) + "\",\"xmax\":\"" +
            std::to_string(c.xmax) + "\",\"xip_list\":[";
      for (size_t i = 0; i < c.xip_list.size(); ++i) {
        if (i) out.push_back(',');
        out.push_back('"');
        out += std::to_string(c.xip_list[i]);
        out.push_back('"');
      }
      return out + "]}}";
    }
    case ControlKind::kMustRefetch: return "{\"headers\":{\"control\":\"must-refetch\"}}";
  }
  return out;
}

std::string row_key_prefix(const std::string& schema, const std::string& table) {
  return quote_identifier(schema) + "." + quote_identifier(table);
}

void append_row_key_part(std::string& key, const std::optional<std::string_view>& pk_value) {
  key.push_back('/');
  if (!pk_value) {
    key.push_back('_');
    return;
  }
  key.push_back('"');
  for (char c : *pk_value) {
    if (c == '/') key.push_back('/');
    key.push_back(c);
  }
  key.push_back('"');
}

std::string format_row_key(const std::string& schema, const std::string& table,
                           const std::vector<std::optional<std::string>>& pk_values) {
  std::string key = row_key_prefix(schema, table);
  for (const auto& v : pk_values) append_row_key_part(key, v ? std::optional<std::string_view>(*v) : std::nullopt);
  return key;
}

}  // namespace shapesim
