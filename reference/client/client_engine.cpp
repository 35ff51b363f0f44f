#include "reference/client/client_engine.h"

#include <nlohmann/json.hpp>

#include "reference/client/write_mutations.h"
#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/planted_bugs.h"

namespace shapesim {

ClientEngine::ClientEngine(ClientEngineOptions options, ClientStore* store, Random rng,
                           std::optional<ShapeStreamPosition> resume)
    : options_(std::move(options)),
      store_(store),
      rng_(rng),
      stream_(ShapeStreamOptions{.shape = options_.shape, .resume = resume}, rng_.stream(1)),
      outbox_(store, rng_.stream(2)),
      tokens_(options_.shared_tokens ? options_.shared_tokens
                                     : std::make_shared<ShapeTokens>(ShapeTokensOptions{}, rng_.stream(4))),
      saved_position_(std::move(resume)) {
  state_.add_collection(options_.collection);
  if (options_.user_token) {
    tokens_->set_user_token(*options_.user_token);
    if (options_.sync && !options_.route) tokens_->want(options_.shape, options_.organization);
    next_version_check_ = Timestamp{0};  // at once, before the stream goes
  }
}

Result<std::unique_ptr<ClientEngine>> ClientEngine::open(ClientEngineOptions options, ClientStore* store, Random rng) {
  std::optional<ShapeStreamPosition> resume;
  std::map<std::string, WireRow> rows;
  if (store && options.sync) {
    SHAPESIM_ASSIGN_OR_RETURN(ClientStore::SavedShape saved, store->load_shape(options.collection));
    resume = saved.position;
    rows = std::move(saved.rows);
  }
  std::optional<ShapeFilter> filter;
  if (options.table && options.sync) {
    auto f = ShapeFilter::create(options.shape, *options.table);
    if (!f.ok()) return invalid_argument("the shape's WHERE: " + f.status().message());
    filter = std::move(*f);
  }
  auto engine = std::unique_ptr<ClientEngine>(new ClientEngine(std::move(options), store, rng, resume));
  ClientEngine& e = *engine;
  e.filter_ = std::move(filter);
  SHAPESIM_RETURN_IF_ERROR(e.outbox_.restore());
  // Another user's queued writes (they signed out, or another user signed in while the app
  // was closed) are never sent with this user's token: rolled back.
  if (!planted(PlantedBug::kOutboxReplaysForNewUser)) {
    e.settle_unsent(e.outbox_.settle_other_users(e.options_.user), "another user signed in");
  }
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
    e.state_.apply_synced(e.options_.collection, restored);
  }
  e.saved_updates_ = e.state_.applied_updates(e.options_.collection);  // the file's own rows
  // The queued writes of this user are shown again, on top of the synced rows, in order.
  for (const auto& entry : e.outbox_.entries()) {
    if (entry.user != e.options_.user) continue;
    auto mutations = local_mutations_from_json(entry.mutations);
    if (!mutations.ok() || mutations->empty()) continue;  // nothing to show (the write still goes)
    auto seq = e.state_.commit(entry.batch_id, *mutations);
    if (seq.ok()) e.seq_of_batch_[entry.batch_id] = *seq;
  }
  return engine;
}

Result<uint64_t> ClientEngine::transact(std::string id, const std::vector<LocalMutation>& mutations, std::string body) {
  // Refuse what cannot be applied before anything is persisted.
  SHAPESIM_ASSIGN_OR_RETURN(std::vector<LocalMutation> merged, merge_mutations(mutations));
  merged = within_shape(std::move(merged));
  for (const auto& m : merged) {
    if (m.collection != options_.collection) return invalid_argument("no collection named " + m.collection);
  }
  if (id.empty()) return invalid_argument("a transaction needs an id");
  if (outbox_.contains(id) || seq_of_batch_.count(id)) return already_exists("transaction id " + id + " was used already");
  // Persist, then apply: a crash in between leaves a queued write, never an applied-but-lost one.
  SHAPESIM_RETURN_IF_ERROR(outbox_.enqueue(id, std::move(body), options_.user, local_mutations_to_json(merged)));
  if (merged.empty()) return uint64_t{0};  // nothing this engine shows: only sent
  auto seq = state_.commit(id, merged);
  SHAPESIM_ASSERT(seq.ok());  // checked above
  seq_of_batch_[id] = *seq;
  return *seq;
}

