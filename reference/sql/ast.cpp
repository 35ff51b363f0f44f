#include "reference/sql/ast.h"

#include <algorithm>
#include <utility>

namespace shapesim::sql {

Node::~Node() {
  std::vector<NodePtr> pending = std::move(args);
  while (!pending.empty()) {
    NodePtr n = std::move(pending.back());
    pending.pop_back();
    for (auto& a : n->args) pending.push_back(std::move(a));
    n->args.clear();  // `n` is destroyed here with no children left to recurse into
  }
}

size_t tree_height(const Node& root) {
  size_t height = 0;
  std::vector<std::pair<const Node*, size_t>> pending{{&root, 1}};
  while (!pending.empty()) {
    auto [n, level] = pending.back();
    pending.pop_back();
    height = std::max(height, level);
    for (const auto& a : n->args) pending.emplace_back(a.get(), level + 1);
  }
  return height;
}

}  // namespace shapesim::sql
