#include "reference/query/expression.h"

#include <algorithm>
#include <cmath>

#include "reference/common/assert.h"
#include "reference/sql/utf8.h"

namespace shapesim::query {
namespace {

Expr make(ExprOp op, std::vector<Expr> args) {
  return Expr(std::make_shared<const ExprNode>(ExprNode{op, "", Value(), AggregateKind::kCount, std::move(args)}));
}
Expr make_aggregate(AggregateKind kind, std::vector<Expr> args) {
  return Expr(std::make_shared<const ExprNode>(ExprNode{ExprOp::kAggregate, "", Value(), kind, std::move(args)}));
}

const char* op_text(ExprOp op) {
  switch (op) {
    case ExprOp::kEq: return "=";
    case ExprOp::kNe: return "<>";
    case ExprOp::kLt: return "<";
    case ExprOp::kLe: return "<=";
    case ExprOp::kGt: return ">";
    case ExprOp::kGe: return ">=";
    case ExprOp::kAnd: return "AND";
    case ExprOp::kOr: return "OR";
    case ExprOp::kAdd: return "+";
    case ExprOp::kSub: return "-";
    case ExprOp::kMul: return "*";
    case ExprOp::kDiv: return "/";
    case ExprOp::kMod: return "%";
    case ExprOp::kLike: return "LIKE";
    case ExprOp::kILike: return "ILIKE";
    default: return "?";
  }
}

const char* function_name(ExprOp op) {
  switch (op) {
    case ExprOp::kLower: return "lower";
    case ExprOp::kUpper: return "upper";
    case ExprOp::kLength: return "length";
    case ExprOp::kConcat: return "concat";
    case ExprOp::kCoalesce: return "coalesce";
    default: return "?";
  }
}

const char* aggregate_name(AggregateKind k) {
  switch (k) {
    case AggregateKind::kCount:
    case AggregateKind::kCountRows: return "count";
    case AggregateKind::kSum: return "sum";
    case AggregateKind::kAvg: return "avg";
    case AggregateKind::kMin: return "min";
    case AggregateKind::kMax: return "max";
  }
  return "?";
}

Value boolean(bool b) { return Value(b); }

bool is_number(const Value& v) { return v.as_int() || v.as_double(); }
double as_double(const Value& v) { return v.as_int() ? static_cast<double>(*v.as_int()) : *v.as_double(); }

Value arithmetic(ExprOp op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null() || !is_number(a) || !is_number(b)) return Value();
  if (a.as_int() && b.as_int()) {
    int64_t x = *a.as_int(), y = *b.as_int(), r = 0;
    switch (op) {
      case ExprOp::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return Value();
        return Value(r);
      case ExprOp::kSub:
        if (__builtin_sub_overflow(x, y, &r)) return Value();
        return Value(r);
      case ExprOp::kMul:
        if (__builtin_mul_overflow(x, y, &r)) return Value();
        return Value(r);
      case ExprOp::kDiv:
        if (y == 0 || (x == INT64_MIN && y == -1)) return Value();
        return Value(x / y);
      case ExprOp::kMod:
        if (y == 0) return Value();
        if (y == -1) return Value(int64_t{0});
        return Value(x % y);
      default: return Value();
    }
  }
  double x = as_double(a), y = as_double(b);
  switch (op) {
    case ExprOp::kAdd: return Value(x + y);
    case ExprOp::kSub: return Value(x - y);
    case ExprOp::kMul: return Value(x * y);
    case ExprOp::kDiv: return y == 0 ? Value() : Value(x / y);
    case ExprOp::kMod: return y == 0 ? Value() : Value(std::fmod(x, y));
    default: return Value();
  }
}

std::string ascii_case(const std::string& s, bool upper) {
  std::string out = s;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// Text of a value for concat(): strings as they are, others in their PostgreSQL text form.
void append_text(std::string& out, const Value& v) {
  if (const std::string* s = v.as_string()) {
    out += *s;
  } else {
    v.append_pg_text(out);
  }
}

}  // namespace

Expr::Expr(Value v) : node_(std::make_shared<const ExprNode>(ExprNode{ExprOp::kLiteral, "", std::move(v), AggregateKind::kCount, {}})) {}

std::string Expr::to_string() const {
  const ExprNode& n = *node_;
  auto arg = [&](size_t i) { return n.args[i].to_string(); };
  auto list = [&](size_t from) {
    std::string out;
    for (size_t i = from; i < n.args.size(); ++i) out += (i > from ? ", " : "") + arg(i);
    return out;
  };
  switch (n.op) {
    case ExprOp::kColumn: return n.column;
    case ExprOp::kLiteral: {
      std::string text = tuple_to_string({n.literal});  // "(value)"
      return text.substr(1, text.size() - 2);
    }
    case ExprOp::kNot: return "NOT " + arg(0);
    case ExprOp::kNeg: return "-" + arg(0);
    case ExprOp::kIsNull: return arg(0) + " IS NULL";
    case ExprOp::kIsNotNull: return arg(0) + " IS NOT NULL";
    case ExprOp::kIn: return arg(0) + " IN (" + list(1) + ")";
    case ExprOp::kLower:
    case ExprOp::kUpper:
    case ExprOp::kLength:
    case ExprOp::kConcat:
    case ExprOp::kCoalesce: return std::string(function_name(n.op)) + "(" + list(0) + ")";
    case ExprOp::kAggregate:
      return std::string(aggregate_name(n.aggregate)) + "(" + (n.args.empty() ? "*" : list(0)) + ")";
    default: return "(" + arg(0) + " " + op_text(n.op) + " " + arg(1) + ")";
  }
}

Expr col(std::string name) {
  return Expr(std::make_shared<const ExprNode>(ExprNode{ExprOp::kColumn, std::move(name), Value(), AggregateKind::kCount, {}}));
}
Expr lit(Value v) { return Expr(std::move(v)); }
Expr null_value() { return Expr(Value()); }
Expr eq(Expr a, Expr b) { return make(ExprOp::kEq, {std::move(a), std::move(b)}); }
Expr ne(Expr a, Expr b) { return make(ExprOp::kNe, {std::move(a), std::move(b)}); }
Expr lt(Expr a, Expr b) { return make(ExprOp::kLt, {std::move(a), std::move(b)}); }
Expr le(Expr a, Expr b) { return make(ExprOp::kLe, {std::move(a), std::move(b)}); }
Expr gt(Expr a, Expr b) { return make(ExprOp::kGt, {std::move(a), std::move(b)}); }
Expr ge(Expr a, Expr b) { return make(ExprOp::kGe, {std::move(a), std::move(b)}); }
Expr and_(Expr a, Expr b) { return make(ExprOp::kAnd, {std::move(a), std::move(b)}); }
Expr or_(Expr a, Expr b) { return make(ExprOp::kOr, {std::move(a), std::move(b)}); }
Expr not_(Expr a) { return make(ExprOp::kNot, {std::move(a)}); }
Expr is_null(Expr a) { return make(ExprOp::kIsNull, {std::move(a)}); }
Expr is_not_null(Expr a) { return make(ExprOp::kIsNotNull, {std::move(a)}); }
Expr add(Expr a, Expr b) { return make(ExprOp::kAdd, {std::move(a), std::move(b)}); }
Expr sub(Expr a, Expr b) { return make(ExprOp::kSub, {std::move(a), std::move(b)}); }
Expr mul(Expr a, Expr b) { return make(ExprOp::kMul, {std::move(a), std::move(b)}); }
Expr div(Expr a, Expr b) { return make(ExprOp::kDiv, {std::move(a), std::move(b)}); }
Expr mod(Expr a, Expr b) { return make(ExprOp::kMod, {std::move(a), std::move(b)}); }
Expr neg(Expr a) { return make(ExprOp::kNeg, {std::move(a)}); }
Expr lower(Expr a) { return make(ExprOp::kLower, {std::move(a)}); }
Expr upper(Expr a) { return make(ExprOp::kUpper, {std::move(a)}); }
Expr length(Expr a) { return make(ExprOp::kLength, {std::move(a)}); }
Expr concat(std::vector<Expr> parts) { return make(ExprOp::kConcat, std::move(parts)); }
Expr coalesce(std::vector<Expr> args) { return make(ExprOp::kCoalesce, std::move(args)); }
Expr like(Expr text, Expr pattern) { return make(ExprOp::kLike, {std::move(text), std::move(pattern)}); }
Expr ilike(Expr text, Expr pattern) { return make(ExprOp::kILike, {std::move(text), std::move(pattern)}); }
Expr in(Expr a, std::vector<Expr> list) {
  list.insert(list.begin(), std::move(a));
  return make(ExprOp::kIn, std::move(list));
}
Expr count() { return make_aggregate(AggregateKind::kCountRows, {}); }
Expr count(Expr a) { return make_aggregate(AggregateKind::kCount, {std::move(a)}); }
Expr sum(Expr a) { return make_aggregate(AggregateKind::kSum, {std::move(a)}); }
Expr avg(Expr a) { return make_aggregate(AggregateKind::kAvg, {std::move(a)}); }
Expr min(Expr a) { return make_aggregate(AggregateKind::kMin, {std::move(a)}); }
Expr max(Expr a) { return make_aggregate(AggregateKind::kMax, {std::move(a)}); }

int resolve_column(const std::string& name, const std::vector<std::string>& columns) {
  int found = -1;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& c = columns[i];
    if (c == name) return static_cast<int>(i);  // an exact (qualified) name wins
    bool suffix = c.size() > name.size() && c.compare(c.size() - name.size(), name.size(), name) == 0 &&
                  c[c.size() - name.size() - 1] == '.';
    if (suffix) {
      if (found >= 0) return -2;
      found = static_cast<int>(i);
    }
  }
  return found;
}