std::vector<LocalMutation> ClientEngine::within_shape(std::vector<LocalMutation> merged) const {
  if (!filter_) return merged;
  std::vector<LocalMutation> out;
  for (auto& m : merged) {
    auto base = state_.visible_row(m.collection, m.key);
    switch (m.op) {
      case LocalMutation::Op::kInsert:
        if (filter_->matches(m.value) == true) {
          m.value = filter_->project(m.value);
          out.push_back(std::move(m));
        }
        break;
      case LocalMutation::Op::kUpdate: {
        if (!base) break;  // a row this shape does not hold: nothing to show
        WireRow after = base->row;
        for (const auto& [k, v] : m.value) after[k] = v;
        std::optional<bool> in = filter_->matches(after);
        if (in == true) {
          m.value = filter_->project(m.value);
          out.push_back(std::move(m));
        } else if (in == false) {
          m.op = LocalMutation::Op::kDelete;  // it leaves the shape: the server sends a delete
          m.value.clear();
          out.push_back(std::move(m));
        }
        break;
      }
      case LocalMutation::Op::kDelete:
        if (base) out.push_back(std::move(m));
        break;
    }
  }
  return out;
}

std::optional<ClientEngine::Outgoing> ClientEngine::poll(Timestamp now) {
  if (!online_) return std::nullopt;
  if (!options_.user.empty() && !options_.user_token) {
    needs_user_token_ = true;  // a user without a token sends nothing (never unauthenticated)
    return std::nullopt;
  }
  if (token_failure_ && now >= ask_again_at_) {
    // The gatekeeper gave up earlier: try again (the error stays surfaced until it answers).
    tokens_->forget(options_.shape);
    tokens_->want(options_.shape, options_.organization);
    ask_again_at_ = Timestamp{INT64_MAX};
  }
  if (denied_ && now >= ask_again_at_) {
    // Ask for the shape again: a grant since brings it back; a refusal denies it again.
    denied_ = false;
    if (!options_.route) {
      tokens_->forget(options_.shape);
      tokens_->want(options_.shape, options_.organization);
      streaming_granted_ = false;
    }
    replace_stream(ShapeStream(ShapeStreamOptions{.shape = options_.shape}, rng_.stream(5 + purges_ * 8 + 1)));
  }
  // The data version (under auth), then tokens, then writes (short), then the stream (a live
  // request may wait a long time).
  if (options_.user_token && !version_in_flight_ && next_version_check_ && now >= *next_version_check_) {
    version_in_flight_ = true;
    HttpRequest req;
    req.method = "GET";
    req.path = "/api/auth/data-version";
    req.headers["authorization"] = "Bearer " + *options_.user_token;
    return Outgoing{Kind::kDataVersion, "", std::move(req), session_};
  }
  if (options_.user_token && options_.sync && !options_.route) {
    // Another stream of this device may have had the cache's answer: take what it says.
    if (options_.shared_tokens && !denied_) {
      tokens_->want(options_.shape, options_.organization);  // another stream's purge forgot it
      if (take_token_answer(now)) return std::nullopt;  // denied: purged, asked again later
    }
    if (auto t = tokens_->poll(now)) return Outgoing{Kind::kToken, t->shape_key, std::move(t->request), session_};
  }
  // (The planted bug outbox-replays-for-new-user sends the head whoever wrote it.)
  std::string outbox_user = options_.user;
  if (planted(PlantedBug::kOutboxReplaysForNewUser) && !outbox_.entries().empty()) outbox_user = outbox_.entries().front().user;
  if (auto send = outbox_.poll(now, outbox_user)) {
    HttpRequest req;
    req.method = "POST";
    req.path = "/api/mutations";
    req.headers["content-type"] = "application/json";
    req.body = std::move(send->body);
    if (options_.user_token) req.headers["authorization"] = "Bearer " + *options_.user_token;
    return Outgoing{Kind::kWrite, send->batch_id, std::move(req)};
  }
  // Under auth the stream waits for the first data-version answer: a version that changed
  // while this client was away must purge before anything resumes from an old offset.
  if (options_.user_token && !version_answered_) return std::nullopt;
  if (auto request = poll_stream(now)) return Outgoing{Kind::kStream, "", std::move(*request), stream_generation_};
  return std::nullopt;
}

