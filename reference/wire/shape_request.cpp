#include "reference/wire/shape_request.h"

#include <set>

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"
#include "reference/common/json_text.h"
#include "reference/common/sql_identifier.h"

namespace shapesim {

namespace {

// Parses one identifier at `pos`: "quoted ""name""" or unquoted [A-Za-z_][A-Za-z0-9_$]*.
Result<std::string> parse_identifier(std::string_view text, size_t& pos) {
  if (pos >= text.size()) return invalid_argument("identifier expected");
  std::string out;
  if (text[pos] == '"') {
    ++pos;
    while (true) {
      if (pos >= text.size()) return invalid_argument("unterminated quoted identifier");
      char c = text[pos++];
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          out.push_back('"');
          ++pos;
        } else {
          break;
        }
      } else {
        out.push_back(c);
      }
    }
    if (out.empty()) return invalid_argument("zero-length delimited identifier");
    return out;
  }
  char first = text[pos];
  bool ok_first = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_';
  if (!ok_first) return invalid_argument("invalid identifier");
  while (pos < text.size()) {
    char c = text[pos];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
    if (!ok) break;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    ++pos;
  }
  return out;
}

void skip_spaces(std::string_view text, size_t& pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
}

// Subset placeholders arrive as JSON: {"1": "a", "2": 7} or ["a", 7]. Numbers (the client
// sends bigints as strings, other numbers as JSON numbers) become their decimal text.
std::optional<std::string> subset_params_from_json(const nlohmann::json& j, std::vector<std::string>& out) {
  auto text_of = [](const nlohmann::json& v, std::string& t) {
    if (v.is_string()) {
      t = v.get<std::string>();
    } else if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float() || v.is_boolean()) {
      t = v.dump();
    } else {
      return false;
    }
    return true;
  };
  std::string t;
  if (j.is_array()) {
    for (const auto& v : j) {
      if (!text_of(v, t)) return "values must be strings or numbers";
      out.push_back(t);
    }
    return std::nullopt;
  }
  if (!j.is_object()) return "must be a JSON object {\"1\": value, ...} or array";
  std::map<uint64_t, std::string> numbered;
  for (const auto& [key, v] : j.items()) {
    uint64_t n = 0;
    if (!parse_uint64(key, n) || n == 0) return "keys must be positive integers: " + key;
    if (!text_of(v, t)) return "values must be strings or numbers";
    numbered[n] = t;
  }
  uint64_t expected = 1;
  for (auto& [n, v] : numbered) {
    if (n != expected++) return "parameters must be numbered sequentially, starting from 1";
    out.push_back(std::move(v));
  }
  return std::nullopt;
}

// A non-negative integer from a query string or a JSON number/string.
std::optional<uint64_t> count_from_json(const nlohmann::json& v) {
  uint64_t n = 0;
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  if (v.is_string() && parse_uint64(v.get_ref<const std::string&>(), n)) return n;
  return std::nullopt;
}

constexpr const char* kSubsetWhere = "subset__where";
constexpr const char* kSubsetParams = "subset__params";
constexpr const char* kSubsetOrderBy = "subset__order_by";
constexpr const char* kSubsetLimit = "subset__limit";
constexpr const char* kSubsetOffset = "subset__offset";

// The subset__* query parameters of a GET, if any is present.
std::optional<SubsetRequest> parse_subset_query(const QueryParams& query, ValidationErrors& errors) {
  bool present = false;
  for (const char* k : {kSubsetWhere, kSubsetParams, kSubsetOrderBy, kSubsetLimit, kSubsetOffset}) {
    present = present || query.count(k) > 0;
  }
  if (!present) return std::nullopt;
  SubsetRequest s;
  if (auto it = query.find(kSubsetWhere); it != query.end()) s.where = it->second;
  if (auto it = query.find(kSubsetOrderBy); it != query.end()) s.order_by = it->second;
  if (auto it = query.find(kSubsetParams); it != query.end()) {
    auto j = parse_bounded_json(it->second);
    if (!j.ok()) {
      errors.add(kSubsetParams, j.status().message() == "is not valid JSON" ? "must be JSON" : "must be JSON that " + j.status().message());
    } else if (auto e = subset_params_from_json(*j, s.params)) {
      errors.add(kSubsetParams, *e);
    }
  }
  uint64_t n = 0;
  if (auto it = query.find(kSubsetLimit); it != query.end()) {
    if (parse_uint64(it->second, n)) {
      s.limit = n;
    } else {
      errors.add(kSubsetLimit, "must be a non-negative integer");
    }
  }
  if (auto it = query.find(kSubsetOffset); it != query.end()) {
    if (parse_uint64(it->second, n)) {
      s.offset = n;
    } else {
      errors.add(kSubsetOffset, "must be a non-negative integer");
    }
  }
  return s;
}

}  // namespace