Result<BoundExpr> BoundExpr::bind(const Expr& e, const std::vector<std::string>& columns) {
  BoundExpr b;
  Status st = Status::Ok();
  b.add(e, columns, st);
  if (!st.ok()) return st;
  return b;
}

int BoundExpr::add(const Expr& e, const std::vector<std::string>& columns, Status& st) {
  const ExprNode& n = e.node();
  int me = static_cast<int>(nodes_.size());
  nodes_.push_back(Node{n.op, -1, n.literal, {}, nullptr});
  if (n.op == ExprOp::kAggregate) {
    st = invalid_argument("aggregate " + e.to_string() + " outside a grouped select");
    return me;
  }
  if (n.op == ExprOp::kColumn) {
    int i = resolve_column(n.column, columns);
    if (i == -2) st = invalid_argument("column \"" + n.column + "\" is ambiguous: qualify it with its source's alias");
    if (i == -1) st = invalid_argument("unknown column \"" + n.column + "\"");
    nodes_[me].index = i;
    return me;
  }
  std::vector<int> args;
  for (const auto& a : n.args) args.push_back(add(a, columns, st));
  nodes_[me].args = std::move(args);
  if ((n.op == ExprOp::kLike || n.op == ExprOp::kILike) && n.args[1].node().op == ExprOp::kLiteral) {
    if (const std::string* p = n.args[1].node().literal.as_string()) {
      auto compiled = sql::LikePattern::compile(*p, '\\', n.op == ExprOp::kILike);
      if (!compiled.ok()) {
        st = compiled.status();
      } else {
        nodes_[me].like = std::make_shared<const sql::LikePattern>(std::move(*compiled));
      }
    }
  }
  return me;
}

