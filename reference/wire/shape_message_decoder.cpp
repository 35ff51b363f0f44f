// decode_messages(): shape log messages streamed out of a response body as SAX events (no
// DOM of ours is built), each message's fields gathered as they arrive and checked when its
// object closes, in the order and with the errors of the reference decoder
// (shape_message_reference_decoder.cpp), which the wire tests and fuzz_shape_messages compare
// it with.
//
// The events come from simdjson_sax_parse (simdjson where it can, nlohmann's SAX parser where it
// cannot: reference/common/simdjson_sax.h), so every error and every accepted oddity is
// nlohmann's, as in the reference.
//
// Precedence, as the reference has it: malformed JSON anywhere, then a body that is not an
// array, then the first message in error. Depth is bounded before parsing (bounded_json.h),
// so the frame stack and the walk's recursion hold at most kMaxJsonDepth frames.
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "reference/common/assert.h"
#include "reference/common/bounded_json.h"
#include "reference/common/log_offset.h"
#include "reference/common/simdjson_sax.h"
#include "reference/wire/shape_message.h"

namespace shapesim {
namespace {

using json = nlohmann::json;

// A scalar header field as it arrived (kAbsent: not seen; kOther: an object, an array, or a
// scalar of a kind no field accepts).
struct Field {
  enum Kind : uint8_t { kAbsent, kNull, kBool, kUnsigned, kSigned, kFloat, kString, kContainer };
  Kind kind = kAbsent;
  bool boolean = false;
  uint64_t number = 0;
  std::string text;
  bool present() const { return kind != kAbsent; }
};

// relation, txids, xip_list: whether the value was an array and what its elements were.
struct ListField {
  enum Kind : uint8_t { kAbsent, kArray, kOther };
  Kind kind = kAbsent;
  std::vector<std::string> strings;  // the string elements
  std::vector<uint64_t> numbers;     // unsigned elements (txids) or decimal strings (xip_list)
  bool all_strings = true, all_unsigned = true, all_decimal = true;
  bool present() const { return kind != kAbsent; }
};

// value, old_value: an object of column -> string | null.
struct RowField {
  enum Kind : uint8_t { kAbsent, kObject, kOther };
  Kind kind = kAbsent;
  WireRow row;
  std::set<std::string> bad_columns;  // columns whose (last) value is neither a string nor null
};

struct Headers {
  Field control, global_last_seen_lsn, xmin, xmax, operation, lsn, op_position, last, snapshot_mark;
  ListField xip_list, relation, txids;
};

struct PendingMessage {
  bool headers_object = false;  // "headers" present and (last seen) an object
  Headers headers;
  Field key;
  RowField value, old_value;
};

Result<uint64_t> decimal(const Field& f, const char* name) {
  uint64_t v = 0;
  if (f.kind != Field::kString || !parse_uint64(f.text, v)) return invalid_argument(std::string(name) + " must be a decimal string");
  return v;
}

Result<WireRow> row_of(RowField& f) {
  if (f.kind != RowField::kObject) return invalid_argument("value must be an object");
  if (!f.bad_columns.empty()) return invalid_argument("column values must be strings or null");
  return std::move(f.row);
}

// The checks of the reference decoder's decode_one, over the gathered fields.
Result<ShapeMessage> finish(PendingMessage& m) {
  if (!m.headers_object) return invalid_argument("message must be an object with headers");
  Headers& h = m.headers;
  if (h.control.present()) {
    ControlMessage c;
    const bool is_string = h.control.kind == Field::kString;
    if (is_string && h.control.text == "up-to-date") {
      c.kind = ControlKind::kUpToDate;
      if (h.global_last_seen_lsn.present()) {
        SHAPESIM_ASSIGN_OR_RETURN(uint64_t lsn, decimal(h.global_last_seen_lsn, "global_last_seen_lsn"));
        c.global_last_seen_lsn = lsn;
      }
    } else if (is_string && h.control.text == "snapshot-end") {
      c.kind = ControlKind::kSnapshotEnd;
      if (h.xmin.present()) {
        SHAPESIM_ASSIGN_OR_RETURN(c.xmin, decimal(h.xmin, "xmin"));
      }
      if (h.xmax.present()) {
        SHAPESIM_ASSIGN_OR_RETURN(c.xmax, decimal(h.xmax, "xmax"));
      }
      if (h.xip_list.present()) {
        if (h.xip_list.kind != ListField::kArray) return invalid_argument("xip_list must be an array");
        if (!h.xip_list.all_decimal) return invalid_argument("xip_list must be a decimal string");
        c.xip_list = std::move(h.xip_list.numbers);
      }
    } else if (is_string && h.control.text == "must-refetch") {
      c.kind = ControlKind::kMustRefetch;
    } else {
      return invalid_argument("unknown control message");
    }
    return ShapeMessage(std::move(c));
  }
  ChangeMessage out;
  if (h.operation.kind != Field::kString) return invalid_argument("operation missing");
  const std::string& op = h.operation.text;
  const std::optional<Operation> parsed = parse_operation(op);
  if (!parsed) return invalid_argument("unknown operation \"" + op + "\"");
  out.op = *parsed;
  if (m.key.kind != Field::kString) return invalid_argument("key missing");
  out.key = std::move(m.key.text);
  if (m.value.kind != RowField::kAbsent) {
    SHAPESIM_ASSIGN_OR_RETURN(out.value, row_of(m.value));
  }
  if (m.old_value.kind != RowField::kAbsent) {
    SHAPESIM_ASSIGN_OR_RETURN(WireRow old, row_of(m.old_value));
    out.old_value = std::move(old);
  }
  if (h.relation.present()) {
    if (h.relation.kind != ListField::kArray) return invalid_argument("relation must be an array");
    if (!h.relation.all_strings) return invalid_argument("relation must hold strings");
    out.relation = std::move(h.relation.strings);
  }
  if (h.txids.present()) {
    if (h.txids.kind != ListField::kArray) return invalid_argument("txids must be an array");
    if (!h.txids.all_unsigned) return invalid_argument("txids must hold unsigned integers");
    out.txids = std::move(h.txids.numbers);
  }
  if (h.lsn.present()) {
    SHAPESIM_ASSIGN_OR_RETURN(uint64_t lsn, decimal(h.lsn, "lsn"));
    out.lsn = lsn;
  }
  if (h.op_position.present()) {
    if (h.op_position.kind != Field::kUnsigned) return invalid_argument("op_position must be an unsigned integer");
    out.op_position = h.op_position.number;
  }
  if (h.last.present()) out.last = h.last.kind == Field::kBool && h.last.boolean;
  if (h.snapshot_mark.present()) {
    if (h.snapshot_mark.kind != Field::kUnsigned) return invalid_argument("snapshot_mark must be an unsigned integer");
    out.snapshot_mark = h.snapshot_mark.number;
  }
  return ShapeMessage(std::move(out));
}

class MessageSax {
 public:
  explicit MessageSax(std::vector<ShapeMessage>& out) : out_(out) {}

