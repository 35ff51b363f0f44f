// ShapeStream: the sans-I/O client side of one shape (protocol.md §3).
//
// States: kInitial (offset -1) -> kSyncing (catch-up requests) -> kLive (live=true long
// polls after the first up-to-date). A 409 drops everything: the update says must_refetch,
// the stream takes the new handle and restarts from -1. 5xx answers, malformed 2xx answers
// and network errors back off exponentially with jitter drawn from the injected generator;
// other 4xx answers stop the stream (kFailed) and are handed to the application.
//
//   ShapeStream stream({.shape = {.table = "tasks"}}, rng.stream(node_id));
//   if (auto req = stream.poll(now)) send(*req);             // at most one request in flight
//   StreamUpdate u = stream.on_response(response, now);     // or stream.on_network_error(now)
//   collection.apply(u);
//   stream.wake_at();                                        // when poll() has work after a backoff
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/common/log_offset.h"
#include "reference/common/random.h"
#include "reference/common/time.h"
#include "reference/wire/http.h"
#include "reference/wire/shape_message.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

// Where a stream is in its shape's log: enough to resume after a restart without refetching.
struct ShapeStreamPosition {
  std::string handle;
  LogOffset offset;
  std::optional<std::string> cursor;
  bool live = false;  // it had caught up (resumes with live requests)
  friend bool operator==(const ShapeStreamPosition&, const ShapeStreamPosition&) = default;
};

struct ShapeStreamOptions {
  ShapeDefinition shape;
  std::optional<ShapeStreamPosition> resume;  // start here instead of at offset -1
  Duration initial_backoff = Duration::millis(100);
  Duration max_backoff = Duration::seconds(10);
};

enum class StreamState { kInitial, kSyncing, kLive, kFailed };
const char* stream_state_name(StreamState s);

// What one response means for the materialized rows.
struct StreamUpdate {
  bool must_refetch = false;           // drop every row first (a 409 was received)
  std::vector<ChangeMessage> changes;  // to apply in order
  bool up_to_date = false;
  bool accepted = false;               // a 2xx shape answer was processed
  std::optional<LogOffset> offset;     // the response's electric-offset (when accepted)
  // The up-to-date's global_last_seen_lsn: every transaction the server committed before this
  // LSN is in the shape's log up to here (so a write answered with an earlier commit LSN that
  // changed nothing in this shape is confirmed too).
  std::optional<uint64_t> global_lsn;
};

class ShapeStream {
 public:
  ShapeStream(ShapeStreamOptions options, Random rng);

  std::optional<HttpRequest> poll(Timestamp now);
  StreamUpdate on_response(const HttpResponse& response, Timestamp now);
  void on_network_error(Timestamp now);
  std::optional<Timestamp> wake_at() const;

  StreamState state() const { return state_; }
  bool in_flight() const { return in_flight_; }
  bool up_to_date() const { return up_to_date_; }
  const std::optional<std::string>& handle() const { return handle_; }
  // The last offset received (-1 / initial: nullopt).
  const std::optional<LogOffset>& offset() const { return offset_; }
  uint64_t refetches() const { return refetches_; }
  uint64_t retries() const { return retries_; }
  const std::string& last_error() const { return last_error_; }
  const ShapeDefinition& shape() const { return options_.shape; }
  // The position to persist (nullopt before the first answer).
  std::optional<ShapeStreamPosition> position() const;

 private:
  void schedule_retry(Timestamp now, std::string why);

  ShapeStreamOptions options_;
  Random rng_;
  StreamState state_ = StreamState::kInitial;
  bool in_flight_ = false;
  bool up_to_date_ = false;
  std::optional<std::string> handle_;
  std::optional<LogOffset> offset_;
  std::optional<std::string> cursor_;
  std::optional<Timestamp> retry_at_;
  uint32_t consecutive_failures_ = 0;
  uint64_t refetches_ = 0;
  uint64_t retries_ = 0;
  std::string last_error_;
};

}  // namespace shapesim
