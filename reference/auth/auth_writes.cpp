// AuthGate: writes. Every mutation of a batch is checked against the policy before any is
// applied; one refusal refuses the batch (403, a reason per refused mutation).
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

}  // namespace

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
  json refusals = json::array();
  for (size_t i = 0; i < batch->mutations.size(); ++i) {
    const Mutation& m = batch->mutations[i];
    Action action = action_of(m.kind);
    auto refuse = [&](const std::string& reason) { refusals.push_back({{"index", i}, {"table", m.table}, {"reason", reason}}); };
    const TablePolicy* t = m.schema == "public" ? policy_.table(m.table) : nullptr;
    if (!t) {
      refuse("no policy allows writing this table");
      continue;
    }
    // The row as it is (update, delete) decides where it belongs now.
    std::optional<Row> old;
    if (m.kind != ChangeKind::kInsert) {
      const TableSchema* table = source.find_table(m.schema, m.table);
      auto read = table ? source.read_row(*table, m.key) : Result<std::optional<Row>>(std::optional<Row>());
      if (!read.ok()) {
        refuse(read.status().message());
        continue;
      }
      old = *read;
      if (!old) continue;  // no such row: the server answers that, and nothing is exposed
    }
    std::optional<std::string> current = old ? scope_of(*old, t->scope.column) : scope_of(m.value, t->scope.column);
    std::optional<std::string> moved_to = m.kind == ChangeKind::kUpdate ? scope_of(m.value, t->scope.column) : std::nullopt;
    if (moved_to && current && *moved_to == *current) moved_to.reset();
    if (!current) {
      refuse("the row has no " + t->scope.column);
      continue;
    }
    if (t->scope.kind == RowScope::Kind::kOwner) {
      if (*current != user) refuse("the row belongs to another user");
      else if (moved_to) refuse("cannot give the row to another user");
      continue;
    }
    auto role = directory_.role(user, *current);
    if (!role) {
      refuse("not a member of organization " + *current);
    } else if (!t->may(*role, action)) {
      refuse(std::string("a ") + role_name(*role) + " may not " + action_name(action) + " in " + m.table);
    } else if (moved_to) {
      auto target = directory_.role(user, *moved_to);
      if (!target || !t->may(*target, Action::kUpdate)) refuse("cannot move the row to organization " + *moved_to);
    }
  }
  if (!refusals.empty()) {
    HttpResponse r = auth_error(403, "Not authorized");
    r.body = json({{"error", "Not authorized"}, {"mutations", refusals}}).dump();
    return r;
  }
  return forward();
}

}  // namespace shapesim::auth