int BoundExpr::max_column() const {
  int m = -1;
  for (const Node& n : nodes_) {
    if (n.op == ExprOp::kColumn) m = std::max(m, n.index);
  }
  return m;
}

void BoundExpr::rebase_columns(int width) {
  for (Node& n : nodes_) {
    if (n.op != ExprOp::kColumn || n.index < width) continue;
    SHAPESIM_ASSERT(n.index < 2 * width);  // within the copy
    n.index -= width;
  }
}

void BoundExpr::mark_columns(std::vector<bool>& used, size_t offset) const {
  for (const Node& n : nodes_) {
    if (n.op != ExprOp::kColumn) continue;
    const size_t at = offset + static_cast<size_t>(n.index);
    SHAPESIM_ASSERT(at < used.size());
    used[at] = true;
  }
}

const Value* BoundExpr::ref(int i, const Tuple& row, Value& scratch) const {
  const Node& n = nodes_[i];
  if (n.op == ExprOp::kColumn) return &row[n.index];
  if (n.op == ExprOp::kLiteral) return &n.literal;
  scratch = eval_node(i, row);
  return &scratch;
}

Value BoundExpr::eval(const Tuple& row) const { return eval_node(0, row); }

bool BoundExpr::test(const Tuple& row) const {
  Value scratch;
  const Value* v = ref(0, row, scratch);
  const bool* b = v->as_bool();
  return b && *b;
}