  // The outcome once parsing has ended (true from sax_parse: the JSON was well formed).
  Status result(bool well_formed) const {
    if (!well_formed) return invalid_argument("response body is not valid JSON");
    if (!top_is_array_) return invalid_argument("response body must be a JSON array");
    return error_;
  }

  // --- the nlohmann SAX interface ---
  bool null() { return scalar(Field{Field::kNull}); }
  bool boolean(bool v) { return scalar(Field{Field::kBool, v}); }
  bool number_integer(json::number_integer_t) { return scalar(Field{Field::kSigned}); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(Field{Field::kUnsigned, false, v}); }
  bool number_float(json::number_float_t, const json::string_t&) { return scalar(Field{Field::kFloat}); }
  bool string(json::string_t& v) { return scalar(Field{Field::kString, false, 0, std::move(v)}); }
  bool binary(json::binary_t&) { return scalar(Field{Field::kContainer}); }  // never in JSON text
  bool start_object(std::size_t) { return open(/*object=*/true); }
  bool start_array(std::size_t) { return open(/*object=*/false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    SHAPESIM_ASSERT(!frames_.empty());
    Frame& f = frames_.back();
    switch (f.kind) {
      case Frame::kMessage: f.target = message_target(k); break;
      case Frame::kHeaders: f.target = header_target(k); break;
      case Frame::kRow: column_ = std::move(k); break;
      default: break;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  // Where a value goes.
  enum Target : uint8_t {
    kIgnore, kKey, kValue, kOldValue, kHeadersTarget,
    kControl, kGlobalLsn, kXmin, kXmax, kXipList, kOperation, kRelation, kTxids, kLsn, kOpPosition, kLast, kSnapshotMark,
  };
  struct Frame {
    enum Kind : uint8_t { kTopArray, kMessage, kHeaders, kRow, kList, kSkip } kind;
    Target target = kIgnore;   // objects: the value of the last key
    ListField* list = nullptr; // kList: the field its elements go to
    Target list_kind = kIgnore;
  };

  static Target message_target(const std::string& k) {
    if (k == "key") return kKey;
    if (k == "value") return kValue;
    if (k == "old_value") return kOldValue;
    if (k == "headers") return kHeadersTarget;
    return kIgnore;
  }
  static Target header_target(const std::string& k) {
    static const std::pair<const char*, Target> kNames[] = {
        {"control", kControl}, {"global_last_seen_lsn", kGlobalLsn}, {"xmin", kXmin}, {"xmax", kXmax},
        {"xip_list", kXipList}, {"operation", kOperation}, {"relation", kRelation}, {"txids", kTxids},
        {"lsn", kLsn}, {"op_position", kOpPosition}, {"last", kLast}, {"snapshot_mark", kSnapshotMark}};
    for (const auto& [name, t] : kNames) {
      if (k == name) return t;
    }
    return kIgnore;
  }
  Field* header_field(Target t) {
    Headers& h = message_.headers;
    switch (t) {
      case kControl: return &h.control;
      case kGlobalLsn: return &h.global_last_seen_lsn;
      case kXmin: return &h.xmin;
      case kXmax: return &h.xmax;
      case kOperation: return &h.operation;
      case kLsn: return &h.lsn;
      case kOpPosition: return &h.op_position;
      case kLast: return &h.last;
      case kSnapshotMark: return &h.snapshot_mark;
      default: return nullptr;
    }
  }
  ListField* list_field(Target t) {
    Headers& h = message_.headers;
    switch (t) {
      case kXipList: return &h.xip_list;
      case kRelation: return &h.relation;
      case kTxids: return &h.txids;
      default: return nullptr;
    }
  }
  RowField* row_field(Target t) {
    if (t == kValue) return &message_.value;
    if (t == kOldValue) return &message_.old_value;
    return nullptr;
  }

  // A message slot in the top array begins: messages after the first error are only parsed.
  bool building() const { return error_.ok(); }

  bool scalar(Field v) {
    if (frames_.empty()) {  // a scalar body
      top_is_array_ = false;
      return true;
    }
    Frame& f = frames_.back();
    switch (f.kind) {
      case Frame::kTopArray:
        if (building()) error_ = invalid_argument("message must be an object with headers");
        break;
      case Frame::kMessage:
        if (f.target == kKey) {
          message_.key = std::move(v);
        } else if (f.target == kHeadersTarget) {
          message_.headers_object = false;
          message_.headers = Headers{};
        } else if (RowField* r = row_field(f.target)) {
          *r = RowField{RowField::kOther, {}, {}};
        }
        break;
      case Frame::kHeaders:
        if (Field* field = header_field(f.target)) {
          *field = std::move(v);
        } else if (ListField* l = list_field(f.target)) {
          *l = ListField{};
          l->kind = ListField::kOther;
        }
        break;
      case Frame::kRow: {
        RowField& r = *row_field(frames_[frames_.size() - 2].target);
        if (v.kind == Field::kNull) {
          r.row[column_] = std::nullopt;
          r.bad_columns.erase(column_);
        } else if (v.kind == Field::kString) {
          r.row[column_] = std::move(v.text);
          r.bad_columns.erase(column_);
        } else {
          r.row.erase(column_);
          r.bad_columns.insert(column_);
        }
        break;
      }
      case Frame::kList: list_element(*f.list, f.list_kind, &v); break;
      case Frame::kSkip: break;
    }
    return true;
  }

  static void list_element(ListField& l, Target kind, Field* v) {
    // v == nullptr: an object or array element.
    const bool is_string = v && v->kind == Field::kString;
    const bool is_unsigned = v && v->kind == Field::kUnsigned;
    if (!is_string) l.all_strings = false;
    if (!is_unsigned) l.all_unsigned = false;
    uint64_t parsed = 0;
    if (!is_string || !parse_uint64(v->text, parsed)) l.all_decimal = false;
    if (kind == kRelation && is_string && l.all_strings) l.strings.push_back(std::move(v->text));
    if (kind == kTxids && is_unsigned && l.all_unsigned) l.numbers.push_back(v->number);
    if (kind == kXipList && l.all_decimal) l.numbers.push_back(parsed);
  }

  bool open(bool object) {
    if (frames_.empty()) {
      top_is_array_ = !object;
      frames_.push_back({object ? Frame::kSkip : Frame::kTopArray});
      return true;
    }
    Frame& f = frames_.back();
    Frame::Kind next = Frame::kSkip;
    switch (f.kind) {
      case Frame::kTopArray:
        if (!building()) break;
        if (!object) {
          error_ = invalid_argument("message must be an object with headers");
          break;
        }
        message_ = PendingMessage{};
        next = Frame::kMessage;
        break;
      case Frame::kMessage:
        if (f.target == kKey) {
          message_.key = Field{Field::kContainer};
        } else if (f.target == kHeadersTarget) {
          message_.headers = Headers{};
          message_.headers_object = object;
          if (object) next = Frame::kHeaders;
        } else if (RowField* r = row_field(f.target)) {
          *r = RowField{object ? RowField::kObject : RowField::kOther, {}, {}};
          if (object) next = Frame::kRow;
        }
        break;
      case Frame::kHeaders:
        if (Field* field = header_field(f.target)) {
          *field = Field{Field::kContainer};
        } else if (ListField* l = list_field(f.target)) {
          *l = ListField{};
          l->kind = object ? ListField::kOther : ListField::kArray;
          if (!object) {
            frames_.push_back({Frame::kList, kIgnore, l, f.target});
            return true;
          }
        }
        break;
      case Frame::kRow: {
        RowField& r = *row_field(frames_[frames_.size() - 2].target);
        r.row.erase(column_);
        r.bad_columns.insert(column_);
        break;
      }
      case Frame::kList: list_element(*f.list, f.list_kind, nullptr); break;
      case Frame::kSkip: break;
    }
    frames_.push_back({next});
    return true;
  }

  bool close() {
    SHAPESIM_ASSERT(!frames_.empty());
    const Frame::Kind kind = frames_.back().kind;
    frames_.pop_back();
    if (kind == Frame::kMessage && building()) {
      auto decoded = finish(message_);
      if (decoded.ok()) {
        out_.push_back(std::move(*decoded));
      } else {
        error_ = decoded.status();
      }
    }
    return true;
  }

  std::vector<ShapeMessage>& out_;
  std::vector<Frame> frames_;
  PendingMessage message_;
  std::string column_;
  bool top_is_array_ = true;
  Status error_ = Status::Ok();
};

}  // namespace

Result<std::vector<ShapeMessage>> decode_messages(std::string_view body) {
  if (json_nesting_depth(body) > kMaxJsonDepth) {
    return invalid_argument("response body nests arrays and objects deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  std::vector<ShapeMessage> out;
  MessageSax sax(out);
  const bool well_formed = simdjson_sax_parse(body, sax);
  SHAPESIM_RETURN_IF_ERROR(sax.result(well_formed));
  return out;
}

}  // namespace shapesim
