// parse_write_batch(): the write body streamed with nlohmann's SAX parser (the library lexes
// and validates the JSON; no DOM is built). It takes the bodies clients send: a top-level
// object with "id" and "mutations" once each, every mutation an object with "op", "table",
// "value" and "key" at most once each, every value and key an object of scalars with no
// column twice. Keys it does not know are skipped, as the reference ignores them.
//
// Anything else — malformed JSON, a repeated member, a nested column value (json and array
// columns), any check that fails — stops the stream, and the body goes to
// parse_write_batch_reference(), which answers it (write_batch_json.h). So an error is always
// the reference's own, and a batch the stream builds is the one the reference builds: the same
// members (no repeats, so "last one wins" cannot differ), converted by the same
// set_column_from_json (no failure, so the error order cannot differ).
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "reference/common/assert.h"
#include "reference/common/bounded_json.h"
#include "reference/common/table_schema_json.h"
#include "reference/server/write_batch_json.h"
#include "reference/wire/shape_request.h"

namespace shapesim {
namespace {

using json = nlohmann::json;

// A mutation's members as they arrive ("table" may follow "value", so values wait for it).
struct PendingMutation {
  std::optional<std::string> op, table;
  std::optional<std::vector<std::pair<std::string, json>>> value, key;
};

// Every handler answers false to stop the stream: "not mine, ask the reference".
class WriteBatchSax {
 public:
  explicit WriteBatchSax(SourceOfTruth& source) : source_(source) {}

  // The batch, once the whole body was taken.
  std::optional<WriteBatch> take() {
    if (at_ != At::kEnd || !id_ || id_->empty() || id_->size() > kMaxBatchIdBytes || !mutations_seen_ || batch_.mutations.empty()) {
      return std::nullopt;
    }
    batch_.id = std::move(*id_);
    return std::move(batch_);
  }

  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return scalar(json(v)); }
  bool string(std::string& v) {
    if (skipping()) return skip_scalar();
    switch (at_) {
      case At::kId:
        id_ = std::move(v);
        at_ = At::kTop;
        return true;
      case At::kOp:
        pending_.op = std::move(v);
        at_ = At::kMutation;
        return true;
      case At::kTable:
        pending_.table = std::move(v);
        at_ = At::kMutation;
        return true;
      default:
        return scalar(json(std::move(v)));
    }
  }
  bool binary(json::binary_t&) { return false; }

  bool start_object(std::size_t) {
    if (++depth_ > kMaxJsonDepth) return false;  // the reference reports the depth
    if (skipping()) return skip_open();
    switch (at_) {
      case At::kStart:
        at_ = At::kTop;
        return true;
      case At::kMutations:  // pending_ is empty: finish_mutation() took the previous one
        at_ = At::kMutation;
        return true;
      case At::kValue:
        pending_.value.emplace();
        at_ = At::kValueColumns;
        columns_.clear();
        return true;
      case At::kKey:
        pending_.key.emplace();
        at_ = At::kKeyColumns;
        columns_.clear();
        return true;
      default:
        return false;  // a nested column value, or a member of the wrong kind
    }
  }
  bool start_array(std::size_t) {
    if (++depth_ > kMaxJsonDepth) return false;
    if (skipping()) return skip_open();
    if (at_ != At::kMutationsValue) return false;
    at_ = At::kMutations;
    return true;
  }
  bool end_array() {
    SHAPESIM_ASSERT(depth_ > 0);  // the parser balances brackets
    --depth_;
    if (skipping()) return skip_close();
    if (at_ != At::kMutations) return false;
    at_ = At::kTop;
    return true;
  }
  bool end_object() {
    SHAPESIM_ASSERT(depth_ > 0);
    --depth_;
    if (skipping()) return skip_close();
    switch (at_) {
      case At::kTop:
        at_ = At::kEnd;
        return true;
      case At::kMutation:
        at_ = At::kMutations;
        return finish_mutation();
      case At::kValueColumns:
      case At::kKeyColumns:
        at_ = At::kMutation;
        return true;
      default:
        return false;
    }
  }

