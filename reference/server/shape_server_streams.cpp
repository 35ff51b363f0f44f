// The SSE half of ShapeServer (live_sse=true): opening a stream, the events after an offset,
// and pushing new log entries to open streams. See shape_server.h for the contract.
#include "reference/server/shape_server.h"

#include "reference/server/http_responses.h"

namespace shapesim {

HttpResponse ShapeServer::start_stream(RequestId id, Shape& shape, LogOffset offset,
                                       const std::optional<std::string>& cursor, Timestamp now) {
  HttpResponse r;
  r.streaming = true;
  r.headers["content-type"] = "text/event-stream";
  r.headers["cache-control"] = "no-cache";
  r.headers["electric-handle"] = shape.handle().value;
  r.headers["electric-offset"] = offset.to_string();
  r.headers["electric-cursor"] = live_cursor(cursor, now);
  r.headers["electric-schema"] = schema_header(shape);
  r.body = stream_events_after(shape, offset);
  open_stream(id, Stream{shape.handle().value, offset, now + config_.sse_timeout, now + config_.sse_keepalive});
  return r;
}

std::string ShapeServer::stream_events_after(const Shape& shape, LogOffset& offset) const {
  std::string events;
  while (true) {
    auto read = read_after(shape, offset);
    if (!read.ok() || read->messages.empty()) break;
    for (std::string_view m : read->messages) {
      events += "data: ";
      events += m;
      events += "\n\n";
    }
    offset = read->next;
    if (read->reached_end) {
      events += "data: " +
                encode_message(ControlMessage{.kind = ControlKind::kUpToDate, .global_last_seen_lsn = end_lsn()}) +
                "\n\n";
      break;
    }
  }
  return events;
}

void ShapeServer::push_streams(const std::string& handle, ServerOutput& out) {
  for (auto& [id, stream] : streams_) {
    if (stream.handle != handle) continue;
    const Shape* s = registry_.find_by_handle(handle);
    std::string events = stream_events_after(*s, stream.offset);
    if (!events.empty()) out.stream_events.push_back({id, std::move(events), false});
  }
}

}  // namespace shapesim
