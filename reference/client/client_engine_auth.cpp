// ClientEngine under auth and permission changes: user tokens, offline, data-version checks,
// gatekeeper failures, denial, purge, user switches and route switches.
#include "reference/client/client_engine.h"

#include <nlohmann/json.hpp>

#include "reference/common/coverage.h"
#include "reference/common/planted_bugs.h"

namespace shapesim {

void ClientEngine::set_user_token(std::string token) {
  bool first = !options_.user_token;
  options_.user_token = token;
  tokens_->set_user_token(std::move(token));
  if (first) {
    // Opened without a token (the login failed then): start as the constructor would have.
    want_tokens();
    if (!version_answered_) next_version_check_ = Timestamp{0};
  }
  if (needs_user_token_) {
    if (outbox_.parked()) sometimes(Probe::kTokenRefreshedWhileParked);
    needs_user_token_ = false;
    outbox_.resume();
  }
}

void ClientEngine::set_online(bool online) {
  if (online && !online_ && options_.user_token) {
    // Back from offline: permissions may have changed meanwhile. The stream waits for the
    // data version, as at start.
    next_version_check_ = Timestamp{0};
    version_answered_ = false;
  }
  online_ = online;
  tokens_->set_online(online);
}

void ClientEngine::on_data_version(const HttpResponse& response, Timestamp now, Handled& handled) {
  version_in_flight_ = false;
  version_answered_ = true;
  Duration every = options_.data_version_every;
  next_version_check_.reset();
  if (every.micros > 0) next_version_check_ = now + every;
  if (response.status == 401) {
    needs_user_token_ = true;
    next_version_check_ = now + Duration::seconds(1);  // again once logged in
    return;
  }
  if (response.status != 200) return;  // no data-version endpoint: nothing to compare
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("data_version") || !body["data_version"].is_string()) return;
  auto purged = observe_data_version(body["data_version"].get<std::string>());
  if (!purged.ok()) {
    note(purged.status());
    return;
  }
  handled.purged = *purged;
  if (*purged) handled.update = StreamUpdate{.must_refetch = true};
}

bool ClientEngine::take_token_answer(Timestamp now) {
  note_token_failure(now);
  for (auto& s : shapes_) {
    if (s.sync.route) continue;
    if (tokens_->denied(s.sync.shape) && !s.denied) {
      deny(s, now, "the gatekeeper refused the shape");
      return true;
    }
    if (std::string v = tokens_->data_version(s.sync.shape); !v.empty() && v != data_version_) {
      // The gatekeeper authorized the shape under this version just now: what the stream holds
      // is still this user's (a narrower grant changes the definition, which restarts the
      // stream from scratch), so the version is taken without a purge.
      data_version_ = v;
      if (store_) note(store_->put("data_version", v));
    }
  }
  return false;
}

void ClientEngine::note_token_failure(Timestamp now) {
  std::optional<std::string> failure;
  bool all_tokens = true;
  for (const auto& s : shapes_) {
    if (s.sync.route) continue;
    if (auto f = tokens_->failed(s.sync.shape); f && !failure) failure = f;
    if (!tokens_->token(s.sync.shape, now)) all_tokens = false;
  }
  if (failure) {
    if (!token_failure_ || ask_again_at_.micros == INT64_MAX) ask_again_at_ = now + options_.token_failure_retry;
    token_failure_ = failure;
  } else if (all_tokens) {
    token_failure_.reset();
  }
}

void ClientEngine::deny(SyncedShape& s, Timestamp now, const std::string& reason) {
  purged_by_denial_ = true;
  s.denied = true;
  s.ask_again_at = now + options_.denied_retry;
  // What the refused shape held; when it is the engine's only shape, that is everything.
  note(shapes_.size() == 1 ? purge(reason) : purge_shape(s, reason));
}

Status ClientEngine::purge_shape(SyncedShape& s, const std::string& reason) {
  if (outbox_.size() > 0) sometimes(Probe::kPurgeWithQueuedWrites);
  ++purges_;
  state_.purge_collection(s.sync.collection, reason);
  forget_settled_batches();
  restart_shape(s);
  if (planted(PlantedBug::kPurgeKeepsLocalFile) || !store_) return Status::Ok();
  return store_->save_update(s.sync.collection, StreamUpdate{.must_refetch = true}, {}, std::nullopt);
}

