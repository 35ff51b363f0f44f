// Parked long-polls and open streams of ShapeServer: parking and indexes, releasing the
// requests of a shape that got data (one encoded body per offset, shared by the clients
// parked there), retiring those of a shape that is gone, timeouts and keep-alives by the
// deadline index. See shape_server.h for the contract.
#include <tuple>

#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/planted_bugs.h"
#include "reference/server/http_responses.h"
#include "reference/server/shape_server.h"

namespace shapesim {

void ShapeServer::park(RequestId id, Parked parked) {
  SHAPESIM_ASSERT(!parked_.count(id) && !streams_.count(id));
  deadlines_.insert({parked.deadline, id});
  parked_by_handle_[parked.handle].insert(id);
  parked_.emplace(id, std::move(parked));
}

std::map<RequestId, ShapeServer::Parked>::iterator ShapeServer::unpark(std::map<RequestId, Parked>::iterator it) {
  SHAPESIM_ASSERT(deadlines_.erase({it->second.deadline, it->first}) == 1);
  auto by_handle = parked_by_handle_.find(it->second.handle);
  SHAPESIM_ASSERT(by_handle != parked_by_handle_.end() && by_handle->second.erase(it->first) == 1);
  if (by_handle->second.empty()) parked_by_handle_.erase(by_handle);
  return parked_.erase(it);
}

void ShapeServer::open_stream(RequestId id, Stream stream) {
  SHAPESIM_ASSERT(!parked_.count(id) && !streams_.count(id));
  deadlines_.insert({next_event(stream), id});
  streams_.emplace(id, std::move(stream));
}

std::map<RequestId, ShapeServer::Stream>::iterator ShapeServer::close_stream(std::map<RequestId, Stream>::iterator it) {
  SHAPESIM_ASSERT(deadlines_.erase({next_event(it->second), it->first}) == 1);
  return streams_.erase(it);
}

void ShapeServer::release_retired(ServerOutput& out) {
  std::vector<std::string> gone;
  for (const auto& [handle, _] : parked_by_handle_) {
    if (!registry_.find_by_handle(handle)) gone.push_back(handle);
  }
  for (const auto& handle : gone) {
    std::set<RequestId> ids = parked_by_handle_[handle];
    for (RequestId id : ids) {
      auto it = parked_.find(id);
      HttpResponse r = must_refetch_response(std::nullopt);
      add_cors_headers(r, it->second.origin);
      out.responses.emplace_back(id, std::move(r));
      unpark(it);
    }
  }
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (registry_.find_by_handle(it->second.handle)) {
      ++it;
      continue;
    }
    out.stream_events.push_back({it->first, "", true});
    it = close_stream(it);
  }
}

