// Trace: the ordered record of what happened in a run, one JSON line per event, with a
// rolling FNV-1a hash so two runs can be compared without storing either.
//
//   Trace trace;
//   trace.record(now, "alice", "send", R"({"path":"/v1/shape"})");
//   trace.hash();   // same seed and scenario => same hash
//
// An event is {"t":<micros>,"node":"<name>","ev":"<kind>","d":<detail JSON>}.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/json_text.h"
#include "reference/common/time.h"

namespace shapesim {

class Trace {
 public:
  using Sink = std::function<void(std::string_view line)>;

  // `detail_json` must be a valid JSON value (object, string, number...).
  void record(Timestamp at, std::string_view node, std::string_view kind, std::string_view detail_json);
  // Every recorded line is also passed to `sink` (e.g. a file writer). Optional.
  void set_sink(Sink sink) { sink_ = std::move(sink); }

  // Keep the rolling hash after each event (event_hashes()[i] covers events 0..i), so two
  // runs can be compared event by event and the first divergent one named.
  void keep_event_hashes(bool keep) { keep_hashes_ = keep; }
  const std::vector<uint64_t>& event_hashes() const { return event_hashes_; }

  uint64_t hash() const { return hash_; }
  uint64_t events() const { return events_; }
  std::string hash_hex() const;

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
  uint64_t events_ = 0;
  Sink sink_;
  bool keep_hashes_ = false;
  std::vector<uint64_t> event_hashes_;
};

}  // namespace shapesim
