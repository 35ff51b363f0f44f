// InvariantChecker: the interface of the simulator's checkers (sim/checkers.h lists them). The
// World calls them; they look at it through World& (sim/world.h), which the World itself never
// needs to include from here.
#pragma once

#include <string>

#include "reference/client/shape_stream.h"

namespace shapesim::sim {

class World;
class ClientNode;

class InvariantChecker {
 public:
  virtual ~InvariantChecker() = default;
  virtual const char* name() const = 0;
  virtual void after_apply(World&, const ClientNode&, const StreamUpdate&) {}
  virtual void at_quiescence(World&) {}
  // The server sent what one event produced (shape logs may have grown).
  virtual void after_server_output(World&) {}
  // The client lost its memory, or purged everything, and syncs from scratch: forget what was
  // tracked for it.
  virtual void after_client_restart(const ClientNode&) {}
  // The server acknowledged one of the client's writes (its transaction awaits its txid).
  virtual void after_write_acknowledged(World&, const ClientNode&, const std::string& /*batch_id*/) {}
};

}  // namespace shapesim::sim
