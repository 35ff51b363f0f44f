#include "reference/client/client_engine.h"

#include "reference/common/assert.h"

namespace shapesim {

ClientEngine::ClientEngine(ClientEngineOptions options, ClientStore* store, Random rng,
                           std::optional<ShapeStreamPosition> resume)
    : options_(std::move(options)),
      store_(store),
      rng_(rng),
      stream_(ShapeStreamOptions{.shape = options_.shape, .resume = resume}, rng_.stream(1)),
      outbox_(store, rng_.stream(2)),
      tokens_(ShapeTokensOptions{}, rng_.stream(4)),
      saved_position_(std::move(resume)) {
  state_.add_collection(options_.collection);
  if (options_.user_token) {
    tokens_.set_user_token(*options_.user_token);
    tokens_.want(options_.shape);
  }
}

Result<std::unique_ptr<ClientEngine>> ClientEngine::open(ClientEngineOptions options, ClientStore* store, Random rng) {
  std::optional<ShapeStreamPosition> resume;
  std::map<std::string, WireRow> rows;
  if (store) {
    SHAPESIM_ASSIGN_OR_RETURN(ClientStore::SavedShape saved, store->load_shape(options.collection));
    resume = saved.position;
    rows = std::move(saved.rows);
  }
  auto engine = std::unique_ptr<ClientEngine>(new ClientEngine(std::move(options), store, rng, resume));
  SHAPESIM_RETURN_IF_ERROR(engine->outbox_.restore());
  if (!rows.empty()) {
    // The saved rows come back as one synced update (no changes are reported for them twice).
    StreamUpdate restored;
    for (auto& [key, row] : rows) {
      ChangeMessage c;
      c.key = key;
      c.op = Operation::kInsert;
      c.value = std::move(row);
      restored.changes.push_back(std::move(c));
    }
    engine->state_.apply_synced(engine->options_.collection, restored);
  }
  return engine;
}

Result<uint64_t> ClientEngine::transact(std::string id, const std::vector<LocalMutation>& mutations, std::string body) {
  // Refuse what cannot be applied before anything is persisted.
  SHAPESIM_ASSIGN_OR_RETURN(std::vector<LocalMutation> merged, merge_mutations(mutations));
  if (merged.empty()) return invalid_argument("a transaction needs at least one mutation that changes something");
  for (const auto& m : merged) {
    if (m.collection != options_.collection) return invalid_argument("no collection named " + m.collection);
  }
  if (outbox_.contains(id) || seq_of_batch_.count(id)) return already_exists("transaction id " + id + " was used already");
  // Persist, then apply: a crash in between leaves a queued write, never an applied-but-lost one.
  SHAPESIM_RETURN_IF_ERROR(outbox_.enqueue(id, std::move(body), options_.user));
  auto seq = state_.commit(id, merged);
  SHAPESIM_ASSERT(seq.ok());  // checked above
  seq_of_batch_[id] = *seq;
  return *seq;
}

std::optional<ClientEngine::Outgoing> ClientEngine::poll(Timestamp now) {
  // Tokens, then writes (short), then the stream (a live request may wait a long time).
  if (options_.user_token) {
    if (auto t = tokens_.poll(now)) return Outgoing{Kind::kToken, t->shape_key, std::move(t->request)};
  }
  if (auto send = outbox_.poll(now, options_.user)) {
    HttpRequest req;
    req.method = "POST";
    req.path = "/api/mutations";
    req.headers["content-type"] = "application/json";
    req.body = std::move(send->body);
    if (options_.user_token) req.headers["authorization"] = "Bearer " + *options_.user_token;
    return Outgoing{Kind::kWrite, send->batch_id, std::move(req)};
  }
  if (!options_.user_token) {
    if (auto request = stream_.poll(now)) return Outgoing{Kind::kStream, "", std::move(*request)};
    return std::nullopt;
  }
  auto token = tokens_.token(options_.shape, now);
  auto granted = tokens_.granted(options_.shape);
  if (!token || !granted || denied_) return std::nullopt;
  if (!streaming_granted_ || stream_.shape() != *granted) {
    // The stream requests exactly what the token binds; a resumed position stays if the
    // definition is the one it was saved for.
    auto resume = streaming_granted_ ? std::nullopt : stream_.position();
    stream_ = ShapeStream(ShapeStreamOptions{.shape = *granted, .resume = resume}, rng_.stream(5 + purges_));
    streaming_granted_ = true;
  }
  if (auto request = stream_.poll(now)) {
    request->headers["authorization"] = "Bearer " + *token;
    return Outgoing{Kind::kStream, "", std::move(*request)};
  }
  return std::nullopt;
}

void ClientEngine::on_response(Kind kind, const std::string& batch_id, const HttpResponse& response, Timestamp now) {
  if (kind == Kind::kToken) {
    tokens_.on_response(batch_id, response, now);
    if (tokens_.denied(options_.shape) && !denied_) {
      denied_ = true;
      Status purged = purge("the gatekeeper refused the shape");
      if (!purged.ok()) storage_status_ = purged;
    }
    return;
  }
  if (kind == Kind::kStream && options_.user_token && response.status == 401) {
    // A stale or expired shape token: get another and ask again from the same offset.
    tokens_.invalidate(options_.shape);
    stream_.on_network_error(now);
    return;
  }
  if (kind == Kind::kStream) {
    StreamUpdate update = stream_.on_response(response, now);
    state_.apply_synced(options_.collection, update);
    auto position = stream_.position();
    if (store_ && worth_saving(update, position, saved_position_)) {
      // The synced layer, not what is visible: optimistic rows are not server state.
      Status saved = store_->save_update(options_.collection, update, state_.synced(options_.collection), position);
      if (!saved.ok()) storage_status_ = saved;
      saved_position_ = update.must_refetch ? std::nullopt : position;
    }
    return;
  }
  Outbox::Outcome outcome = outbox_.on_response(batch_id, response, now);
  auto seq = seq_of_batch_.find(batch_id);
  switch (outcome.verdict) {
    case Outbox::Verdict::kAcknowledged:
      if (seq != seq_of_batch_.end()) state_.acknowledged(seq->second, outcome.txid.value_or(0), now + options_.confirm_timeout);
      break;
    case Outbox::Verdict::kRejected:
      if (seq != seq_of_batch_.end()) state_.fail(seq->second, outcome.error);
      break;
    default:
      break;
  }
}

void ClientEngine::on_network_error(Kind kind, const std::string& batch_id, Timestamp now) {
  if (kind == Kind::kToken) {
    tokens_.on_network_error(batch_id, now);
  } else if (kind == Kind::kStream) {
    stream_.on_network_error(now);
  } else {
    outbox_.on_network_error(batch_id, now);
  }
}

Status ClientEngine::purge(const std::string& reason) {
  state_.purge(reason);
  stream_ = ShapeStream(ShapeStreamOptions{.shape = options_.shape}, rng_.stream(3 + ++purges_));
  saved_position_.reset();
  return store_ ? store_->purge() : Status::Ok();
}

Result<bool> ClientEngine::observe_data_version(const std::string& version) {
  std::optional<std::string> known = data_version_;
  if (store_ && !known) {
    SHAPESIM_ASSIGN_OR_RETURN(known, store_->get("data_version"));
  }
  bool changed = known && *known != version;
  if (changed) {
    // Queued writes were made under the old permissions: rolled back, not sent.
    (void)outbox_.settle_all();
    SHAPESIM_RETURN_IF_ERROR(purge("permissions changed"));
  }
  data_version_ = version;
  if (store_) SHAPESIM_RETURN_IF_ERROR(store_->put("data_version", version));
  return changed;
}

Result<std::vector<std::string>> ClientEngine::switch_user(const std::string& user) {
  std::vector<std::string> settled;
  if (user == options_.user) return settled;
  for (const auto& e : outbox_.settle_other_users(user)) {
    settled.push_back(e.batch_id);
    if (auto seq = seq_of_batch_.find(e.batch_id); seq != seq_of_batch_.end()) state_.fail(seq->second, "the user logged out");
  }
  options_.user = user;
  data_version_.reset();
  SHAPESIM_RETURN_IF_ERROR(purge("another user logged in"));
  return settled;
}

std::optional<Timestamp> ClientEngine::wake_at() const {
  std::optional<Timestamp> at;
  for (auto t : {stream_.wake_at(), outbox_.wake_at(), state_.wake_at(), tokens_.wake_at()}) {
    if (t && (!at || *t < *at)) at = t;
  }
  return at;
}

}  // namespace shapesim
