#include "reference/client/shape_stream.h"

#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/planted_bugs.h"

#include <algorithm>

namespace shapesim {

const char* stream_state_name(StreamState s) {
  switch (s) {
    case StreamState::kInitial: return "initial";
    case StreamState::kSyncing: return "syncing";
    case StreamState::kLive: return "live";
    case StreamState::kFailed: return "failed";
  }
  return "?";
}

ShapeStream::ShapeStream(ShapeStreamOptions options, Random rng) : options_(std::move(options)), rng_(rng) {
  if (options_.resume) {
    handle_ = options_.resume->handle;
    offset_ = options_.resume->offset;
    cursor_ = options_.resume->cursor;
    state_ = options_.resume->live ? StreamState::kLive : StreamState::kSyncing;
  }
}

std::optional<ShapeStreamPosition> ShapeStream::position() const {
  if (!handle_ || !offset_) return std::nullopt;
  return ShapeStreamPosition{*handle_, *offset_, cursor_, state_ == StreamState::kLive};
}

std::optional<HttpRequest> ShapeStream::poll(Timestamp now) {
  if (in_flight_ || state_ == StreamState::kFailed) return std::nullopt;
  if (retry_at_ && now < *retry_at_) return std::nullopt;
  retry_at_.reset();
  ShapeRequest r;
  r.shape = options_.shape;
  if (!offset_) {
    r.offset_kind = OffsetKind::kBeforeAll;
  } else {
    r.offset_kind = OffsetKind::kAt;
    r.offset = *offset_;
    r.handle = handle_;
    r.live = state_ == StreamState::kLive;
    if (r.live) r.cursor = cursor_;
  }
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/shape";
  req.query = r.to_query();
  in_flight_ = true;
  return req;
}

std::optional<Timestamp> ShapeStream::wake_at() const {
  if (in_flight_ || state_ == StreamState::kFailed) return std::nullopt;
  return retry_at_;
}

void ShapeStream::schedule_retry(Timestamp now, std::string why) {
  in_flight_ = false;
  last_error_ = std::move(why);
  ++retries_;
  sometimes(Probe::kStreamBackoffAfterError);
  // Exponential cap with "equal jitter": wait in [cap/2, cap], cap = initial * 2^failures.
  uint32_t shift = std::min<uint32_t>(consecutive_failures_, 20);
  int64_t cap = std::min(options_.max_backoff.micros, options_.initial_backoff.micros << shift);
  ++consecutive_failures_;
  int64_t half = cap / 2;
  int64_t wait = half + static_cast<int64_t>(rng_.uniform(0, static_cast<uint64_t>(cap - half)));
  retry_at_ = now + Duration{wait};
}

void ShapeStream::on_network_error(Timestamp now) { schedule_retry(now, "network error"); }

StreamUpdate ShapeStream::on_response(const HttpResponse& response, Timestamp now) {
  StreamUpdate update;
  in_flight_ = false;
  if (response.status == 409) {
    if (state_ != StreamState::kInitial) sometimes(Probe::kRefetchMidStream);
    auto new_handle = response.header("electric-handle");
    handle_ = new_handle ? std::optional<std::string>(*new_handle) : std::nullopt;
    offset_.reset();
    cursor_.reset();
    state_ = StreamState::kInitial;
    up_to_date_ = false;
    ++refetches_;
    consecutive_failures_ = 0;
    update.must_refetch = true;
    return update;
  }
  if (response.status >= 500) {
    schedule_retry(now, "server error " + std::to_string(response.status));
    return update;
  }
  if (response.status >= 400) {
    state_ = StreamState::kFailed;
    last_error_ = "HTTP " + std::to_string(response.status) + ": " + response.body;
    return update;
  }
  auto handle = response.header("electric-handle");
  auto offset_text = response.header("electric-offset");
  if (!handle || !offset_text) {
    schedule_retry(now, "2xx answer without electric-handle or electric-offset");
    return update;
  }
  auto offset = LogOffset::parse(*offset_text);
  if (!offset.ok()) {
    schedule_retry(now, "malformed electric-offset \"" + *offset_text + "\"");
    return update;
  }
  auto messages = decode_messages(response.body);
  if (!messages.ok()) {
    schedule_retry(now, "malformed body: " + messages.status().message());
    return update;
  }
  consecutive_failures_ = 0;
  handle_ = *handle;
  bool up_to_date = response.has_header("electric-up-to-date");
  if (!planted(PlantedBug::kOffsetNotAdvancedAfterChunk) || up_to_date || !offset_) offset_ = *offset;
  if (auto cursor = response.header("electric-cursor")) cursor_ = *cursor;
  if (state_ == StreamState::kInitial) state_ = StreamState::kSyncing;
  for (auto& m : *messages) {
    if (auto* change = std::get_if<ChangeMessage>(&m)) {
      update.changes.push_back(std::move(*change));
    } else if (const auto& control = std::get<ControlMessage>(m); control.kind == ControlKind::kUpToDate) {
      up_to_date = true;
      if (control.global_last_seen_lsn) update.global_lsn = control.global_last_seen_lsn;
    }
  }
  SHAPESIM_ASSERT(offset_.has_value() && handle_.has_value());  // an accepted answer positions the stream
  if (up_to_date) {
    state_ = StreamState::kLive;
    up_to_date_ = true;
  } else if (!update.changes.empty()) {
    up_to_date_ = false;
  }
  update.up_to_date = up_to_date;
  update.accepted = true;
  update.offset = *offset;
  return update;
}

}  // namespace shapesim
