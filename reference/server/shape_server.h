// ShapeServer: the sans-I/O shape server. Requests and `now` in, responses out.
//
//   ShapeServer server(config, std::move(store));
//   auto out = server.handle(RequestId{1}, request, now);   // out.responses: answered now
//   ...a live request at the head is parked: answered by a later handle()/tick() call
//   auto later = server.tick(now);                          // releases timed-out long-polls
//   server.next_deadline();                                  // when tick() next has work
//
// Routes: GET/POST/DELETE/OPTIONS /v1/shape, GET /v1/health, POST /api/mutations.
// Contract: every request gets exactly one response, unless cancel() is called for it first.
// A `streaming` response (live_sse=true) is followed by stream events for its request id,
// the last one with `end` set (or none after cancel()).
// Writes are routed into shape logs before handle() returns, and parked long-polls and
// streams on shapes that received data are answered in the same output.
//
// global_last_seen_lsn (in up-to-date messages) is the end of the last processed commit:
// commit LSN + 1. An SSE client resumes from "<global_last_seen_lsn>_0", which therefore
// lies after every change of that transaction and before the next one.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reference/common/ids.h"
#include "reference/common/time.h"
#include "reference/server/embedded_store.h"
#include "reference/server/http_service.h"
#include "reference/server/request_policy.h"
#include "reference/server/shape_registry.h"
#include "reference/server/shape_usage.h"
#include "reference/wire/http.h"

namespace shapesim {

struct ServerConfig {
  size_t chunk_bytes = 10000;                      // Electric's test configuration
  Duration long_poll_timeout = Duration::seconds(20);
  bool allow_delete = false;
  int max_age_seconds = 5;                         // catch-up cache-control
  int stale_age_seconds = 300;
  Duration sse_timeout = Duration::seconds(60);     // an SSE stream ends after this; the client reconnects
  Duration sse_keepalive = Duration::seconds(15);   // comment lines keep idle streams open through proxies
  RequestPolicy policy;                             // Host and cross-origin write checks (default: none)
  // Shapes held at most (0: no limit): creating one more evicts the least recently read shape
  // that no request waits on; its clients get 409 and refetch. A shape nobody has read for
  // shape_idle_timeout is retired the same way (Electric expires idle shapes).
  size_t max_shapes = 10000;
  Duration shape_idle_timeout = Duration::seconds(24 * 3600);
};

// More bytes of a streaming response; `end`: the stream is complete (after `data`).
struct StreamEvent {
  RequestId id;
  std::string data;
  bool end = false;
};

// One answer for several requests: a write released long-polls parked at the same offset with
// the same cursor and origin, so each of them gets the same bytes. `ids` ascending.
struct SharedResponse {
  std::vector<RequestId> ids;
  HttpResponse response;
};

struct ServerOutput {
  std::vector<std::pair<RequestId, HttpResponse>> responses;
  // Fan-out answers, delivered after `responses` (so the write that released them is answered
  // first): a driver may encode each once for all its ids (10,000 parked clients of one shape
  // cost one response, not 10,000 copies).
  std::vector<SharedResponse> shared_responses;
  std::vector<StreamEvent> stream_events;  // delivered after `shared_responses`
  // Things an operator should know, for the driver to log (e.g. a row a shape's WHERE could
  // not evaluate, so it is left out of that shape).
  std::vector<std::string> notices;
  // Tables a committed transaction in this output changed (as "schema.table"), for layers that
  // derive state from tables (the auth gate's memberships).
  std::set<std::string> changed_tables;

  // Appends another output after this one (order kept).
  void append(ServerOutput&& other) {
    for (auto& r : other.responses) responses.push_back(std::move(r));
    for (auto& r : other.shared_responses) shared_responses.push_back(std::move(r));
    for (auto& e : other.stream_events) stream_events.push_back(std::move(e));
    for (auto& n : other.notices) notices.push_back(std::move(n));
    changed_tables.merge(other.changed_tables);
  }

