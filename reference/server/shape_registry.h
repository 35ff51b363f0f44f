// ShapeRegistry: definition -> active shape, handle -> shape, table -> shapes.
// A definition has at most one active handle; removing a shape retires its handle forever
// (handles embed a persistent sequence number, so they are never reused).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "reference/server/shape.h"

namespace shapesim {

class ShapeRegistry {
 public:
  Shape* find_by_definition(const ShapeDefinition& d) const;
  Shape* find_by_handle(const std::string& handle) const;
  Shape* add(std::unique_ptr<Shape> shape);
  void remove(const std::string& handle);
  // Shapes on a table, in handle order (deterministic).
  std::vector<Shape*> shapes_on(const std::string& schema, const std::string& table) const;
  size_t size() const { return by_handle_.size(); }

  // "<fnv32 of the canonical definition, hex>-<sequence>", e.g. "1f2e3d4c-12".
  static std::string make_handle(const ShapeDefinition& d, uint64_t sequence);

 private:
  std::map<std::string, std::unique_ptr<Shape>> by_handle_;
  std::map<std::string, std::string> handle_by_definition_;
  std::map<std::string, std::set<std::string>> handles_by_table_;
};

}  // namespace shapesim
