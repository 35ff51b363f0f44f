#include "reference/sql/deparse.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "reference/common/assert.h"
#include "reference/common/sql_identifier.h"
#include "reference/sql/parser.h"

namespace shapesim::sql {

namespace {

// The type as parse_type reads it back: base name, modifiers, then [].
std::string type_text(const Node& n) {
  std::string out = SqlType{n.type.id, false}.name();
  if (n.type.id == TypeId::kNumeric && n.flag) {
    out += "(" + std::to_string(n.index) + "," + std::to_string(n.typmod) + ")";
  } else if (n.type.id == TypeId::kVarchar && n.typmod >= 1) {
    out += "(" + std::to_string(n.typmod) + ")";
  }
  if (n.type.array) out += "[]";
  return out;
}

bool niladic(const std::string& name) {
  return name == "current_timestamp" || name == "current_date" || name == "current_time" || name == "localtime" ||
         name == "localtimestamp" || name == "current_user" || name == "session_user";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const Node& n, size_t from, const char* sep) {
  std::string out;
  for (size_t i = from; i < n.args.size(); ++i) {
    if (i > from) out += sep;
    out += to_where_text(*n.args[i]);
  }
  return out;
}

const char* negation(const Node& n) { return n.negated ? " NOT" : ""; }

NodePtr leaf(NodeKind kind, std::string text) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->text = std::move(text);
  return n;
}

}  // namespace

bool same_tree(const Node& a, const Node& b) {
  std::vector<std::pair<const Node*, const Node*>> pending{{&a, &b}};
  while (!pending.empty()) {
    auto [x, y] = pending.back();
    pending.pop_back();
    bool cast = x->kind == NodeKind::kCast || x->kind == NodeKind::kTypedLiteral;
    if (x->kind != y->kind || (!cast && x->text != y->text) || x->negated != y->negated || x->flag != y->flag ||
        x->index != y->index || !(x->type == y->type) || x->typmod != y->typmod || x->args.size() != y->args.size()) {
      return false;
    }
    for (size_t i = 0; i < x->args.size(); ++i) pending.emplace_back(x->args[i].get(), y->args[i].get());
  }
  return true;
}

std::string to_where_text(const Node& n) {
  switch (n.kind) {
    case NodeKind::kInteger:
    case NodeKind::kNumber: return n.text;
    case NodeKind::kString: return quote_literal(n.text);
    case NodeKind::kBool: return n.flag ? "true" : "false";
    case NodeKind::kNull: return "NULL";
    case NodeKind::kColumn: return quote_identifier(n.text);
    case NodeKind::kParam: return "$" + n.text;
    case NodeKind::kTypedLiteral: return "CAST(" + quote_literal(n.text) + " AS " + type_text(n) + ")";
    case NodeKind::kUnary: return "(" + n.text + " " + to_where_text(*n.args[0]) + ")";
    case NodeKind::kBinary:
      return "(" + to_where_text(*n.args[0]) + " " + n.text + " " + to_where_text(*n.args[1]) + ")";
    case NodeKind::kAnd: return "(" + join(n, 0, " AND ") + ")";
    case NodeKind::kOr: return "(" + join(n, 0, " OR ") + ")";
    case NodeKind::kNot: return "(NOT " + to_where_text(*n.args[0]) + ")";
    case NodeKind::kIsNull: return "(" + to_where_text(*n.args[0]) + " IS" + negation(n) + " NULL)";
    case NodeKind::kIsBool: return "(" + to_where_text(*n.args[0]) + " IS" + negation(n) + " " + upper(n.text) + ")";
    case NodeKind::kDistinct:
      return "(" + to_where_text(*n.args[0]) + " IS" + negation(n) + " DISTINCT FROM " + to_where_text(*n.args[1]) + ")";
    case NodeKind::kLike: {
      std::string out = "(" + to_where_text(*n.args[0]) + negation(n) + (n.flag ? " ILIKE " : " LIKE ") +
                        to_where_text(*n.args[1]);
      if (n.args.size() > 2) out += " ESCAPE " + to_where_text(*n.args[2]);
      return out + ")";
    }
    case NodeKind::kIn: return "(" + to_where_text(*n.args[0]) + negation(n) + " IN (" + join(n, 1, ", ") + "))";
    case NodeKind::kBetween:
      return "(" + to_where_text(*n.args[0]) + negation(n) + " BETWEEN " + (n.flag ? "SYMMETRIC " : "") +
             to_where_text(*n.args[1]) + " AND " + to_where_text(*n.args[2]) + ")";
    case NodeKind::kAnyAll: {
      std::string op = n.text == "~~" ? std::string(negation(n)) + " LIKE"
                       : n.text == "~~*" ? std::string(negation(n)) + " ILIKE"
                                         : " " + n.text;
      return "(" + to_where_text(*n.args[0]) + op + (n.flag ? " ALL (" : " ANY (") + to_where_text(*n.args[1]) + "))";
    }
    case NodeKind::kCast: return "CAST(" + to_where_text(*n.args[0]) + " AS " + type_text(n) + ")";
    case NodeKind::kFunc:
      if (n.args.empty() && niladic(n.text)) return n.text;
      return n.text + "(" + join(n, 0, ", ") + ")";
    case NodeKind::kArray: return "ARRAY[" + join(n, 0, ", ") + "]";
    case NodeKind::kSubscript: return "(" + to_where_text(*n.args[0]) + ")[" + to_where_text(*n.args[1]) + "]";
  }
  SHAPESIM_ASSERT(false);
  return {};
}