  // Turns `shared_responses` into one `responses` entry per id, appended in delivery order
  // (shared answers in order, each one's ids ascending), for drivers that answer one at a time.
  void expand_shared();
};

// Calls fn(id, response) for every answer in `out` in delivery order (shared ones per id).
template <typename Fn>
void for_each_response(const ServerOutput& out, Fn&& fn) {
  for (const auto& [id, response] : out.responses) fn(id, response);
  for (const auto& shared : out.shared_responses) {
    for (RequestId id : shared.ids) fn(id, shared.response);
  }
}

class ShapeServer : public HttpService {
 public:
  // The embedded store is both the source of truth and the storage for shapes.
  ShapeServer(ServerConfig config, std::unique_ptr<EmbeddedStore> store);
  // Another source (PostgreSQL): its committed transactions arrive through on_replicated();
  // `storage` keeps shapes and the replicated transaction log.
  ShapeServer(ServerConfig config, std::unique_ptr<EmbeddedStore> storage, std::unique_ptr<SourceOfTruth> source);

  ServerOutput handle(RequestId id, const HttpRequest& request, Timestamp now) override;
  ServerOutput tick(Timestamp now) override;
  void cancel(RequestId id) override;
  std::optional<Timestamp> next_deadline() const override;
  // Answers a parked long-poll now (up-to-date at its offset, as a timeout would) or ends an
  // open stream, so its client asks again (and is authorized again). Nothing if neither.
  ServerOutput release_now(RequestId id, Timestamp now);

  // Called with every committed transaction before it reaches any shape, parked request or
  // stream; what it returns leads the transaction's output. The auth gate releases there the
  // requests of users whose permissions the transaction changes, so no answer built from the
  // transaction reaches them.
  // One hook at a time, set and cleared by its owner (a later owner's hook is not cleared).
  using BeforeFanout = std::function<ServerOutput(const CommittedTransaction&, Timestamp)>;
  void set_before_fanout(const void* owner, BeforeFanout hook) {
    before_fanout_owner_ = owner;
    before_fanout_ = std::move(hook);
  }
  void clear_before_fanout(const void* owner) {
    if (before_fanout_owner_ != owner) return;
    before_fanout_owner_ = nullptr;
    before_fanout_ = nullptr;
  }

  // Applies a committed transaction to every shape on its tables (used by the write API;
  // a replication source would call it too) and answers parked polls that got data.
  ServerOutput on_transaction(const CommittedTransaction& tx, Timestamp now);
  // A transaction from replication: ignored if at or before the last logged LSN (a replay
  // after reconnecting), else logged durably, then routed. Returns the error if logging fails.
  Result<ServerOutput> on_replicated(const CommittedTransaction& tx, Timestamp now);
  // Retires the shapes on a table (schema change) or every shape (the source was replaced):
  // their clients get 409 and refetch.
  ServerOutput invalidate_table(const std::string& schema, const std::string& table);
  ServerOutput invalidate_all();
  // The last transaction position the shape logs hold (acknowledge up to here).
  Lsn durable_lsn() const { return store_->last_lsn(); }

  const ServerConfig& config() const { return config_; }
  EmbeddedStore& store() { return *store_; }
  // Where rows live and writes go (the store, or PostgreSQL).
  SourceOfTruth& source() { return *source_; }
  // Whether restoring persisted shapes at construction succeeded (a driver should not serve
  // otherwise).
  const Status& startup_status() const { return startup_status_; }
  const ShapeRegistry& registry() const { return registry_; }
  size_t parked_count() const { return parked_.size(); }
  size_t stream_count() const { return streams_.size(); }

  // The rows a shape should hold now, computed from scratch from the store: key -> value.
  Result<std::map<std::string, WireRow>> evaluate_from_scratch(const ShapeDefinition& d);

 private:
  struct Parked {
    std::string handle;
    LogOffset offset;
    Timestamp deadline;
    std::optional<std::string> cursor;
    std::optional<std::string> origin;
    std::string request_offset;  // as the client wrote it, for the etag
  };

