// SnapshotChunk: one chunk of a shape's initial snapshot, stored as a single string.
//
// `body` holds the chunk's messages joined by ',' (so a response body is "[" + body + "]"),
// `ends[i]` is where message i ends in `body`. One allocation per chunk instead of one per
// row keeps a million-row snapshot cheap to build, hold, persist and reload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shapesim {

struct SnapshotChunk {
  std::string body;
  std::vector<uint32_t> ends;

  void add(std::string_view message) {
    if (!ends.empty()) body.push_back(',');
    body.append(message);
    ends.push_back(static_cast<uint32_t>(body.size()));
  }
  size_t size() const { return ends.size(); }
  std::string_view message(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1] + 1;  // skip the separating comma
    return std::string_view(body).substr(begin, ends[i] - begin);
  }
  // Checks `ends` against `body` (e.g. after loading from disk).
  bool consistent() const {
    size_t prev = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      size_t begin = i == 0 ? 0 : prev + 1;
      if (ends[i] < begin || ends[i] > body.size() || (i > 0 && body[prev] != ',')) return false;
      prev = ends[i];
    }
    return prev == body.size();
  }
  friend bool operator==(const SnapshotChunk&, const SnapshotChunk&) = default;
};

}  // namespace shapesim
