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
  return it == by_handle_.end() ? nullptr : it->second.get();
}

Shape* ShapeRegistry::add(std::unique_ptr<Shape> shape) {
  const std::string& h = shape->handle().value;
  handle_by_definition_[shape->definition().canonical()] = h;
  handles_by_table_[table_key(shape->table().schema, shape->table().name)].insert(h);
  Shape* raw = shape.get();
  by_handle_[h] = std::move(shape);
  return raw;
}

void ShapeRegistry::remove(const std::string& handle) {
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end()) return;
  Shape& s = *it->second;
  auto d = handle_by_definition_.find(s.definition().canonical());
  if (d != handle_by_definition_.end() && d->second == handle) handle_by_definition_.erase(d);
  handles_by_table_[table_key(s.table().schema, s.table().name)].erase(handle);
  by_handle_.erase(it);
}

std::vector<Shape*> ShapeRegistry::shapes_on(const std::string& schema, const std::string& table) const {
  std::vector<Shape*> out;
  auto it = handles_by_table_.find(table_key(schema, table));
  if (it == handles_by_table_.end()) return out;
  for (const auto& h : it->second) out.push_back(by_handle_.at(h).get());
  return out;
}

std::string ShapeRegistry::make_handle(const ShapeDefinition& d, uint64_t sequence) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%08x-%llu", fnv1a32(d.canonical()), static_cast<unsigned long long>(sequence));
  return buf;
}

}  // namespace shapesim
