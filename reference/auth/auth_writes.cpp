// AuthGate: writes. Every mutation of a batch is checked against the policy before any is
// applied; one refusal refuses the batch (403, a reason per refused mutation).
#include <openssl/evp.h>

#include <map>

#include "reference/auth/auth_gate.h"
#include "reference/auth/auth_responses.h"
#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/bounded_json.h"
#include "reference/server/http_responses.h"
#include "reference/server/write_batch_json.h"

namespace shapesim::auth {

namespace {

using nlohmann::json;

Action action_of(ChangeKind k) {
  switch (k) {
    case ChangeKind::kInsert: return Action::kInsert;
    case ChangeKind::kUpdate: return Action::kUpdate;
    default: return Action::kDelete;
  }
}

std::optional<std::string> scope_of(const Row& row, const std::string& column) {
  auto it = row.find(column);
  if (it == row.end()) return std::nullopt;
  return id_text(it->second);
}

// A batch's writes as the mutations before the one being checked leave them: rows written
// earlier in the batch (nullopt: deleted) over the source's, and the directory with the
// batch's membership changes. Only what check_writes reads is modelled.
class BatchView {
 public:
  BatchView(SourceOfTruth& source, const Directory& directory, const std::string& memberships)
      : source_(source), directory_(directory), memberships_(memberships) {}

  Result<std::optional<Row>> row(const TableSchema& table, const Row& key) {
    if (auto it = written_.find(key_of(table, key)); it != written_.end()) return it->second;
    return source_.read_row(table, key);
  }

  const Directory& directory() const { return directory_; }

  // The state after `m`, whose row before it was `old` (update, delete: found).
  void apply(const TableSchema& table, const Mutation& m, const std::optional<Row>& old) {
    std::optional<Row> after;
    if (m.kind == ChangeKind::kInsert) {
      after = Row{};
      for (const auto& c : table.columns) {
        auto it = m.value.find(c.name);
        (*after)[c.name] = it == m.value.end() ? Value() : it->second;
      }
    } else if (m.kind == ChangeKind::kUpdate) {
      if (!old) return;  // the server refuses the batch
      after = *old;
      for (const auto& [column, v] : m.value) (*after)[column] = v;
    } else if (m.kind != ChangeKind::kDelete) {
      return;  // truncate: refused above (no key), never reaches the server
    }
    if (old) written_[key_of(table, *old)] = std::nullopt;  // gone from its key (or moved)
    if (after) written_[key_of(table, *after)] = after;
    if (table.schema == "public" && table.name == memberships_) {
      auto field = [](const Row& r, const char* column) {
        auto it = r.find(column);
        return it == r.end() ? std::string() : id_text(it->second);
      };
      if (old) directory_.remove_membership(field(*old, "user_id"), field(*old, "organization_id"));
      if (after) {
        if (auto role = parse_role(field(*after, "role"))) {
          directory_.add_membership(field(*after, "user_id"), field(*after, "organization_id"), *role);
        }
      }
    }
  }

 private:
  // (table, primary key) as one unambiguous string: length-prefixed texts of the key columns.
  static std::string key_of(const TableSchema& table, const Row& row) {
    std::string out = table.schema + "." + table.name;
    for (const auto& k : table.primary_key) {
      auto it = row.find(k);
      std::string text = it == row.end() ? "\\N" : it->second.to_pg_text().value_or("\\N");
      out += "|" + std::to_string(text.size()) + ":" + text;
    }
    return out;
  }

