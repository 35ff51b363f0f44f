#include "reference/client/client_engine.h"

#include <algorithm>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "reference/client/write_mutations.h"
#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/planted_bugs.h"

namespace shapesim {

ClientEngine::ClientEngine(ClientEngineOptions options, ClientStore* store, Random rng,
                           std::vector<std::optional<ShapeStreamPosition>> resume)
    : options_(std::move(options)),
      store_(store),
      rng_(rng),
      outbox_(store, rng_.stream(2)),
      tokens_(options_.shared_tokens ? options_.shared_tokens
                                     : std::make_shared<ShapeTokens>(ShapeTokensOptions{}, rng_.stream(4))) {
  const std::vector<CollectionSync> syncs = collection_syncs(options_);
  SHAPESIM_ASSERT(resume.size() == syncs.size());
  for (size_t i = 0; i < syncs.size(); ++i) {
    shapes_.push_back(SyncedShape{.sync = syncs[i],
                                  .stream = ShapeStream(ShapeStreamOptions{.shape = syncs[i].shape, .resume = resume[i]}, stream_rng(i, 1)),
                                  .saved_position = resume[i]});
    state_.add_collection(syncs[i].collection);
  }
  if (options_.user_token) {
    tokens_->set_user_token(*options_.user_token);
    want_tokens();
    next_version_check_ = Timestamp{0};  // at once, before the streams go
  }
}

Result<std::unique_ptr<ClientEngine>> ClientEngine::open(ClientEngineOptions options, ClientStore* store, Random rng) {
  if (!options.sync && !options.more_collections.empty()) return invalid_argument("a writer without a shape syncs no collections");
  std::set<std::string> names = {options.collection};
  for (const auto& more : options.more_collections) {
    if (more.collection.empty()) return invalid_argument("a collection needs a name");
    if (!names.insert(more.collection).second) return invalid_argument("collection " + more.collection + " is listed twice");
  }
  const std::vector<CollectionSync> syncs = collection_syncs(options);
  std::vector<std::optional<ShapeStreamPosition>> resume(syncs.size());
  std::vector<std::map<std::string, WireRow>> rows(syncs.size());
  std::vector<std::optional<ShapeFilter>> filters(syncs.size());
  for (size_t i = 0; i < syncs.size(); ++i) {
    if (store && options.sync) {
      SHAPESIM_ASSIGN_OR_RETURN(ClientStore::SavedShape saved, store->load_shape(syncs[i].collection));
      resume[i] = saved.position;
      rows[i] = std::move(saved.rows);
    }
    if (syncs[i].table && options.sync) {
      auto f = ShapeFilter::create(syncs[i].shape, *syncs[i].table);
      if (!f.ok()) {
        return invalid_argument((i == 0 ? std::string("the shape's WHERE: ") : "collection " + syncs[i].collection + ": the shape's WHERE: ") +
                                f.status().message());
      }
      filters[i] = std::move(*f);
    }
  }
  auto engine = std::unique_ptr<ClientEngine>(new ClientEngine(std::move(options), store, rng, std::move(resume)));
  ClientEngine& e = *engine;
  SHAPESIM_RETURN_IF_ERROR(e.outbox_.restore());
  // Another user's queued writes (they signed out, or another user signed in while the app
  // was closed) are never sent with this user's token: rolled back.
  if (!planted(PlantedBug::kOutboxReplaysForNewUser)) {
    e.settle_unsent(e.outbox_.settle_other_users(e.options_.user), "another user signed in");
  }
  for (size_t i = 0; i < e.shapes_.size(); ++i) {
    SyncedShape& s = e.shapes_[i];
    s.filter = std::move(filters[i]);
    if (!rows[i].empty()) {
      // The saved rows come back as one synced update (no changes are reported for them twice).
      StreamUpdate restored;
      for (auto& [key, row] : rows[i]) {
        ChangeMessage c;
        c.key = key;
        c.op = Operation::kInsert;
        c.value = std::move(row);
        restored.changes.push_back(std::move(c));
      }
      e.state_.apply_synced(s.sync.collection, restored);
    }
    s.saved_updates = e.state_.applied_updates(s.sync.collection);  // the file's own rows
  }
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

std::vector<CollectionSync> ClientEngine::collection_syncs(const ClientEngineOptions& options) {
  std::vector<CollectionSync> syncs = {
      CollectionSync{options.collection, options.shape, options.table, options.route, options.organization}};
  syncs.insert(syncs.end(), options.more_collections.begin(), options.more_collections.end());
  return syncs;
}

ClientEngine::SyncedShape* ClientEngine::shape_of(const std::string& collection) {
  return const_cast<SyncedShape*>(std::as_const(*this).shape_of(collection));
}

const ClientEngine::SyncedShape* ClientEngine::shape_of(const std::string& collection) const {
  for (const auto& s : shapes_) {
    if (s.sync.collection == collection) return &s;
  }
  return nullptr;
}

ClientEngine::SyncedShape* ClientEngine::stream_target(const std::string& batch_id) {
  return batch_id.empty() ? &shapes_.front() : shape_of(batch_id);
}

const ShapeStream& ClientEngine::stream(const std::string& collection) const {
  const SyncedShape* s = shape_of(collection);
  SHAPESIM_ASSERT(s != nullptr);  // a collection this engine syncs
  return s->stream;
}

bool ClientEngine::denied() const {
  return std::any_of(shapes_.begin(), shapes_.end(), [](const SyncedShape& s) { return s.denied; });
}

bool ClientEngine::denied(const std::string& collection) const {
  const SyncedShape* s = shape_of(collection);
  SHAPESIM_ASSERT(s != nullptr);  // a collection this engine syncs
  return s->denied;
}

std::vector<std::string> ClientEngine::collections() const {
  std::vector<std::string> out;
  for (const auto& s : shapes_) out.push_back(s.sync.collection);
  return out;
}

Result<uint64_t> ClientEngine::transact(std::string id, const std::vector<LocalMutation>& mutations, std::string body) {
  // Refuse what cannot be applied before anything is persisted.
  SHAPESIM_ASSIGN_OR_RETURN(std::vector<LocalMutation> merged, merge_mutations(mutations));
  merged = within_shape(std::move(merged));
  for (const auto& m : merged) {
    if (!shape_of(m.collection)) return invalid_argument("no collection named " + m.collection);
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
  std::vector<LocalMutation> out;
  for (auto& m : merged) {
    const SyncedShape* s = shape_of(m.collection);
    if (!s || !s->filter) {  // an unknown collection is refused by the caller
      out.push_back(std::move(m));
      continue;
    }
    const ShapeFilter* filter = &*s->filter;
    auto base = state_.visible_row(m.collection, m.key);
    switch (m.op) {
      case LocalMutation::Op::kInsert:
        if (filter->matches(m.value) == true) {
          m.value = filter->project(m.value);
          out.push_back(std::move(m));
        }
        break;
      case LocalMutation::Op::kUpdate: {
        if (!base) break;  // a row this shape does not hold: nothing to show
        WireRow after = base->row;
        for (const auto& [k, v] : m.value) after[k] = v;
        std::optional<bool> in = filter->matches(after);
        if (in == true) {
          m.value = filter->project(m.value);
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
    for (const auto& s : shapes_) {
      if (!s.sync.route) tokens_->forget(s.sync.shape);
    }
    want_tokens();
    ask_again_at_ = Timestamp{INT64_MAX};
  }
  // Ask for refused shapes again: a grant since brings them back; a refusal denies them again.
  bool ask_again = false;
  for (size_t i = 0; i < shapes_.size(); ++i) {
    SyncedShape& s = shapes_[i];
    if (!s.denied || now < s.ask_again_at) continue;
    s.denied = false;
    if (!s.sync.route) {
      tokens_->forget(s.sync.shape);
      s.streaming_granted = false;
    }
    replace_stream(s, ShapeStream(ShapeStreamOptions{.shape = s.sync.shape}, stream_rng(i, 5 + purges_ * 8 + 1)));
    ask_again = true;
  }
  if (ask_again) want_tokens();
  // The data version (under auth), then tokens, then writes (short), then the streams (a live
  // request may wait a long time).
  if (options_.user_token && !version_in_flight_ && next_version_check_ && now >= *next_version_check_) {
    version_in_flight_ = true;
    HttpRequest req;
    req.method = "GET";
    req.path = "/api/auth/data-version";
    req.headers["authorization"] = "Bearer " + *options_.user_token;
    return Outgoing{Kind::kDataVersion, "", std::move(req), session_};
  }
  const bool gatekeeper = std::any_of(shapes_.begin(), shapes_.end(), [](const SyncedShape& s) { return !s.sync.route; });
  if (options_.user_token && options_.sync && gatekeeper) {
    // Another stream of this device may have had the cache's answer: take what it says.
    const bool all_denied = std::all_of(shapes_.begin(), shapes_.end(), [](const SyncedShape& s) { return s.denied; });
    if (options_.shared_tokens && !all_denied) {
      want_tokens();  // another stream's purge forgot them
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
  // Under auth the streams wait for the first data-version answer: a version that changed
  // while this client was away must purge before anything resumes from an old offset.
  if (options_.user_token && !version_answered_) return std::nullopt;
  for (size_t i = 0; i < shapes_.size(); ++i) {
    SyncedShape& s = shapes_[i];
    if (auto request = poll_stream(s, now)) {
      // The first collection's requests carry no name (as a one-collection engine's did).
      return Outgoing{Kind::kStream, i == 0 ? std::string() : s.sync.collection, std::move(*request), s.generation};
    }
  }
  return std::nullopt;
}

void ClientEngine::want_tokens() {
  if (!options_.user_token || !options_.sync) return;
  for (const auto& s : shapes_) {
    if (!s.sync.route) tokens_->want(s.sync.shape, s.sync.organization);
  }
}

bool ClientEngine::stale(Kind kind, const std::string& batch_id, std::optional<uint64_t> generation) {
  if (!generation) return false;
  switch (kind) {
    case Kind::kStream: {
      const SyncedShape* s = stream_target(batch_id);
      return !s || *generation != s->generation;
    }
    case Kind::kToken:
    case Kind::kDataVersion: return *generation != session_;
    case Kind::kWrite: return false;  // the outbox knows its own batches
  }
  return false;
}

void ClientEngine::replace_stream(SyncedShape& s, ShapeStream stream) {
  s.stream = std::move(stream);
  ++s.generation;  // answers to the old stream's requests are not this one's
}

std::optional<HttpRequest> ClientEngine::poll_stream(SyncedShape& s, Timestamp now) {
  if (!options_.sync || s.denied) return std::nullopt;
  if (!options_.user_token) return s.stream.poll(now);
  if (s.sync.route) {
    auto request = s.stream.poll(now);
    if (!request) return std::nullopt;
    // The route decides the shape: only protocol parameters go with it.
    request->path = *s.sync.route;
    QueryParams protocol;
    for (const auto& [k, v] : request->query) {
      if (is_protocol_param(k)) protocol[k] = v;
    }
    request->query = std::move(protocol);
    request->headers["authorization"] = "Bearer " + *options_.user_token;
    return request;
  }
  auto token = tokens_->token(s.sync.shape, now);
  auto granted = tokens_->granted(s.sync.shape);
  if (!token || !granted) return std::nullopt;
  if (!s.streaming_granted || s.stream.shape() != *granted) {
    // The stream requests exactly what the token binds; a resumed position stays if the
    // definition is the one it was saved for. Another grant than the one streamed drops the
    // rows of the old one first (they may include rows the new one excludes).
    auto resume = s.streaming_granted ? std::nullopt : s.stream.position();
    if (s.streaming_granted) {
      state_.apply_synced(s.sync.collection, StreamUpdate{.must_refetch = true});
      if (store_) s.unsaved.emplace_back(StreamUpdate{.must_refetch = true}, std::nullopt);
      save_applied(s);
    }
    const size_t i = static_cast<size_t>(&s - shapes_.data());
    replace_stream(s, ShapeStream(ShapeStreamOptions{.shape = *granted, .resume = resume}, stream_rng(i, 5 + purges_ * 8)));
    s.streaming_granted = true;
    if (s.sync.table) {
      // The optimistic layer follows what the gatekeeper granted (its scope included): a
      // write outside it is sent, not shown, as its txid never comes back on this stream.
      if (auto f = ShapeFilter::create(*granted, *s.sync.table); f.ok()) s.filter = std::move(*f);
    }
  }
  auto request = s.stream.poll(now);
  if (request) {
    request->headers["authorization"] = "Bearer " + *token;
    s.stream_token = *token;  // a 401 on this request invalidates this token only
  }
  return request;
}

ClientEngine::Handled ClientEngine::on_response(Kind kind, const std::string& batch_id, const HttpResponse& response,
                                                Timestamp now, std::optional<uint64_t> generation) {
  Handled handled;
  if (stale(kind, batch_id, generation)) {
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
    case Kind::kStream: {
      SyncedShape* s = stream_target(batch_id);
      if (!s) return handled;  // names no collection of this engine: not its stream's answer
      return on_stream_response(*s, response, now);
    }
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

ClientEngine::Handled ClientEngine::on_stream_response(SyncedShape& s, const HttpResponse& response, Timestamp now) {
  Handled handled;
  if (options_.user_token && response.status == 401) {
    // A stale or expired token: get another and ask again from the same offset.
    if (s.sync.route) {
      needs_user_token_ = true;
    } else {
      tokens_->invalidate(s.sync.shape, s.stream_token);
    }
    s.stream.on_network_error(now);
    if (planted(PlantedBug::kTokenRefreshRefetches)) {
      const size_t i = static_cast<size_t>(&s - shapes_.data());
      replace_stream(s, ShapeStream(ShapeStreamOptions{.shape = s.stream.shape()}, stream_rng(i, 5 + purges_ * 8 + 3)));
    }
    return handled;
  }
  if (options_.user_token && response.status == 403) {
    (void)s.stream.on_response(response, now);
    deny(s, now, "the shape was refused");
    handled.purged = true;
    handled.update = StreamUpdate{.must_refetch = true};
    return handled;
  }
  StreamUpdate update = s.stream.on_response(response, now);
  if (update.accepted && purged_by_denial_) {
    sometimes(Probe::kAccessBackAfterDenial);
    purged_by_denial_ = false;
  }
  state_.apply_synced(s.sync.collection, update);
  if (store_ && options_.save_every.micros == 0 && s.unsaved.empty() &&
      state_.applied_updates(s.sync.collection) == s.saved_updates + 1) {
    save(s, update, s.stream.position());  // applied at once (nothing held): saved as it is
    s.saved_updates++;
  } else {
    if (store_) s.unsaved.emplace_back(update, s.stream.position());
    save_soon(now);
  }
  handled.update = std::move(update);
  return handled;
}

void ClientEngine::on_network_error(Kind kind, const std::string& batch_id, Timestamp now, std::optional<uint64_t> generation) {
  if (stale(kind, batch_id, generation)) return;
  switch (kind) {
    case Kind::kToken:
      tokens_->on_network_error(batch_id, now);
      note_token_failure(now);
      break;
    case Kind::kStream:
      if (SyncedShape* s = stream_target(batch_id)) s->stream.on_network_error(now);
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
  for (const auto& s : shapes_) consider(s.stream.wake_at());
  consider(outbox_.wake_at());
  consider(state_.wake_at());
  if (options_.user_token) consider(tokens_->wake_at());
  if (token_failure_ && ask_again_at_.micros != INT64_MAX) consider(ask_again_at_);
  for (const auto& s : shapes_) {
    if (s.denied) consider(s.ask_again_at);
  }
  if (options_.user_token && !version_in_flight_) consider(next_version_check_);
  bool unsaved = std::any_of(shapes_.begin(), shapes_.end(), [](const SyncedShape& s) { return !s.unsaved.empty(); });
  if (unsaved && options_.save_every.micros > 0) consider(next_save_at_);
  return at;
}

}  // namespace shapesim
