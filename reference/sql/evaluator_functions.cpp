// The evaluator's functions: coalesce, greatest/least, concat, nullif, the text functions
// (PostgreSQL counts characters, not bytes), rounding and the array functions.
#include <algorithm>
#include <cmath>

#include "reference/sql/evaluator_support.h"
#include "reference/sql/utf8.h"

namespace shapesim::sql::eval_detail {

std::vector<std::string_view> chars_of(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}
std::string join(const std::vector<std::string_view>& cs, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < cs.size(); ++i) out += cs[i];
  return out;
}

namespace {

std::string trim_chars(const std::string& s, const std::string& set, bool left, bool right) {
  auto cs = chars_of(s);
  auto drop = chars_of(set);
  auto in_set = [&](std::string_view c) { return std::find(drop.begin(), drop.end(), c) != drop.end(); };
  size_t b = 0, e = cs.size();
  if (left) {
    while (b < e && in_set(cs[b])) ++b;
  }
  if (right) {
    while (e > b && in_set(cs[e - 1])) --e;
  }
  return join(cs, b, e);
}

}  // namespace

R eval_func(const BoundExpr& e, const std::vector<SqlValue>& row, EvalBudget& budget) {
  const auto id = static_cast<FuncId>(e.op);
  // Functions that look at their arguments lazily or ignore NULLs.
  if (id == FuncId::kCoalesce) {
    for (const auto& a : e.args) {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate_in(a, row, budget));
      if (!v.is_null()) return v;
    }
    return kNull;
  }
  std::vector<SqlValue> v;
  v.reserve(e.args.size());
  for (const auto& a : e.args) {
    SHAPESIM_ASSIGN_OR_RETURN(SqlValue x, evaluate_in(a, row, budget));
    v.push_back(std::move(x));
  }
  switch (id) {
    case FuncId::kGreatest:
    case FuncId::kLeast: {
      const SqlValue* best = nullptr;
      for (const auto& x : v) {
        if (x.is_null()) continue;
        if (!best) {
          best = &x;
          continue;
        }
        int c = compare_values(x, *best, e.type);
        if ((id == FuncId::kGreatest && c > 0) || (id == FuncId::kLeast && c < 0)) best = &x;
      }
      return best ? *best : kNull;
    }
    case FuncId::kConcat:
    case FuncId::kConcatWs: {
      size_t first = id == FuncId::kConcatWs ? 1 : 0;
      if (id == FuncId::kConcatWs && v[0].is_null()) return kNull;
      std::vector<std::string> parts;
      size_t bytes = 0;
      for (size_t i = first; i < v.size(); ++i) {
        if (v[i].is_null()) continue;
        parts.push_back(output_text(v[i], e.args[i].type));
        bytes += parts.back().size() + (id == FuncId::kConcatWs ? str(v[0]).size() : 0);
      }
      SHAPESIM_RETURN_IF_ERROR(budget.charge(bytes, id == FuncId::kConcat ? "concat()" : "concat_ws()"));
      std::string out;
      for (size_t i = 0; i < parts.size(); ++i) {
        if (id == FuncId::kConcatWs && i > 0) out += str(v[0]);
        out += parts[i];
      }
      return SqlValue{out};
    }
    case FuncId::kNullif: {
      if (v[0].is_null()) return kNull;
      if (v[1].is_null()) return v[0];
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, cast_value(v[0], e.args[0].type, e.operand_type));
      if (compare_values(a, v[1], e.operand_type) == 0) return kNull;
      return v[0];
    }
    default: break;
  }
  for (const auto& x : v) {
    if (x.is_null()) return kNull;  // every remaining function is strict
  }
  switch (id) {
    case FuncId::kLower:
    case FuncId::kUpper: {
      std::string s = str(v[0]);
      for (auto& c : s) {
        if (id == FuncId::kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (id == FuncId::kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      return SqlValue{s};
    }
    case FuncId::kLength: return SqlValue{static_cast<int64_t>(chars_of(str(v[0])).size())};
    case FuncId::kReverse: {
      auto cs = chars_of(str(v[0]));
      std::reverse(cs.begin(), cs.end());
      return SqlValue{join(cs, 0, cs.size())};
    }
    case FuncId::kTrim:
    case FuncId::kLtrim:
    case FuncId::kRtrim: {
      std::string set = v.size() > 1 ? str(v[1]) : std::string(" ");
      return SqlValue{trim_chars(str(v[0]), set, id != FuncId::kRtrim, id != FuncId::kLtrim)};
    }
    case FuncId::kStartsWith: return boolean(str(v[0]).rfind(str(v[1]), 0) == 0);
    case FuncId::kStrpos: {
      size_t at = str(v[0]).find(str(v[1]));
      if (at == std::string::npos) return SqlValue{int64_t{0}};
      return SqlValue{static_cast<int64_t>(chars_of(std::string_view(str(v[0])).substr(0, at)).size() + 1)};
    }
    case FuncId::kReplace: {
      const std::string& from = str(v[1]);
      if (from.empty()) return v[0];
      const std::string& s = str(v[0]);
      const std::string& to = str(v[2]);
      // Size the result before building it: it is charged to the evaluation's budget.
      size_t matches = 0;
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + from.size())) ++matches;
      if (matches == 0) return v[0];
      size_t removed = matches * from.size();
      size_t added = to.size() > EvalBudget::kBytes / matches ? EvalBudget::kBytes + 1 : matches * to.size();
      SHAPESIM_RETURN_IF_ERROR(budget.charge(s.size() - removed + added, "replace()"));
      std::string out;
      out.reserve(s.size() - removed + added);
      size_t pos = 0;
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, pos)) {
        out.append(s, pos, at - pos);
        out += to;
        pos = at + from.size();
      }
      out.append(s, pos);
      return SqlValue{std::move(out)};
    }
    case FuncId::kLeft:
    case FuncId::kRight: {
      auto cs = chars_of(str(v[0]));
      int64_t n = std::get<int64_t>(v[1].v), len = static_cast<int64_t>(cs.size());
      int64_t keep = n >= 0 ? std::min(n, len) : std::max<int64_t>(0, len + n);
      if (id == FuncId::kLeft) return SqlValue{join(cs, 0, static_cast<size_t>(keep))};
      return SqlValue{join(cs, static_cast<size_t>(len - keep), cs.size())};
    }
    case FuncId::kSubstr: {
      auto cs = chars_of(str(v[0]));
      int64_t start = std::get<int64_t>(v[1].v);
      int64_t end = static_cast<int64_t>(cs.size()) + 1;
      if (v.size() > 2) {
        int64_t count = std::get<int64_t>(v[2].v);
        if (count < 0) return invalid_argument("negative substring length not allowed");
        end = start + count;
      }
      int64_t b = std::max<int64_t>(start, 1), en = std::min<int64_t>(end, static_cast<int64_t>(cs.size()) + 1);
      if (en <= b) return SqlValue{std::string()};
      return SqlValue{join(cs, static_cast<size_t>(b - 1), static_cast<size_t>(en - 1))};
    }
    case FuncId::kAbs: {
      if (is_integer(e.type.id)) {
        int64_t x = std::get<int64_t>(v[0].v);
        int64_t r = 0;
        bool overflow = x < 0 ? __builtin_sub_overflow(int64_t{0}, x, &r) : (r = x, false);
        return int_result(r, overflow, e.type.id);
      }
      if (e.type.id == TypeId::kNumeric) {
        const Decimal& d = std::get<Decimal>(v[0].v);
        return SqlValue{d.sign() < 0 ? d.negate() : d};
      }
      return SqlValue{std::fabs(std::get<double>(v[0].v))};
    }
    case FuncId::kRound:
    case FuncId::kFloor:
    case FuncId::kCeil: {
      if (e.type.id == TypeId::kFloat8) {
        double d = std::get<double>(v[0].v);
        return SqlValue{id == FuncId::kRound ? std::nearbyint(d) : id == FuncId::kFloor ? std::floor(d) : std::ceil(d)};
      }
      const Decimal& d = std::get<Decimal>(v[0].v);
      if (id == FuncId::kRound) {
        int64_t scale = v.size() > 1 ? std::get<int64_t>(v[1].v) : 0;
        scale = std::clamp<int64_t>(scale, -38, 38);
        return SqlValue{d.round_to_scale(static_cast<int32_t>(scale))};
      }
      Decimal truncated = d.round_to_scale(0);
      // round_to_scale rounds half away; adjust to floor/ceil.
      int c = Decimal::compare(truncated, d);
      if (id == FuncId::kFloor && c > 0) truncated = *Decimal::sub(truncated, Decimal::from_int(1));
      if (id == FuncId::kCeil && c < 0) truncated = *Decimal::add(truncated, Decimal::from_int(1));
      return SqlValue{truncated};
    }
    case FuncId::kMod: return arith(ArithOp::kMod, v[0], v[1], e.type);
    case FuncId::kCardinality: return SqlValue{static_cast<int64_t>(std::get<Array>(v[0].v)->size())};
    case FuncId::kArrayLength: {
      const auto& items = *std::get<Array>(v[0].v);
      if (std::get<int64_t>(v[1].v) != 1 || items.empty()) return kNull;
      return SqlValue{static_cast<int64_t>(items.size())};
    }
    default: break;
  }
  return internal_error("unsupported function");
}

}  // namespace shapesim::sql::eval_detail