  struct Stream {
    std::string handle;
    LogOffset offset;  // everything up to here has been sent
    Timestamp close_at;
    Timestamp keepalive_at;
  };

  ServerOutput handle_head(RequestId id, const HttpRequest& req, Timestamp now);
  HttpResponse handle_get_shape(RequestId id, const HttpRequest& req, Timestamp now, bool& parked);
  HttpResponse handle_subset(const Shape& shape, const ShapeRequest& r, const std::string& request_offset);
  HttpResponse start_stream(RequestId id, Shape& shape, LogOffset offset, const std::optional<std::string>& cursor,
                            Timestamp now);
  // SSE events for everything after `offset` (each batch ends with up-to-date); advances it.
  std::string stream_events_after(const Shape& shape, LogOffset& offset) const;
  void push_streams(const std::string& handle, ServerOutput& out);
  // The end of the last processed commit (see global_last_seen_lsn above).
  uint64_t end_lsn() const { return store_->last_lsn().value + 1; }
  Result<ShapeLog::ReadResult> read_after(const Shape& shape, LogOffset offset) const;
  HttpResponse handle_delete_shape(const HttpRequest& req);
  HttpResponse handle_mutations(const HttpRequest& req, Timestamp now, ServerOutput& out);
  Result<Shape*> get_or_create(const ShapeDefinition& d, std::string& error_param);
  HttpResponse shape_response(const Shape& shape, const ShapeLog::ReadResult& read, bool live,
                              const std::string& request_offset, const std::optional<std::string>& cursor,
                              Timestamp now) const;
  std::string live_cursor(const std::optional<std::string>& client_cursor, Timestamp now) const;
  void release_parked(const std::string& handle, Timestamp now, ServerOutput& out);
  // Answers 409 to parked requests whose shape no longer exists (deleted or truncated), and
  // ends their streams (the client reconnects and gets the 409).
  void release_retired(ServerOutput& out);
  // Reloads persisted shapes and replays logged transactions into their logs, so every shape
  // resumes with the same handle and offsets after a restart.
  Status restore_shapes();
  void retire(std::string handle);  // by value: the shape owning the string is destroyed

  ServerConfig config_;
  std::unique_ptr<EmbeddedStore> store_;
  std::unique_ptr<SourceOfTruth> external_source_;
  SourceOfTruth* source_;  // store_ or external_source_
  ShapeRegistry registry_;
  std::map<RequestId, Parked> parked_;  // ordered: released in request order
  std::map<RequestId, Stream> streams_;  // ordered: served in request order
  // Indexes over parked_ and streams_ (kept in step by the functions below), so that a write
  // touches only its shape's parked requests and the next deadline is the first key:
  // O(log n) per request instead of a walk over every parked request.
  std::map<std::string, std::set<RequestId>> parked_by_handle_;
  std::set<std::pair<Timestamp, RequestId>> deadlines_;  // parked: deadline; stream: its next event

  void park(RequestId id, Parked parked);
  std::map<RequestId, Parked>::iterator unpark(std::map<RequestId, Parked>::iterator it);
  void open_stream(RequestId id, Stream stream);
  std::map<RequestId, Stream>::iterator close_stream(std::map<RequestId, Stream>::iterator it);
  static Timestamp next_event(const Stream& s) { return std::min(s.close_at, s.keepalive_at); }

  // Shape limit and idle expiry (shape_server_eviction.cpp).
  ShapeUsage usage_;
  bool usage_started_ = false;  // restored shapes count as read at the first `now` seen
  void start_usage(Timestamp now);
  bool in_use(const std::string& handle) const;  // a parked request or open stream on it
  // Makes room for one more shape; an error when every shape is in use.
  Status make_room();
  void expire_idle(Timestamp now);
  // Answers one parked request as timed out (up-to-date at its offset; 409 if its shape is gone).
  void time_out(std::map<RequestId, Parked>::iterator it, Timestamp now, ServerOutput& out);
  Status startup_status_;
  BeforeFanout before_fanout_;
  const void* before_fanout_owner_ = nullptr;
};


}  // namespace shapesim
