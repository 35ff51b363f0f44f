#include "tools/chrome_trace.h"

#include <map>

namespace shapesim::tools {

using nlohmann::json;

Result<json> chrome_trace_from_lines(const std::vector<std::string>& lines) {
  json events = json::array();
  std::map<std::string, int> tids;
  std::map<uint64_t, std::string> open_requests;  // request id -> its client
  auto tid_of = [&](const std::string& node) {
    auto [it, inserted] = tids.emplace(node, static_cast<int>(tids.size()) + 1);
    if (inserted) {
      events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", it->second}, {"args", {{"name", node}}}});
    }
    return it->second;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    json e = json::parse(lines[i], nullptr, false);
    if (e.is_discarded() || !e.is_object() || !e.contains("t") || !e.contains("node") || !e.contains("ev")) {
      return invalid_argument("trace line " + std::to_string(i + 1) + " is not a trace event");
    }
    std::string node = e["node"].get<std::string>(), ev = e["ev"].get<std::string>();
    int64_t ts = e["t"].get<int64_t>();
    json detail = e.value("d", json::object());
    int tid = tid_of(node);
    events.push_back({{"name", ev}, {"ph", "i"}, {"s", "t"}, {"ts", ts}, {"pid", 1}, {"tid", tid}, {"args", detail}});
    if (!detail.is_object() || !detail.contains("id") || !detail["id"].is_number_unsigned()) continue;
    uint64_t id = detail["id"].get<uint64_t>();
    if (ev == "send") {
      open_requests[id] = node;
      events.push_back({{"name", detail.value("req", "request")}, {"cat", "request"}, {"ph", "b"}, {"id", id},
                        {"ts", ts}, {"pid", 1}, {"tid", tid}});
    } else if ((ev == "apply" || ev == "write-ack" || ev == "write-rejected" || ev == "timeout") &&
               open_requests.count(id)) {
      open_requests.erase(id);
      events.push_back({{"name", "request"}, {"cat", "request"}, {"ph", "e"}, {"id", id}, {"ts", ts}, {"pid", 1}, {"tid", tid}});
    }
  }
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "shapesim"}}}});
  return json{{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

}  // namespace shapesim::tools
