// What a driver (the real network, the simulator, a test rig) talks to: requests and `now` in,
// responses out. ShapeServer is one; auth::AuthGate, in front of it, is another.
//
// Contract (as ShapeServer's): every request gets exactly one response unless cancel() is
// called for it first; a streaming response is followed by stream events for its id, the last
// with `end`; tick() is due at next_deadline().
#pragma once

#include <optional>

#include "reference/common/ids.h"
#include "reference/common/time.h"
#include "reference/wire/http.h"

namespace shapesim {

struct ServerOutput;

class HttpService {
 public:
  virtual ~HttpService() = default;
  virtual ServerOutput handle(RequestId id, const HttpRequest& request, Timestamp now) = 0;
  virtual ServerOutput tick(Timestamp now) = 0;
  virtual void cancel(RequestId id) = 0;
  virtual std::optional<Timestamp> next_deadline() const = 0;
};

}  // namespace shapesim
