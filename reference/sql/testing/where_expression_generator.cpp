#include "reference/sql/testing/where_expression_generator.h"

#include <vector>

namespace shapesim::sql::testing {
namespace {

using G = rc::Gen<std::string>;

enum class T { kBool, kInt, kNum, kFloat, kText, kDate, kTs, kUuid, kIntArr, kTextArr };

G lit(std::vector<std::string> pool) { return rc::gen::elementOf(pool); }

G leaf(T t) {
  switch (t) {
    case T::kBool: return lit({"b", "true", "false", "NULL::bool", "(b)"});
    case T::kInt:
      return rc::gen::oneOf(lit({"i2", "i4", "i8", "id", "i4", "i2"}),
                            lit({"0", "1", "-1", "2", "3", "7", "100", "32767", "-32768", "2147483647", "-2147483648",
                                 "9223372036854775807", "NULL::int", "'5'::int2", "(-5)"}));
    case T::kNum: return rc::gen::oneOf(lit({"num", "num"}), lit({"0.5", "1.50", "-2.25", "0", "10", "1e3", "0.001", "3.14159", "'7'::numeric"}));
    case T::kFloat: return rc::gen::oneOf(lit({"f8", "f8"}), lit({"0.5::float8", "'1e300'::float8", "'NaN'::float8", "'Infinity'::float8", "2.5::float8", "(-0.0)::float8", "1.5e0::float8"}));
    case T::kText:
      return rc::gen::oneOf(lit({"t", "vc", "t"}), lit({"'a'", "'A'", "'abc'", "''", "'é'", "'a%b'", "'x_y'", "'Zz'", "'x y'", "'50%'", "NULL::text", "'aBc'::varchar"}));
    case T::kDate: return rc::gen::oneOf(lit({"d", "d"}), lit({"'2024-02-29'::date", "DATE '2000-01-01'", "'1999-12-31'::date", "'2024-03-01'"}));
    case T::kTs:
      return rc::gen::oneOf(lit({"ts", "tz"}), lit({"'2024-02-29 12:00:00'::timestamp", "'2024-02-29 14:00:00+02'::timestamptz",
                                                   "TIMESTAMP '2000-01-01 00:00:00'", "'1999-12-31 23:59:59.5'::timestamp"}));
    case T::kUuid: return rc::gen::oneOf(lit({"u", "u"}), lit({"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "'A0EEBC999C0B4EF8BB6D6BB9BD380A11'::uuid", "'{ffffffff-ffff-ffff-ffff-ffffffffffff}'::uuid"}));
    case T::kIntArr: return rc::gen::oneOf(lit({"ia", "ia"}), lit({"ARRAY[1,2,3]", "'{1,NULL,3}'::int[]", "ARRAY[42]", "'{}'::int4[]"}));
    case T::kTextArr: return rc::gen::oneOf(lit({"ta", "ta"}), lit({"ARRAY['a','b']", "'{a,\"x y\"}'::text[]", "ARRAY['abc']"}));
  }
  return lit({"NULL"});
}

G gen(T t, int depth);

G bin(G a, std::vector<std::string> ops, G b) {
  return rc::gen::apply([](std::string x, std::string op, std::string y) { return "(" + x + " " + op + " " + y + ")"; },
                        std::move(a), rc::gen::elementOf(ops), std::move(b));
}
G call(std::string f, std::vector<G> args) {
  if (args.size() == 1) return rc::gen::map(std::move(args[0]), [f](std::string a) { return f + "(" + a + ")"; });
  if (args.size() == 2) {
    return rc::gen::apply([f](std::string a, std::string b) { return f + "(" + a + ", " + b + ")"; }, std::move(args[0]), std::move(args[1]));
  }
  return rc::gen::apply([f](std::string a, std::string b, std::string c) { return f + "(" + a + ", " + b + ", " + c + ")"; },
                        std::move(args[0]), std::move(args[1]), std::move(args[2]));
}
G wrap(G a, std::string before, std::string after) {
  return rc::gen::map(std::move(a), [before, after](std::string x) { return before + x + after; });
}
G small_int() { return rc::gen::map(rc::gen::inRange(-3, 12), [](int i) { return std::to_string(i); }); }

const std::vector<T> kComparable = {T::kInt, T::kNum, T::kFloat, T::kText, T::kDate, T::kTs, T::kUuid, T::kIntArr};

G gen_bool(int depth) {
  if (depth <= 0) return leaf(T::kBool);
  int d = depth - 1;
  auto any_type = rc::gen::elementOf(kComparable);
  auto compare_same = rc::gen::mapcat(any_type, [d](T t) { return bin(gen(t, d), {"=", "<>", "<", "<=", ">", ">=", "!="}, gen(t, d)); });
  // Mixed numeric and datetime comparisons (implicit casts), and the odd type error.
  auto compare_mixed = rc::gen::oneOf(bin(gen(T::kInt, d), {"=", "<", ">="}, gen(T::kNum, d)),
                                      bin(gen(T::kInt, d), {"=", "<>", ">"}, gen(T::kFloat, d)),
                                      bin(gen(T::kNum, d), {"<", "="}, gen(T::kFloat, d)),
                                      bin(gen(T::kDate, d), {"<", "=", ">="}, gen(T::kTs, d)),
                                      bin(gen(T::kText, d), {"=", "<"}, gen(T::kInt, d)),
                                      bin(gen(T::kText, d), {"="}, lit({"'5'", "'abc'", "'2024-02-29'"})),
                                      bin(gen(T::kInt, d), {"="}, lit({"'5'", "'abc'", "' 7 '"})));
  auto is_null = rc::gen::mapcat(rc::gen::elementOf(kComparable), [d](T t) {
    return rc::gen::apply([](std::string x, std::string neg) { return "(" + x + " IS " + neg + "NULL)"; }, gen(t, d),
                          rc::gen::elementOf(std::vector<std::string>{"", "NOT "}));
  });
  auto is_bool = rc::gen::apply([](std::string x, std::string what) { return "(" + x + " IS " + what + ")"; }, gen_bool(d),
                                rc::gen::elementOf(std::vector<std::string>{"TRUE", "FALSE", "UNKNOWN", "NOT TRUE", "NOT FALSE", "NOT UNKNOWN"}));
  auto distinct = rc::gen::mapcat(rc::gen::elementOf(kComparable), [d](T t) {
    return bin(gen(t, d), {"IS DISTINCT FROM", "IS NOT DISTINCT FROM"}, gen(t, d));
  });
  auto in_list = rc::gen::mapcat(rc::gen::elementOf(std::vector<T>{T::kInt, T::kText, T::kNum, T::kDate}), [d](T t) {
    return rc::gen::apply(
        [](std::string x, std::string neg, std::vector<std::string> items) {
          std::string list;
          for (size_t i = 0; i < items.size(); ++i) list += (i ? ", " : "") + items[i];
          return "(" + x + " " + neg + "IN (" + list + "))";
        },
        gen(t, d), rc::gen::elementOf(std::vector<std::string>{"", "NOT "}),
        rc::gen::mapcat(rc::gen::inRange<size_t>(1, 5),
                        [t](size_t n) { return rc::gen::container<std::vector<std::string>>(n, leaf(t)); }));
  });
  auto between = rc::gen::mapcat(rc::gen::elementOf(std::vector<T>{T::kInt, T::kNum, T::kText, T::kDate, T::kFloat}), [d](T t) {
    return rc::gen::apply(
        [](std::string x, std::string kw, std::string a, std::string b) { return "(" + x + " " + kw + " " + a + " AND " + b + ")"; },
        gen(t, d), rc::gen::elementOf(std::vector<std::string>{"BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC"}),
        leaf(t), leaf(t));
  });
  auto like = rc::gen::apply(
      [](std::string x, std::string op, std::string p) { return "(" + x + " " + op + " " + p + ")"; }, gen(T::kText, d),
      rc::gen::elementOf(std::vector<std::string>{"LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"}),
      rc::gen::oneOf(lit({"'a%'", "'%b%'", "'_'", "'%'", "'A_c'", "'%\\%'", "'x\\_y'", "'%é'", "''", "'50%'", "'%Z%'"}), gen(T::kText, 0)));
  auto any_all = rc::gen::oneOf(
      rc::gen::apply([](std::string x, std::string op, std::string q, std::string a) { return "(" + x + " " + op + " " + q + "(" + a + "))"; },
                     gen(T::kInt, d), rc::gen::elementOf(std::vector<std::string>{"=", "<>", "<", ">"}),
                     rc::gen::elementOf(std::vector<std::string>{"ANY", "ALL", "SOME"}), gen(T::kIntArr, d)),
      rc::gen::apply([](std::string x, std::string q, std::string a) { return "(" + x + " = " + q + "(" + a + "))"; },
                     gen(T::kText, d), rc::gen::elementOf(std::vector<std::string>{"ANY", "ALL"}), gen(T::kTextArr, d)),
      rc::gen::apply([](std::string x, std::string a) { return "(" + x + " LIKE ANY(" + a + "))"; }, gen(T::kText, d),
                     lit({"ARRAY['a%', '%b']", "ta"})));
  auto array_ops = rc::gen::oneOf(bin(gen(T::kIntArr, d), {"@>", "<@", "&&"}, gen(T::kIntArr, d)),
                                  bin(gen(T::kTextArr, d), {"@>", "<@", "&&"}, gen(T::kTextArr, d)));
  auto logic = rc::gen::oneOf(bin(gen_bool(d), {"AND", "OR"}, gen_bool(d)), wrap(gen_bool(d), "(NOT ", ")"),
                              // unparenthesized forms exercise precedence
                              rc::gen::apply([](std::string a, std::string b, std::string c) { return a + " AND " + b + " OR " + c; },
                                             gen_bool(0), gen_bool(0), gen_bool(0)),
                              rc::gen::apply([](std::string a, std::string b) { return "NOT " + a + " = " + b; }, leaf(T::kInt), leaf(T::kInt)),
                              rc::gen::apply([](std::string a, std::string b, std::string c) { return a + " + " + b + " * " + c + " > 3"; },
                                             leaf(T::kInt), leaf(T::kInt), leaf(T::kInt)));
  auto funcs = rc::gen::oneOf(call("starts_with", {gen(T::kText, d), leaf(T::kText)}),
                              wrap(call("coalesce", {gen_bool(d), gen_bool(d)}), "", ""));
  return rc::gen::weightedOneOf<std::string>({{2, leaf(T::kBool)}, {6, compare_same}, {3, compare_mixed}, {2, is_null}, {1, is_bool},
                                              {2, distinct}, {2, in_list}, {2, between}, {3, like}, {2, any_all},
                                              {1, array_ops}, {4, logic}, {1, funcs}});
}

G gen(T t, int depth) {
  if (depth <= 0 || t == T::kBool) return t == T::kBool ? gen_bool(depth) : leaf(t);
  int d = depth - 1;
  switch (t) {
    case T::kInt:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {3, bin(gen(T::kInt, d), {"+", "-", "*", "/", "%"}, gen(T::kInt, d))},
           {1, wrap(gen(T::kInt, d), "-(", ")")},
           {1, call("abs", {gen(T::kInt, d)})},
           {1, call("length", {gen(T::kText, d)})},
           {1, call("strpos", {gen(T::kText, d), leaf(T::kText)})},
           {1, call("cardinality", {gen(T::kIntArr, d)})},
           {1, wrap(gen(T::kNum, d), "(", ")::int4")},
           {1, wrap(gen(T::kFloat, d), "(", ")::int8")},
           {1, call("coalesce", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, call("greatest", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, call("nullif", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, call("mod", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, rc::gen::apply([](std::string a, std::string i) { return "(" + a + ")[" + i + "]"; }, gen(T::kIntArr, d), small_int())},
           {1, wrap(gen(T::kDate, d), "(", " - DATE '2000-01-01')")}});
    case T::kNum:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {3, bin(gen(T::kNum, d), {"+", "-", "*", "/"}, gen(T::kNum, d))},
           {1, bin(gen(T::kInt, d), {"+", "*"}, gen(T::kNum, d))},
           {1, rc::gen::apply([](std::string a, std::string k) { return "round(" + a + ", " + k + ")"; }, gen(T::kNum, d), small_int())},
           {1, call("abs", {gen(T::kNum, d)})},
           {1, wrap(gen(T::kInt, d), "(", ")::numeric")},
           {1, call("floor", {gen(T::kNum, d)})}});
    case T::kFloat:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {3, bin(gen(T::kFloat, d), {"+", "-", "*", "/"}, gen(T::kFloat, d))},
           {1, wrap(gen(T::kInt, d), "(", ")::float8")},
           {1, call("abs", {gen(T::kFloat, d)})},
           {1, call("round", {gen(T::kFloat, d)})},
           {1, call("ceil", {gen(T::kFloat, d)})}});
    case T::kText:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {1, call("lower", {gen(T::kText, d)})},
           {1, call("upper", {gen(T::kText, d)})},
           {2, bin(gen(T::kText, d), {"||"}, gen(T::kText, d))},
           {1, bin(gen(T::kText, d), {"||"}, gen(T::kInt, d))},
           {1, call("concat", {gen(T::kText, d), gen(T::kInt, d)})},
           {1, call("substr", {gen(T::kText, d), small_int(), small_int()})},
           {1, call("trim", {gen(T::kText, d)})},
           {1, call("replace", {gen(T::kText, d), leaf(T::kText), leaf(T::kText)})},
           {1, call("left", {gen(T::kText, d), small_int()})},
           {1, call("reverse", {gen(T::kText, d)})},
           {1, wrap(gen(T::kInt, d), "(", ")::text")},
           {1, wrap(gen(T::kNum, d), "(", ")::text")},
           {1, wrap(gen(T::kDate, d), "(", ")::text")},
           {1, wrap(gen(T::kUuid, d), "(", ")::text")},
           {1, call("coalesce", {gen(T::kText, d), leaf(T::kText)})}});
    case T::kDate:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)}, {1, bin(gen(T::kDate, d), {"+", "-"}, small_int())}, {1, wrap(gen(T::kTs, d), "(", ")::date")}});
    case T::kTs: return rc::gen::weightedOneOf<std::string>({{4, leaf(t)}, {1, wrap(gen(T::kDate, d), "(", ")::timestamp")}});
    case T::kIntArr:
      return rc::gen::weightedOneOf<std::string>({{4, leaf(t)}, {1, bin(gen(T::kIntArr, d), {"||"}, gen(T::kIntArr, d))},
                                                  {1, bin(gen(T::kIntArr, d), {"||"}, leaf(T::kInt))}});
    default: return leaf(t);
  }
}
}  // namespace

rc::Gen<std::string> where_expression(int depth) { return gen_bool(depth); }

}  // namespace shapesim::sql::testing