bool ClientEngine::stale(Kind kind, std::optional<uint64_t> generation) const {
  if (!generation) return false;
  switch (kind) {
    case Kind::kStream: return *generation != stream_generation_;
    case Kind::kToken:
    case Kind::kDataVersion: return *generation != session_;
    case Kind::kWrite: return false;  // the outbox knows its own batches
  }
  return false;
}

void ClientEngine::replace_stream(ShapeStream stream) {
  stream_ = std::move(stream);
  ++stream_generation_;  // answers to the old stream's requests are not this one's
}

std::optional<HttpRequest> ClientEngine::poll_stream(Timestamp now) {
  if (!options_.sync || denied_) return std::nullopt;
  if (!options_.user_token) return stream_.poll(now);
  if (options_.route) {
    auto request = stream_.poll(now);
    if (!request) return std::nullopt;
    // The route decides the shape: only protocol parameters go with it.
    request->path = *options_.route;
    QueryParams protocol;
    for (const auto& [k, v] : request->query) {
      if (is_protocol_param(k)) protocol[k] = v;
    }
    request->query = std::move(protocol);
    request->headers["authorization"] = "Bearer " + *options_.user_token;
    return request;
  }
  auto token = tokens_->token(options_.shape, now);
  auto granted = tokens_->granted(options_.shape);
  if (!token || !granted) return std::nullopt;
  if (!streaming_granted_ || stream_.shape() != *granted) {
    // The stream requests exactly what the token binds; a resumed position stays if the
    // definition is the one it was saved for. Another grant than the one streamed drops the
    // rows of the old one first (they may include rows the new one excludes).
    auto resume = streaming_granted_ ? std::nullopt : stream_.position();
    if (streaming_granted_) {
      state_.apply_synced(options_.collection, StreamUpdate{.must_refetch = true});
      if (store_) unsaved_.emplace_back(StreamUpdate{.must_refetch = true}, std::nullopt);
      save_applied();
    }
    replace_stream(ShapeStream(ShapeStreamOptions{.shape = *granted, .resume = resume}, rng_.stream(5 + purges_ * 8)));
    streaming_granted_ = true;
    if (options_.table) {
      // The optimistic layer follows what the gatekeeper granted (its scope included): a
      // write outside it is sent, not shown, as its txid never comes back on this stream.
      if (auto f = ShapeFilter::create(*granted, *options_.table); f.ok()) filter_ = std::move(*f);
    }
  }
  auto request = stream_.poll(now);
  if (request) {
    request->headers["authorization"] = "Bearer " + *token;
    stream_token_ = *token;  // a 401 on this request invalidates this token only
  }
  return request;
}