bool is_protocol_param(const std::string& key) {
  static const std::set<std::string> kProtocol = {"offset", "handle", "live", "live_sse", "experimental_live_sse",
                                                  "cursor", "log", "expired_handle", "cache-buster"};
  return kProtocol.count(key) > 0 || key.rfind("subset__", 0) == 0;
}

Result<std::pair<std::string, std::string>> parse_table_name(std::string_view text) {
  size_t pos = 0;
  auto first = parse_identifier(text, pos);
  if (!first.ok()) return first.status();
  if (pos == text.size()) return std::make_pair(std::string("public"), std::move(*first));
  if (text[pos] != '.') return invalid_argument("invalid table name");
  ++pos;
  auto second = parse_identifier(text, pos);
  if (!second.ok()) return second.status();
  if (pos != text.size()) return invalid_argument("invalid table name");
  return std::make_pair(std::move(*first), std::move(*second));
}

Result<std::vector<std::string>> parse_column_list(std::string_view text) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  size_t pos = 0;
  while (true) {
    skip_spaces(text, pos);
    auto id = parse_identifier(text, pos);
    if (!id.ok()) return invalid_argument("Invalid column list: " + id.status().message());
    if (!seen.insert(*id).second) return invalid_argument("Invalid column list: duplicate column \"" + *id + "\"");
    columns.push_back(std::move(*id));
    skip_spaces(text, pos);
    if (pos == text.size()) break;
    if (text[pos] != ',') return invalid_argument("Invalid column list: expected a comma");
    ++pos;
  }
  return columns;
}

std::string ShapeDefinition::canonical() const {
  std::string out = quote_identifier(schema) + "." + quote_identifier(table) + "|where=" + where + "|params=";
  for (const auto& p : params) out += json_quote(p) + ",";
  out += "|columns=";
  for (const auto& c : columns) out += quote_identifier(c) + ",";
  out += replica == Replica::kFull ? "|replica=full" : "|replica=default";
  if (log == LogMode::kChangesOnly) out += "|log=changes_only";
  return out;
}

void ShapeDefinition::to_query(QueryParams& query) const {
  query["table"] = schema == "public" ? format_identifier(table) : format_identifier(schema) + "." + format_identifier(table);
  if (!where.empty()) query["where"] = where;
  for (size_t i = 0; i < params.size(); ++i) query["params[" + std::to_string(i + 1) + "]"] = params[i];
  if (!columns.empty()) {
    std::string list;
    for (const auto& c : columns) {
      if (!list.empty()) list.push_back(',');
      list += format_identifier(c);
    }
    query["columns"] = list;
  }
  if (replica == Replica::kFull) query["replica"] = "full";
  if (log == LogMode::kChangesOnly) query["log"] = "changes_only";
}

QueryParams ShapeRequest::to_query() const {
  QueryParams q;
  shape.to_query(q);
  switch (offset_kind) {
    case OffsetKind::kBeforeAll: q["offset"] = "-1"; break;
    case OffsetKind::kNow: q["offset"] = "now"; break;
    case OffsetKind::kAt: q["offset"] = offset.to_string(); break;
  }
  if (handle) q["handle"] = *handle;
  if (live) q["live"] = "true";
  if (cursor) q["cursor"] = *cursor;
  if (sse) q["live_sse"] = "true";
  if (subset) {
    q[kSubsetWhere] = subset->where;  // always: it marks the request as a subset snapshot
    if (!subset->params.empty()) q[kSubsetParams] = nlohmann::json(subset->params).dump();
    if (!subset->order_by.empty()) q[kSubsetOrderBy] = subset->order_by;
    if (subset->limit) q[kSubsetLimit] = std::to_string(*subset->limit);
    if (subset->offset) q[kSubsetOffset] = std::to_string(subset->offset);
  }
  return q;
}

std::string ValidationErrors::to_json() const {
  std::string out = "{\"message\":\"Invalid request\",\"errors\":{";
  bool first = true;
  for (const auto& [param, reasons] : errors) {
    if (!first) out.push_back(',');
    first = false;
    out += json_quote(param) + ":[";
    for (size_t i = 0; i < reasons.size(); ++i) {
      if (i) out.push_back(',');
      out += json_quote(reasons[i]);
    }
    out += "]";
  }
  return out + "}}";
}

