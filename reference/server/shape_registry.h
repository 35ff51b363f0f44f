// ShapeRegistry: definition -> active shape, handle -> shape, and per table a routing index
// (sql::RoutingIndex) that finds the shapes a changed row may belong to.
// A definition has at most one active handle; removing a shape retires its handle forever
// (handles embed a persistent sequence number, so they are never reused).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "reference/server/shape.h"
#include "reference/sql/routing_index.h"

namespace shapesim {

class ShapeRegistry {
 public:
  Shape* find_by_definition(const ShapeDefinition& d) const;
  Shape* find_by_handle(const std::string& handle) const;
  Shape* add(std::unique_ptr<Shape> shape);
  void remove(const std::string& handle);
  // Shapes on a table, in handle order (deterministic).
  std::vector<Shape*> shapes_on(const std::string& schema, const std::string& table) const;
  // The candidate shapes for one row of a table (sorted by registration order, unique).
  void candidates(const std::string& schema, const std::string& table, const std::vector<sql::SqlValue>& row,
                  std::vector<Shape*>& out) const;
  bool has_shapes_on(const std::string& schema, const std::string& table) const;
  size_t size() const { return by_handle_.size(); }
  // Every handle, in order.
  std::vector<std::string> handles() const {
    std::vector<std::string> out;
    for (const auto& [h, _] : by_handle_) out.push_back(h);
    return out;
  }

  // "<fnv32 of the canonical definition, hex>-<sequence>", e.g. "1f2e3d4c-12".
  static std::string make_handle(const ShapeDefinition& d, uint64_t sequence);

 private:
  struct TableShapes {
    std::unique_ptr<sql::RoutingIndex> index;
    std::map<sql::RoutingIndex::ShapeId, Shape*> by_id;
  };
  struct Entry {
    std::unique_ptr<Shape> shape;
    sql::RoutingIndex::ShapeId id;
  };

  std::map<std::string, Entry> by_handle_;
  std::map<std::string, std::string> handle_by_definition_;
  std::map<std::string, TableShapes> tables_;
  sql::RoutingIndex::ShapeId next_id_ = 1;
};

}  // namespace shapesim