ClientEngine::Handled ClientEngine::on_response(Kind kind, const std::string& batch_id, const HttpResponse& response,
                                                Timestamp now, std::optional<uint64_t> generation) {
  Handled handled;
  if (stale(kind, generation)) {
    sometimes(Probe::kStaleAnswerIgnored);
    return handled;  // asked by a replaced stream, or for another user
  }
  switch (kind) {
    case Kind::kToken:
      tokens_->on_response(batch_id, response, now);
      handled.purged = take_token_answer(now);
      return handled;
    case Kind::kDataVersion:
      on_data_version(response, now, handled);
      return handled;
    case Kind::kStream:
      return on_stream_response(response, now);
    case Kind::kWrite:
      break;
  }
  Outbox::Outcome outcome = outbox_.on_response(batch_id, response, now);
  auto seq = seq_of_batch_.find(batch_id);
  switch (outcome.verdict) {
    case Outbox::Verdict::kAcknowledged:
      if (seq != seq_of_batch_.end()) {
        state_.acknowledged(seq->second, outcome.txid.value_or(0), now + options_.confirm_timeout, outcome.commit_lsn);
        seq_of_batch_.erase(seq);
      }
      write_outcomes_.push_back(outcome);
      break;
    case Outbox::Verdict::kRejected:
      if (seq != seq_of_batch_.end()) {
        state_.fail(seq->second, outcome.error);
        seq_of_batch_.erase(seq);
      }
      write_outcomes_.push_back(outcome);
      break;
    case Outbox::Verdict::kParked:
      needs_user_token_ = true;  // a login gives a fresh token and resumes the queue
      break;
    default:
      break;
  }
  save_soon(now);  // a completed transaction releases the updates held behind it
  return handled;
}

ClientEngine::Handled ClientEngine::on_stream_response(const HttpResponse& response, Timestamp now) {
  Handled handled;
  if (options_.user_token && response.status == 401) {
    // A stale or expired token: get another and ask again from the same offset.
    if (options_.route) {
      needs_user_token_ = true;
    } else {
      tokens_->invalidate(options_.shape, stream_token_);
    }
    stream_.on_network_error(now);
    if (planted(PlantedBug::kTokenRefreshRefetches)) {
      replace_stream(ShapeStream(ShapeStreamOptions{.shape = stream_.shape()}, rng_.stream(5 + purges_ * 8 + 3)));
    }
    return handled;
  }
  if (options_.user_token && response.status == 403) {
    (void)stream_.on_response(response, now);
    deny(now, "the shape was refused");
    handled.purged = true;
    handled.update = StreamUpdate{.must_refetch = true};
    return handled;
  }
  StreamUpdate update = stream_.on_response(response, now);
  if (update.accepted && purged_by_denial_) {
    sometimes(Probe::kAccessBackAfterDenial);
    purged_by_denial_ = false;
  }
  state_.apply_synced(options_.collection, update);
  if (store_ && options_.save_every.micros == 0 && unsaved_.empty() &&
      state_.applied_updates(options_.collection) == saved_updates_ + 1) {
    save(update, stream_.position());  // applied at once (nothing held): saved as it is
    saved_updates_++;
  } else {
    if (store_) unsaved_.emplace_back(update, stream_.position());
    save_soon(now);
  }
  handled.update = std::move(update);
  return handled;
}

void ClientEngine::on_network_error(Kind kind, const std::string& batch_id, Timestamp now, std::optional<uint64_t> generation) {
  if (stale(kind, generation)) return;
  switch (kind) {
    case Kind::kToken:
      tokens_->on_network_error(batch_id, now);
      note_token_failure(now);
      break;
    case Kind::kStream:
      stream_.on_network_error(now);
      break;
    case Kind::kWrite:
      outbox_.on_network_error(batch_id, now);
      break;
    case Kind::kDataVersion:
      version_in_flight_ = false;
      next_version_check_ = now + Duration::seconds(1);
      break;
  }
}

std::optional<Timestamp> ClientEngine::wake_at() const {
  std::optional<Timestamp> at;
  auto consider = [&](std::optional<Timestamp> t) {
    if (t && (!at || *t < *at)) at = t;
  };
  consider(stream_.wake_at());
  consider(outbox_.wake_at());
  consider(state_.wake_at());
  if (options_.user_token) consider(tokens_->wake_at());
  if (denied_ || (token_failure_ && ask_again_at_.micros != INT64_MAX)) consider(ask_again_at_);
  if (options_.user_token && !version_in_flight_) consider(next_version_check_);
  if (!unsaved_.empty() && options_.save_every.micros > 0) consider(next_save_at_);
  return at;
}

}  // namespace shapesim