ParsedShapeRequest parse_shape_request(const QueryParams& query) {
  ParsedShapeRequest result;
  ValidationErrors& errors = result.errors;
  ShapeRequest r;

  auto table = query.find("table");
  if (table == query.end() || table->second.empty()) {
    errors.add("table", "can't be blank");
  } else {
    auto name = parse_table_name(table->second);
    if (!name.ok()) {
      errors.add("table", name.status().message());
    } else {
      r.shape.schema = name->first;
      r.shape.table = name->second;
    }
  }

  auto offset = query.find("offset");
  if (offset == query.end() || offset->second.empty()) {
    errors.add("offset", "can't be blank");
  } else if (offset->second == "-1") {
    r.offset_kind = OffsetKind::kBeforeAll;
  } else if (offset->second == "now") {
    r.offset_kind = OffsetKind::kNow;
  } else {
    auto parsed = LogOffset::parse(offset->second);
    if (!parsed.ok()) {
      errors.add("offset", "has invalid format");
    } else {
      r.offset_kind = OffsetKind::kAt;
      r.offset = *parsed;
    }
  }

  auto handle = query.find("handle");
  if (handle != query.end() && !handle->second.empty()) r.handle = handle->second;
  if (r.offset_kind == OffsetKind::kAt && !r.handle && offset != query.end()) {
    errors.add("handle", "can't be blank when offset != -1");
  }
  if (r.offset_kind != OffsetKind::kAt) r.handle.reset();  // ignored with -1 / now

  auto live = query.find("live");
  if (live != query.end()) {
    if (live->second == "true") {
      r.live = true;
    } else if (live->second != "false") {
      errors.add("live", "must be true or false");
    }
  }
  if (r.live && r.offset_kind == OffsetKind::kBeforeAll && offset != query.end()) {
    errors.add("live", "can't be true when offset is -1");
  }

  auto cursor = query.find("cursor");
  if (cursor != query.end()) r.cursor = cursor->second;

  auto where = query.find("where");
  if (where != query.end()) r.shape.where = where->second;

  // params[1]..params[n], numbered from 1 without gaps.
  std::map<uint64_t, std::string> numbered;
  for (const auto& [key, value] : query) {
    if (key.rfind("params[", 0) != 0) continue;
    uint64_t n = 0;
    if (key.back() != ']' || !parse_uint64(std::string_view(key).substr(7, key.size() - 8), n) || n == 0) {
      errors.add("params", "parameter keys must be positive integers: " + key);
      continue;
    }
    numbered[n] = value;
  }
  uint64_t expected = 1;
  for (auto& [n, value] : numbered) {
    if (n != expected) {
      errors.add("params", "parameters must be numbered sequentially, starting from 1");
      break;
    }
    r.shape.params.push_back(value);
    ++expected;
  }

  auto columns = query.find("columns");
  if (columns != query.end()) {
    auto list = parse_column_list(columns->second);
    if (!list.ok()) {
      errors.add("columns", list.status().message());
    } else {
      r.shape.columns = std::move(*list);
    }
  }

  auto replica = query.find("replica");
  if (replica != query.end()) {
    if (replica->second == "full") {
      r.shape.replica = Replica::kFull;
    } else if (replica->second != "default") {
      errors.add("replica", "is invalid");
    }
  }

  auto log = query.find("log");
  if (log != query.end()) {
    if (log->second == "changes_only") {
      r.shape.log = LogMode::kChangesOnly;
    } else if (log->second != "full") {
      errors.add("log", "is invalid");
    }
  }

  // live_sse (and the older experimental_live_sse): a live request answered as a stream.
  for (const char* name : {"live_sse", "experimental_live_sse"}) {
    auto sse = query.find(name);
    if (sse == query.end()) continue;
    if (sse->second == "true") {
      r.sse = true;
    } else if (sse->second != "false") {
      errors.add(name, "must be true or false");
    }
  }
  if (r.sse && !r.live) errors.add("live_sse", "can't be true unless live is also true");

  r.subset = parse_subset_query(query, errors);
  if (r.subset && r.live) errors.add("live", "can't be true for a subset snapshot");

  if (errors.empty()) result.request = std::move(r);
  return result;
}

std::optional<SubsetRequest> parse_subset_body(std::string_view body, ValidationErrors& errors) {
  auto parsed = parse_bounded_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    std::string why = parsed.ok() ? "" : " (it " + parsed.status().message() + ")";
    errors.add("body", "must be a JSON object with the subset (where, params, order_by, limit, offset)" + why);
    return std::nullopt;
  }
  const nlohmann::json& j = *parsed;
  SubsetRequest s;
  auto text_field = [&](const char* name, const char* param, std::string& out) {
    if (!j.contains(name) || j[name].is_null()) return;
    if (j[name].is_string()) {
      out = j[name].get<std::string>();
    } else {
      errors.add(param, "must be a string");
    }
  };
  text_field("where", kSubsetWhere, s.where);
  text_field("order_by", kSubsetOrderBy, s.order_by);
  if (j.contains("params") && !j["params"].is_null()) {
    if (auto e = subset_params_from_json(j["params"], s.params)) errors.add(kSubsetParams, *e);
  }
  if (j.contains("limit") && !j["limit"].is_null()) {
    if (auto n = count_from_json(j["limit"])) {
      s.limit = *n;
    } else {
      errors.add(kSubsetLimit, "must be a non-negative integer");
    }
  }
  if (j.contains("offset") && !j["offset"].is_null()) {
    if (auto n = count_from_json(j["offset"])) {
      s.offset = *n;
    } else {
      errors.add(kSubsetOffset, "must be a non-negative integer");
    }
  }
  if (!errors.empty()) return std::nullopt;
  return s;
}

}  // namespace shapesim