void ShapeServer::release_parked(const std::string& handle, Timestamp now, ServerOutput& out) {
  if (planted(PlantedBug::kLongPollWaitsForTimeout)) return;  // parked requests wait for their deadline
  auto parked_here = parked_by_handle_.find(handle);
  if (parked_here == parked_by_handle_.end()) return;
  Shape* s = registry_.find_by_handle(handle);
  SHAPESIM_ASSERT(s != nullptr);
  // Clients parked at the same offset get the same messages: encode the answer once per
  // offset. Those that also asked with the same offset text, cursor and origin get the very
  // same answer: one SharedResponse for all of them.
  std::map<LogOffset, std::optional<HttpResponse>> by_offset;
  using AnswerKey = std::tuple<LogOffset, std::string, std::string, std::optional<std::string>>;
  std::map<AnswerKey, size_t> shared_index;  // -> position in out.shared_responses
  std::set<RequestId> ids = parked_here->second;  // request order
  for (RequestId id : ids) {
    auto it = parked_.find(id);
    SHAPESIM_ASSERT(it != parked_.end());
    Parked& p = it->second;
    auto cached = by_offset.find(p.offset);
    if (cached == by_offset.end()) {
      auto read = read_after(*s, p.offset);
      std::optional<HttpResponse> built;
      if (read.ok() && !read->messages.empty()) built = shape_response(*s, *read, true, p.request_offset, p.cursor, now);
      cached = by_offset.emplace(p.offset, std::move(built)).first;
    }
    if (!cached->second) continue;  // nothing new at this offset yet
    const std::string& next = cached->second->headers.at("electric-offset");  // where this answer ends
    std::string cursor = live_cursor(p.cursor, now);
    AnswerKey key{p.offset, p.request_offset, cursor, p.origin};
    auto shared = shared_index.find(key);
    if (shared == shared_index.end()) {
      HttpResponse r = *cached->second;
      r.headers["etag"] = shape_etag(handle, p.request_offset, next);
      r.headers["electric-cursor"] = cursor;
      add_cors_headers(r, p.origin);
      shared = shared_index.emplace(key, out.shared_responses.size()).first;
      out.shared_responses.push_back({{}, std::move(r)});
    }
    SharedResponse& answer = out.shared_responses[shared->second];
    SHAPESIM_ASSERT(answer.ids.empty() || answer.ids.back() < id);
    answer.ids.push_back(id);
    sometimes(Probe::kLongPollReleasedByData);
    if (planted(PlantedBug::kLongPollAnsweredTwice)) {  // the answered request stays parked
      p.offset = *LogOffset::parse(next);
      continue;
    }
    unpark(it);
  }
}

void ShapeServer::time_out(std::map<RequestId, Parked>::iterator it, Timestamp now, ServerOutput& out) {
  const Parked& p = it->second;
  const Shape* s = registry_.find_by_handle(p.handle);
  HttpResponse r;
  if (!s) {
    r = must_refetch_response(std::nullopt);
  } else {
    ShapeLog::ReadResult read;
    read.next = p.offset;
    read.reached_end = true;
    sometimes(Probe::kLongPollTimedOut);
    r = shape_response(*s, read, true, p.request_offset, p.cursor, now);
  }
  add_cors_headers(r, p.origin);
  out.responses.emplace_back(it->first, std::move(r));
  unpark(it);
}

ServerOutput ShapeServer::tick(Timestamp now) {
  start_usage(now);
  ServerOutput out;
  expire_idle(now);
  // Only what is due: the deadline index is ordered by (time, request id).
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    RequestId id = deadlines_.begin()->second;
    if (auto p = parked_.find(id); p != parked_.end()) {
      time_out(p, now, out);
      continue;
    }
    auto it = streams_.find(id);
    SHAPESIM_ASSERT(it != streams_.end());
    Stream& stream = it->second;
    if (stream.close_at <= now) {  // the client reconnects from its last up-to-date
      out.stream_events.push_back({id, "", true});
      close_stream(it);
      continue;
    }
    deadlines_.erase(deadlines_.begin());
    out.stream_events.push_back({id, ": keep-alive\n\n", false});
    stream.keepalive_at = now + config_.sse_keepalive;
    deadlines_.insert({next_event(stream), id});
  }
  return out;
}

ServerOutput ShapeServer::release_now(RequestId id, Timestamp now) {
  ServerOutput out;
  if (auto p = parked_.find(id); p != parked_.end()) {
    time_out(p, now, out);
  } else if (auto s = streams_.find(id); s != streams_.end()) {
    out.stream_events.push_back({id, "", true});
    close_stream(s);
  }
  return out;
}

void ShapeServer::cancel(RequestId id) {
  if (auto p = parked_.find(id); p != parked_.end()) unpark(p);
  if (auto st = streams_.find(id); st != streams_.end()) close_stream(st);
}

std::optional<Timestamp> ShapeServer::next_deadline() const {
  std::optional<Timestamp> next;
  if (!deadlines_.empty()) next = deadlines_.begin()->first;
  if (auto oldest = usage_.oldest(); oldest && config_.shape_idle_timeout.micros > 0) {
    Timestamp expiry = *oldest + config_.shape_idle_timeout;
    if (!next || expiry < *next) next = expiry;
  }
  return next;
}

}  // namespace shapesim