void ClientEngine::restart_shape(SyncedShape& s) {
  const size_t i = static_cast<size_t>(&s - shapes_.data());
  replace_stream(s, ShapeStream(ShapeStreamOptions{.shape = s.sync.shape}, stream_rng(i, 5 + purges_ * 8 + 2)));
  s.streaming_granted = false;
  s.saved_position.reset();
  s.unsaved.clear();
  s.saved_updates = state_.applied_updates(s.sync.collection);
}

void ClientEngine::forget_settled_batches() {
  std::erase_if(seq_of_batch_, [&](const auto& entry) {
    const LocalTransaction* tx = state_.transaction(entry.second);
    return !tx || tx->status != TxStatus::kPersisting;
  });
}

void ClientEngine::settle_unsent(const std::vector<OutboxEntry>& entries, const std::string& error) {
  for (const auto& e : entries) {
    if (auto seq = seq_of_batch_.find(e.batch_id); seq != seq_of_batch_.end()) {
      state_.fail(seq->second, error);
      seq_of_batch_.erase(seq);
    }
    write_outcomes_.push_back(Outbox::Outcome{.verdict = Outbox::Verdict::kRejected, .batch_id = e.batch_id, .error = error});
  }
}

Status ClientEngine::purge(const std::string& reason) {
  if (outbox_.size() > 0) sometimes(Probe::kPurgeWithQueuedWrites);
  ++purges_;
  state_.purge(reason);
  forget_settled_batches();
  for (auto& s : shapes_) restart_shape(s);
  if (planted(PlantedBug::kPurgeKeepsLocalFile)) return Status::Ok();
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
    settle_unsent(outbox_.settle_all(), "permissions changed before this write was sent");
    SHAPESIM_RETURN_IF_ERROR(purge("permissions changed"));
  }
  data_version_ = version;
  if (store_) SHAPESIM_RETURN_IF_ERROR(store_->put("data_version", version));
  return changed;
}

Result<std::vector<std::string>> ClientEngine::switch_user(const std::string& user, std::optional<std::string> user_token) {
  std::vector<std::string> settled;
  if (user == options_.user) {  // the same user again: a fresh token, nothing purged
    if (user_token) set_user_token(std::move(*user_token));
    return settled;
  }
  auto entries = planted(PlantedBug::kOutboxReplaysForNewUser) ? std::vector<OutboxEntry>{} : outbox_.settle_other_users(user);
  for (const auto& e : entries) settled.push_back(e.batch_id);
  settle_unsent(entries, "the user logged out");
  options_.user = user;
  options_.user_token = std::move(user_token);
  ++session_;  // answers to the previous user's token and version requests are theirs
  version_in_flight_ = false;
  data_version_.reset();
  needs_user_token_ = false;
  outbox_.resume();
  // The previous user's shape tokens are theirs: start over (a device's shared cache forgets
  // this shape; its streams act for one user).
  if (options_.shared_tokens) {
    for (const auto& s : shapes_) {
      if (!s.sync.route) tokens_->forget(s.sync.shape);
    }
  } else {
    tokens_ = std::make_shared<ShapeTokens>(ShapeTokensOptions{}, rng_.stream(4 + 64 * (purges_ + 1)));
  }
  if (options_.user_token) {
    tokens_->set_user_token(*options_.user_token);
    want_tokens();
    next_version_check_ = Timestamp{0};
    version_answered_ = false;
  }
  for (auto& s : shapes_) s.denied = false;
  SHAPESIM_RETURN_IF_ERROR(purge("another user logged in"));
  return settled;
}

Status ClientEngine::set_route(std::optional<std::string> route, std::optional<ShapeDefinition> shape) {
  SyncedShape& first = shapes_.front();
  if (route == first.sync.route) return Status::Ok();
  if (shape) first.sync.shape = std::move(*shape);
  std::optional<ShapeFilter> filter;
  if (first.sync.table) {
    auto f = ShapeFilter::create(first.sync.shape, *first.sync.table);
    if (!f.ok()) return invalid_argument("the route's shape: " + f.status().message());
    filter = std::move(*f);
  }
  first.sync.route = route;
  first.filter = std::move(filter);
  options_.route = std::move(route);
  options_.shape = first.sync.shape;
  for (auto& s : shapes_) s.denied = false;
  return purge("switched to another route");
}

}  // namespace shapesim