Result<std::string> and_scope(std::string_view narrowing, size_t bound_params, const std::string& column,
                              size_t scope_param) {
  SHAPESIM_ASSERT(scope_param >= 1);
  auto scope = leaf(NodeKind::kBinary, "=");
  scope->args.push_back(leaf(NodeKind::kColumn, column));
  auto param = leaf(NodeKind::kParam, std::to_string(scope_param));
  param->index = static_cast<int>(scope_param);
  scope->args.push_back(std::move(param));
  NodePtr combined;
  bool blank = std::all_of(narrowing.begin(), narrowing.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  if (blank) {
    combined = std::move(scope);
  } else {
    auto parsed = parse_where(narrowing);
    if (!parsed.ok()) return invalid_argument("the where must be one complete expression: " + parsed.status().message());
    if (size_t p = highest_param(**parsed); p > bound_params) {
      return invalid_argument("the where names $" + std::to_string(p) + " but only " + std::to_string(bound_params) +
                              " params are given");
    }
    combined = leaf(NodeKind::kAnd, "and");
    combined->args.push_back(std::move(*parsed));
    combined->args.push_back(std::move(scope));
  }
  std::string text = to_where_text(*combined);
  // The text must mean the tree: parsed back, it is the same tree (or too deep to parse).
  auto back = parse_where(text);
  if (!back.ok()) return invalid_argument("the where is nested too deeply to be scoped: " + back.status().message());
  SHAPESIM_ASSERT(same_tree(**back, *combined));
  return text;
}

std::set<std::string> columns_named(const Node& root) {
  std::set<std::string> out;
  std::vector<const Node*> pending{&root};
  while (!pending.empty()) {
    const Node* n = pending.back();
    pending.pop_back();
    if (n->kind == NodeKind::kColumn) out.insert(n->text);
    for (const auto& a : n->args) pending.push_back(a.get());
  }
  return out;
}

size_t highest_param(const Node& root) {
  size_t highest = 0;
  std::vector<const Node*> pending{&root};
  while (!pending.empty()) {
    const Node* n = pending.back();
    pending.pop_back();
    if (n->kind == NodeKind::kParam) highest = std::max(highest, static_cast<size_t>(n->index));
    for (const auto& a : n->args) pending.push_back(a.get());
  }
  return highest;
}

}  // namespace shapesim::sql
