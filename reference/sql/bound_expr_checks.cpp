// assert_well_formed(): the shape of a checked expression tree, as the evaluator reads it;
// columns_read(): the columns it depends on.
#include "reference/common/assert.h"
#include "reference/sql/bound_expr.h"

namespace shapesim::sql {

namespace {

bool is_predicate(BoundKind k) {
  switch (k) {
    case BoundKind::kNot:
    case BoundKind::kAnd:
    case BoundKind::kOr:
    case BoundKind::kIsNull:
    case BoundKind::kIsBool:
    case BoundKind::kCompare:
    case BoundKind::kDistinct:
    case BoundKind::kLike:
    case BoundKind::kIn:
    case BoundKind::kAnyAll: return true;
    default: return false;
  }
}

}  // namespace

void assert_well_formed(const BoundExpr& e, size_t columns) {
  const size_t n = e.args.size();
  switch (e.kind) {
    case BoundKind::kConst: SHAPESIM_ASSERT(n == 0); break;
    case BoundKind::kColumn:
      SHAPESIM_ASSERT(n == 0);
      SHAPESIM_ASSERT(e.column >= 0 && static_cast<size_t>(e.column) < columns);
      break;
    case BoundKind::kCast:
    case BoundKind::kNot:
    case BoundKind::kIsNull:
    case BoundKind::kNegate: SHAPESIM_ASSERT(n == 1); break;
    case BoundKind::kIsBool:
      SHAPESIM_ASSERT(n == 1);
      SHAPESIM_ASSERT(e.op >= 0 && e.op <= static_cast<int>(IsBoolKind::kUnknown));
      break;
    case BoundKind::kAnd:
    case BoundKind::kOr: SHAPESIM_ASSERT(n >= 1); break;
    case BoundKind::kCompare:
      SHAPESIM_ASSERT(n == 2);
      SHAPESIM_ASSERT(e.op >= 0 && e.op <= static_cast<int>(CompareOp::kGe));
      break;
    case BoundKind::kAnyAll:
      SHAPESIM_ASSERT(n == 2);
      SHAPESIM_ASSERT((e.op >= 0 && e.op <= static_cast<int>(CompareOp::kGe)) || e.op == kAnyAllLike || e.op == kAnyAllIlike);
      break;
    case BoundKind::kDistinct:
    case BoundKind::kConcat:
    case BoundKind::kSubscript: SHAPESIM_ASSERT(n == 2); break;
    case BoundKind::kArith:
      SHAPESIM_ASSERT(n == 2);
      SHAPESIM_ASSERT(e.op >= 0 && e.op <= static_cast<int>(ArithOp::kDateDiff));
      break;
    case BoundKind::kArrayOp:
      SHAPESIM_ASSERT(n == 2);
      SHAPESIM_ASSERT(e.op >= 0 && e.op <= static_cast<int>(ArrayOp::kConcat));
      break;
    case BoundKind::kLike: SHAPESIM_ASSERT(n == 2 || n == 3); break;
    case BoundKind::kIn: SHAPESIM_ASSERT(n >= 2); break;
    case BoundKind::kFunc: SHAPESIM_ASSERT(e.op >= 0 && e.op <= static_cast<int>(FuncId::kArrayLength)); break;
    case BoundKind::kArray: break;
  }
  if (is_predicate(e.kind)) SHAPESIM_ASSERT(e.type == SqlType{TypeId::kBool});
  for (const auto& a : e.args) assert_well_formed(a, columns);
}

std::set<int> columns_read(const BoundExpr& e) {
  std::set<int> out;
  std::vector<const BoundExpr*> pending{&e};
  while (!pending.empty()) {
    const BoundExpr* n = pending.back();
    pending.pop_back();
    if (n->kind == BoundKind::kColumn) out.insert(n->column);
    for (const auto& a : n->args) pending.push_back(&a);
  }
  return out;
}

}  // namespace shapesim::sql
