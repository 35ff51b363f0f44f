#include "reference/server/shape_registry.h"

#include <cstdio>

#include "reference/common/hash.h"

namespace shapesim {

namespace {
std::string table_key(const std::string& schema, const std::string& table) { return schema + "\x1f" + table; }
}  // namespace

Shape* ShapeRegistry::find_by_definition(const ShapeDefinition& d) const {
  auto it = handle_by_definition_.find(d.canonical());
  return it == handle_by_definition_.end() ? nullptr : find_by_handle(it->second);
}

Shape* ShapeRegistry::find_by_handle(const std::string& handle) const {
  auto it = by_handle_.find(handle);
  return it == by_handle_.end() ? nullptr : it->second.shape.get();
}

Shape* ShapeRegistry::add(std::unique_ptr<Shape> shape) {
  const std::string h = shape->handle().value;
  handle_by_definition_[shape->definition().canonical()] = h;
  TableShapes& t = tables_[table_key(shape->table().schema, shape->table().name)];
  if (!t.index) t.index = std::make_unique<sql::RoutingIndex>(shape->table());
  sql::RoutingIndex::ShapeId id = next_id_++;
  t.index->add(id, shape->where());
  Shape* raw = shape.get();
  t.by_id[id] = raw;
  by_handle_[h] = Entry{std::move(shape), id};
  return raw;
}

void ShapeRegistry::remove(const std::string& handle) {
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end()) return;
  Shape& s = *it->second.shape;
  auto d = handle_by_definition_.find(s.definition().canonical());
  if (d != handle_by_definition_.end() && d->second == handle) handle_by_definition_.erase(d);
  TableShapes& t = tables_[table_key(s.table().schema, s.table().name)];
  t.index->remove(it->second.id);
  t.by_id.erase(it->second.id);
  by_handle_.erase(it);
}

std::vector<Shape*> ShapeRegistry::shapes_on(const std::string& schema, const std::string& table) const {
  std::vector<Shape*> out;
  auto it = tables_.find(table_key(schema, table));
  if (it == tables_.end()) return out;
  for (const auto& [id, shape] : it->second.by_id) out.push_back(shape);
  std::sort(out.begin(), out.end(), [](Shape* a, Shape* b) { return a->handle().value < b->handle().value; });
  return out;
}

bool ShapeRegistry::has_shapes_on(const std::string& schema, const std::string& table) const {
  auto it = tables_.find(table_key(schema, table));
  return it != tables_.end() && !it->second.by_id.empty();
}

void ShapeRegistry::candidates(const std::string& schema, const std::string& table,
                               const std::vector<sql::SqlValue>& row, std::vector<Shape*>& out) const {
  auto it = tables_.find(table_key(schema, table));
  if (it == tables_.end()) return;
  std::vector<sql::RoutingIndex::ShapeId> ids;
  it->second.index->candidates(row, ids);
  for (auto id : ids) out.push_back(it->second.by_id.at(id));
}

std::string ShapeRegistry::make_handle(const ShapeDefinition& d, uint64_t sequence) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%08x-%llu", fnv1a32(d.canonical()), static_cast<unsigned long long>(sequence));
  return buf;
}

}  // namespace shapesim