  SourceOfTruth& source_;
  Directory directory_;
  const std::string& memberships_;
  std::map<std::string, std::optional<Row>> written_;
};

}  // namespace

std::string stored_batch_id(const std::string& user, const std::string& id) {
  std::string readable = std::to_string(user.size()) + ":" + user + "/" + id;
  if (readable.size() <= kMaxBatchIdBytes) return readable;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  SHAPESIM_ASSERT(EVP_Digest(readable.data(), readable.size(), digest, &size, EVP_sha256(), nullptr) == 1);
  static const char* kHex = "0123456789abcdef";
  std::string out = "#";
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  SHAPESIM_ASSERT(out.size() <= kMaxBatchIdBytes);
  return out;
}

std::variant<HttpRequest, HttpResponse> AuthGate::check_writes(const HttpRequest& req, Timestamp now) const {
  auto caller = authenticate(req, "user", now);
  if (auto* refused = std::get_if<HttpResponse>(&caller)) return std::move(*refused);
  const std::string& user = std::get<Caller>(caller).user;
  SourceOfTruth& source = server_.source();
  auto batch = parse_write_batch(req.body, source);
  if (!batch.ok()) return auth_error(400, batch.status().message());
  // Batch ids are idempotency keys per user: the same id from two users is two batches.
  auto forward = [&]() -> HttpRequest {
    auto body = parse_bounded_json(req.body);
    SHAPESIM_ASSERT(body.ok() && body->is_object() && body->contains("id"));
    (*body)["id"] = stored_batch_id(user, (*body)["id"].get<std::string>());
    HttpRequest forwarded = req;
    forwarded.body = body->dump();
    return forwarded;
  };
  // A retry of a batch already applied is answered with its first txid whatever the user may
  // do now (the first attempt was authorized; its answer may have been lost). An existing id
  // never applies anything, so nothing passes unchecked.
  auto applied = source.has_batch(stored_batch_id(user, batch->id));
  if (applied.ok() && *applied) {
    sometimes(Probe::kRetryOfAppliedWriteForwarded);
    return forward();
  }
  // Each mutation is checked against the state the batch has produced so far, as if the
  // earlier mutations had each been applied alone: a row inserted (or moved, or deleted)
  // earlier in the batch is that row, and a membership changed earlier counts. A batch is
  // never allowed what its mutations one by one would not be.
  BatchView view(source, directory_, policy_.identity.memberships);
  json refusals = json::array();
  for (size_t i = 0; i < batch->mutations.size(); ++i) {
    const Mutation& m = batch->mutations[i];
    Action action = action_of(m.kind);
    auto refuse = [&](const std::string& reason) { refusals.push_back({{"index", i}, {"table", m.table}, {"reason", reason}}); };
    const TablePolicy* t = m.schema == "public" ? policy_.table(m.table) : nullptr;
    const TableSchema* table = source.find_table(m.schema, m.table);
    if (!t || !table) {
      refuse("no policy allows writing this table");
      continue;
    }
    // The row as it is (update, delete) decides where it belongs now.
    std::optional<Row> old;
    if (m.kind != ChangeKind::kInsert) {
      auto read = view.row(*table, m.key);
      if (!read.ok()) {
        refuse(read.status().message());
        continue;
      }
      old = *read;
      if (!old) continue;  // no such row: the server answers that, and nothing is exposed
    }
    const Directory& directory = view.directory();
    std::optional<std::string> current = old ? scope_of(*old, t->scope.column) : scope_of(m.value, t->scope.column);
    std::optional<std::string> moved_to = m.kind == ChangeKind::kUpdate ? scope_of(m.value, t->scope.column) : std::nullopt;
    if (moved_to && current && *moved_to == *current) moved_to.reset();
    if (!current) {
      refuse("the row has no " + t->scope.column);
    } else if (t->scope.kind == RowScope::Kind::kOwner) {
      if (*current != user) refuse("the row belongs to another user");
      else if (moved_to) refuse("cannot give the row to another user");
    } else if (auto role = directory.role(user, *current); !role) {
      refuse("not a member of organization " + *current);
    } else if (!t->may(*role, action)) {
      refuse(std::string("a ") + role_name(*role) + " may not " + action_name(action) + " in " + m.table);
    } else if (moved_to) {
      auto target = directory.role(user, *moved_to);
      if (!target || !t->may(*target, Action::kUpdate)) refuse("cannot move the row to organization " + *moved_to);
    }
    view.apply(*table, m, old);
  }
  if (!refusals.empty()) {
    HttpResponse r = auth_error(403, "Not authorized");
    r.body = json({{"error", "Not authorized"}, {"mutations", refusals}}).dump();
    return r;
  }
  return forward();
}

}  // namespace shapesim::auth