  bool key(std::string& k) {
    if (skipping()) return true;
    switch (at_) {
      case At::kTop:
        if (k == "id") return member(id_.has_value(), At::kId);
        if (k == "mutations") return member(std::exchange(mutations_seen_, true), At::kMutationsValue);
        return skip_next();
      case At::kMutation:
        if (k == "op") return member(pending_.op.has_value(), At::kOp);
        if (k == "table") return member(pending_.table.has_value(), At::kTable);
        if (k == "value") return member(pending_.value.has_value(), At::kValue);
        if (k == "key") return member(pending_.key.has_value(), At::kKey);
        return skip_next();
      case At::kValueColumns:
      case At::kKeyColumns: {
        if (!columns_.insert(k).second) return false;  // a column twice
        auto& row = at_ == At::kValueColumns ? *pending_.value : *pending_.key;
        row.emplace_back(std::move(k), json());
        column_ = at_;
        at_ = At::kColumnValue;
        return true;
      }
      default:
        return false;
    }
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  // Where the next event lands. k*Value states wait for one member's value.
  enum class At : uint8_t {
    kStart, kTop, kId, kMutationsValue, kMutations, kMutation, kOp, kTable, kValue, kKey,
    kValueColumns, kKeyColumns, kColumnValue, kEnd
  };

  // A member's key: expect its value, unless the member was seen before (its value is set as
  // soon as it arrives, and no other key comes in between), which stops the stream.
  bool member(bool seen, At next) {
    if (seen) return false;
    at_ = next;
    return true;
  }

  bool scalar(json v) {
    if (skipping()) return skip_scalar();
    if (at_ != At::kColumnValue) return false;
    auto& row = column_ == At::kValueColumns ? *pending_.value : *pending_.key;
    row.back().second = std::move(v);
    at_ = column_;
    return true;
  }

  // An unknown member's value is skipped whole, however it nests (the parser is iterative).
  bool skipping() const { return skip_depth_ > 0; }
  bool skip_next() {
    skip_depth_ = 1;  // the value to come
    skip_open_ = false;
    return true;
  }
  bool skip_scalar() {
    if (!skip_open_) skip_depth_ = 0;  // the skipped value was this scalar
    return true;
  }
  bool skip_open() {
    if (!skip_open_) {
      skip_open_ = true;  // the skipped value is this container
    } else {
      ++skip_depth_;
    }
    return true;
  }
  bool skip_close() {
    SHAPESIM_ASSERT(skip_open_ && skip_depth_ > 0);
    if (--skip_depth_ == 0) skip_open_ = false;
    return true;
  }

  // The columns as a typed row; nullopt on the first column the reference would refuse.
  static std::optional<Row> convert(const TableSchema& table, const std::vector<std::pair<std::string, json>>& columns) {
    Row row;
    for (const auto& [name, v] : columns) {
      if (!set_column_from_json(table, name, v, row).ok()) return std::nullopt;
    }
    return row;
  }

  bool finish_mutation() {
    PendingMutation m = std::exchange(pending_, PendingMutation{});
    if (!m.op || !m.table) return false;
    auto name = parse_table_name(*m.table);
    if (!name.ok()) return false;
    const TableSchema* table = source_.find_table(name->first, name->second);
    if (!table) return false;
    auto kind = parse_change_kind(*m.op);
    if (!kind.ok()) return false;
    Mutation mutation;
    mutation.kind = *kind;
    mutation.schema = table->schema;
    mutation.table = table->name;
    if (m.value) {
      auto value = convert(*table, *m.value);
      if (!value) return false;
      mutation.value = std::move(*value);
    }
    if (m.key) {
      auto key = convert(*table, *m.key);
      if (!key) return false;
      mutation.key = std::move(*key);
    } else if (mutation.kind != ChangeKind::kInsert) {
      mutation.key = key_from_value(*table, mutation.value);
    }
    batch_.mutations.push_back(std::move(mutation));
    return true;
  }

  SourceOfTruth& source_;
  At at_ = At::kStart;
  At column_ = At::kValueColumns;  // which row a column value goes to
  size_t depth_ = 0;       // open objects and arrays, as bounded_json.h counts them
  size_t skip_depth_ = 0;  // > 0 while an unknown member's value is skipped
  bool skip_open_ = false;
  bool mutations_seen_ = false;
  std::optional<std::string> id_;
  PendingMutation pending_;
  std::set<std::string> columns_;  // the columns of the value or key being read
  WriteBatch batch_;
};

}  // namespace

std::optional<WriteBatch> stream_write_batch(std::string_view text, SourceOfTruth& source) {
  WriteBatchSax sax(source);
  if (!json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true)) return std::nullopt;
  return sax.take();
}

Result<WriteBatch> parse_write_batch(std::string_view text, SourceOfTruth& source) {
  if (auto batch = stream_write_batch(text, source)) return std::move(*batch);
  return parse_write_batch_reference(text, source);
}

}  // namespace shapesim