Value BoundExpr::eval_node(int i, const Tuple& row) const {
  const Node& n = nodes_[i];
  Value sa, sb;
  switch (n.op) {
    case ExprOp::kColumn: return row[n.index];
    case ExprOp::kLiteral: return n.literal;
    case ExprOp::kEq:
    case ExprOp::kNe:
    case ExprOp::kLt:
    case ExprOp::kLe:
    case ExprOp::kGt:
    case ExprOp::kGe: {
      const Value* a = ref(n.args[0], row, sa);
      const Value* b = ref(n.args[1], row, sb);
      if (a->is_null() || b->is_null()) return Value();
      int c = compare_values(*a, *b);
      switch (n.op) {
        case ExprOp::kEq: return boolean(c == 0);
        case ExprOp::kNe: return boolean(c != 0);
        case ExprOp::kLt: return boolean(c < 0);
        case ExprOp::kLe: return boolean(c <= 0);
        case ExprOp::kGt: return boolean(c > 0);
        default: return boolean(c >= 0);
      }
    }
    case ExprOp::kAnd:
    case ExprOp::kOr: {
      // Three-valued: false AND x = false, true OR x = true, otherwise NULL wins over the rest.
      bool is_and = n.op == ExprOp::kAnd;
      const Value* a = ref(n.args[0], row, sa);
      if (a->as_bool() && *a->as_bool() != is_and) return boolean(!is_and);
      const Value* b = ref(n.args[1], row, sb);
      if (b->as_bool() && *b->as_bool() != is_and) return boolean(!is_and);
      if (a->as_bool() && b->as_bool()) return boolean(is_and);
      return Value();
    }
    case ExprOp::kNot: {
      const Value* a = ref(n.args[0], row, sa);
      return a->as_bool() ? boolean(!*a->as_bool()) : Value();
    }
    case ExprOp::kIsNull: return boolean(ref(n.args[0], row, sa)->is_null());
    case ExprOp::kIsNotNull: return boolean(!ref(n.args[0], row, sa)->is_null());
    case ExprOp::kAdd:
    case ExprOp::kSub:
    case ExprOp::kMul:
    case ExprOp::kDiv:
    case ExprOp::kMod: return arithmetic(n.op, *ref(n.args[0], row, sa), *ref(n.args[1], row, sb));
    case ExprOp::kNeg: {
      const Value* a = ref(n.args[0], row, sa);
      if (a->as_int()) return *a->as_int() == INT64_MIN ? Value() : Value(-*a->as_int());
      if (a->as_double()) return Value(-*a->as_double());
      return Value();
    }
    case ExprOp::kLower:
    case ExprOp::kUpper: {
      const Value* a = ref(n.args[0], row, sa);
      if (!a->as_string()) return a->is_null() ? Value() : Value(ascii_case(*a->to_pg_text(), n.op == ExprOp::kUpper));
      return Value(ascii_case(*a->as_string(), n.op == ExprOp::kUpper));
    }
    case ExprOp::kLength: {
      const Value* a = ref(n.args[0], row, sa);
      if (a->is_null()) return Value();
      std::string text = a->as_string() ? *a->as_string() : *a->to_pg_text();
      int64_t chars = 0;
      for (size_t p = 0; p < text.size(); p += sql::utf8_length(static_cast<unsigned char>(text[p]))) ++chars;
      return Value(chars);
    }
    case ExprOp::kConcat: {
      std::string out;
      for (int a : n.args) append_text(out, *ref(a, row, sa));
      return Value(std::move(out));
    }
    case ExprOp::kCoalesce:
      for (int a : n.args) {
        const Value* v = ref(a, row, sa);
        if (!v->is_null()) return *v;
      }
      return Value();
    case ExprOp::kLike:
    case ExprOp::kILike: {
      const Value* text = ref(n.args[0], row, sa);
      if (text->is_null()) return Value();
      std::string owned = text->as_string() ? std::string() : *text->to_pg_text();
      std::string_view t = text->as_string() ? std::string_view(*text->as_string()) : std::string_view(owned);
      if (n.like) return boolean(n.like->matches(t));
      const Value* pattern = ref(n.args[1], row, sb);
      if (pattern->is_null()) return Value();
      auto compiled = sql::LikePattern::compile(pattern->as_string() ? *pattern->as_string() : *pattern->to_pg_text(), '\\',
                                                n.op == ExprOp::kILike);
      return compiled.ok() ? boolean(compiled->matches(t)) : Value();
    }
    case ExprOp::kIn: {
      // SQL: true if any element equals; else NULL if the value or any element is NULL.
      const Value* a = ref(n.args[0], row, sa);
      if (a->is_null()) return Value();
      bool saw_null = false;
      for (size_t k = 1; k < n.args.size(); ++k) {
        const Value* e = ref(n.args[k], row, sb);
        if (e->is_null()) {
          saw_null = true;
        } else if (compare_values(*a, *e) == 0) {
          return boolean(true);
        }
      }
      return saw_null ? Value() : boolean(false);
    }
    case ExprOp::kAggregate: return Value();
  }
  return Value();
}

}  // namespace shapesim::query
