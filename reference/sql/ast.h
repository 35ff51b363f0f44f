// The WHERE language's syntax tree, as the parser builds it (untyped). Every node keeps the
// 0-based byte position of its first token for error messages.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "reference/sql/sql_type.h"

namespace shapesim::sql {

enum class NodeKind {
  kInteger,    // text: digits
  kNumber,     // text: digits with '.' or exponent
  kString,     // text: the string's value
  kBool,       // flag: true/false
  kNull,
  kColumn,     // text: the column name (already case-folded unless quoted)
  kParam,      // index: $n
  kTypedLiteral,  // DATE '...': type + text
  kUnary,      // text: "-" or "+"; args[0]
  kBinary,     // text: operator; args[0], args[1]
  kAnd, kOr,   // args (2 or more: a chain is one node, as PostgreSQL's BoolExpr)
  kNot,        // args[0]
  kIsNull,     // args[0]; negated = IS NOT NULL
  kIsBool,     // args[0]; text: "true" / "false" / "unknown"; negated
  kDistinct,   // args[0], args[1]; negated = IS NOT DISTINCT FROM
  kLike,       // args[0] value, args[1] pattern, args[2] escape (optional); flag = ILIKE; negated
  kIn,         // args[0] value, args[1..] list; negated
  kBetween,    // args[0], args[1], args[2]; flag = SYMMETRIC; negated
  kAnyAll,     // text: operator (or "~~" / "~~*" for LIKE/ILIKE); args[0], args[1] array; flag = ALL; negated (NOT LIKE ANY)
  kCast,       // args[0]; type; typmod
  kFunc,       // text: lower-case name; args
  kArray,      // ARRAY[args]
  kSubscript,  // args[0][args[1]]
};

struct Node {
  NodeKind kind = NodeKind::kNull;
  size_t pos = 0;
  std::string text;
  std::vector<std::unique_ptr<Node>> args;
  bool negated = false;
  bool flag = false;
  int index = 0;       // kParam
  SqlType type;        // kCast, kTypedLiteral
  int typmod = -1;     // kCast: numeric scale or varchar length; -1 none

  Node() = default;
  Node(Node&&) = default;
  Node& operator=(Node&&) = default;
  // Tears the subtree down without recursion (input controls its depth).
  ~Node();
};

using NodePtr = std::unique_ptr<Node>;

// The number of levels of the tree under `root` (a leaf is 1), counted without recursion.
size_t tree_height(const Node& root);

}  // namespace shapesim::sql
