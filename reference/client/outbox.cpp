#include "reference/client/outbox.h"

#include <nlohmann/json.hpp>

#include "reference/common/assert.h"
#include "reference/common/planted_bugs.h"

namespace shapesim {

Status MemoryOutboxStorage::append(const OutboxEntry& e) {
  entries_.push_back(e);
  return Status::Ok();
}

Status MemoryOutboxStorage::remove(uint64_t seq) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->seq == seq) {
      entries_.erase(it);
      return Status::Ok();
    }
  }
  return not_found("no outbox entry " + std::to_string(seq));
}

Status Outbox::restore() {
  entries_.clear();
  in_flight_ = false;
  attempts_ = 0;
  retry_at_.reset();
  if (!storage_) return Status::Ok();
  SHAPESIM_ASSIGN_OR_RETURN(std::vector<OutboxEntry> loaded, storage_->load());
  for (auto& e : loaded) {
    SHAPESIM_ASSERT(entries_.empty() || entries_.back().seq < e.seq);
    next_seq_ = std::max(next_seq_, e.seq + 1);
    entries_.push_back(std::move(e));
  }
  return Status::Ok();
}

Status Outbox::enqueue(std::string batch_id, std::string body, std::string user, std::string mutations) {
  OutboxEntry e{next_seq_, std::move(batch_id), std::move(body), std::move(user), std::move(mutations)};
  if (planted(PlantedBug::kOutboxPersistedLate)) {
    unpersisted_.insert(e.seq);  // the anchor's order: applied now, persisted when it goes out
  } else if (storage_) {
    SHAPESIM_RETURN_IF_ERROR(storage_->append(e));
  }
  ++next_seq_;
  entries_.push_back(std::move(e));
  return Status::Ok();
}

bool Outbox::contains(const std::string& batch_id) const {
  for (const auto& e : entries_) {
    if (e.batch_id == batch_id) return true;
  }
  return false;
}

std::optional<Outbox::Send> Outbox::poll(Timestamp now, const std::string& user) {
  if (entries_.empty() || in_flight_ || parked_ || (retry_at_ && now < *retry_at_)) return std::nullopt;
  const OutboxEntry& head = entries_.front();
  if (head.user != user) return std::nullopt;  // another user's: settle it first
  if (unpersisted_.erase(head.seq) && storage_ && !storage_->append(head).ok()) return std::nullopt;
  retry_at_.reset();
  in_flight_ = true;
  Send send{head.batch_id, head.body, head.user, attempts_};
  if (planted(PlantedBug::kRetryWithoutIdempotencyKey) && attempts_ > 0) {
    auto body = nlohmann::json::parse(send.body, nullptr, false);
    if (body.is_object()) {
      body["id"] = head.batch_id + "#" + std::to_string(attempts_);  // a retry the server cannot recognise
      send.body = body.dump();
    }
  }
  ++attempts_;
  return send;
}

Status Outbox::pop_head() {
  SHAPESIM_ASSERT(!entries_.empty());
  uint64_t seq = entries_.front().seq;
  entries_.pop_front();
  SHAPESIM_ASSERT(entries_.empty() || entries_.front().seq > seq);  // FIFO in commit order
  in_flight_ = false;
  attempts_ = 0;
  retry_at_.reset();
  return storage_ ? storage_->remove(seq) : Status::Ok();
}

void Outbox::back_off(Timestamp now) {
  // Capped exponential backoff with jitter: 100 ms * 2^attempts, at most 10 s.
  int64_t cap = std::min<int64_t>(Duration::seconds(10).micros, Duration::millis(100).micros << std::min(attempts_, 10u));
  retry_at_ = now + Duration{cap / 2 + static_cast<int64_t>(rng_.uniform(0, static_cast<uint64_t>(cap / 2)))};
  SHAPESIM_ASSERT(*retry_at_ > now && *retry_at_ <= now + Duration::seconds(10));  // a bounded wait, never none
}

Outbox::Outcome Outbox::on_response(const std::string& batch_id, const HttpResponse& response, Timestamp now) {
  Outcome out;
  out.batch_id = batch_id;
  out.status = response.status;
  if (entries_.empty() || !in_flight_ || entries_.front().batch_id != batch_id) return out;  // stale answer
  in_flight_ = false;
  if (response.status == 200) {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("txid") && body["txid"].is_number_unsigned()) out.txid = body["txid"].get<uint64_t>();
    if (body.is_object() && body.contains("lsn") && body["lsn"].is_string()) {
      const std::string& lsn = body["lsn"].get_ref<const std::string&>();
      if (!lsn.empty() && lsn.size() <= 20 && lsn.find_first_not_of("0123456789") == std::string::npos) out.commit_lsn = std::stoull(lsn);
    }
    out.verdict = Verdict::kAcknowledged;
    Status removed = pop_head();
    if (!removed.ok()) out.error = "acknowledged but not removed from the local outbox: " + removed.message();
    return out;
  }
  if (response.status >= 500 || response.status == 429) {
    back_off(now);
    out.verdict = Verdict::kRetry;
    out.error = "HTTP " + std::to_string(response.status);
    return out;
  }
  if (response.status == 401) {
    parked_ = true;
    --attempts_;  // not the batch's fault
    out.verdict = Verdict::kParked;
    out.error = "HTTP 401: waiting for a fresh token";
    return out;
  }
  out.verdict = Verdict::kRejected;
  out.error = "HTTP " + std::to_string(response.status) + ": " + response.body;
  Status removed = pop_head();
  if (!removed.ok()) out.error += " (and not removed from the local outbox: " + removed.message() + ")";
  return out;
}

void Outbox::on_network_error(const std::string& batch_id, Timestamp now) {
  if (entries_.empty() || !in_flight_ || entries_.front().batch_id != batch_id) return;
  in_flight_ = false;
  back_off(now);
}

void Outbox::forget_in_flight() {
  in_flight_ = false;
  retry_at_.reset();
}

std::optional<Timestamp> Outbox::wake_at() const {
  if (entries_.empty() || in_flight_ || parked_) return std::nullopt;
  return retry_at_;
}

std::vector<OutboxEntry> Outbox::settle_all() {
  std::vector<OutboxEntry> settled;
  for (auto& e : entries_) {
    if (storage_) (void)storage_->remove(e.seq);
    settled.push_back(std::move(e));
  }
  entries_.clear();
  in_flight_ = false;
  attempts_ = 0;
  retry_at_.reset();
  return settled;
}

std::vector<OutboxEntry> Outbox::settle_other_users(const std::string& user) {
  std::vector<OutboxEntry> settled;
  std::deque<OutboxEntry> kept;
  bool head_settled = !entries_.empty() && entries_.front().user != user;
  for (auto& e : entries_) {
    if (e.user == user) {
      kept.push_back(std::move(e));
      continue;
    }
    if (storage_) (void)storage_->remove(e.seq);
    settled.push_back(std::move(e));
  }
  if (head_settled) {
    in_flight_ = false;
    attempts_ = 0;
    retry_at_.reset();
  }
  entries_ = std::move(kept);
  return settled;
}

}  // namespace shapesim
