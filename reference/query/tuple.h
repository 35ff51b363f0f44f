// Tuples and multiset changes: the data that flows through live queries.
//
// A Tuple is a row's values in column order (or a key's parts). Values order totally
// (compare_values): NULL < booleans < numbers (int64 and double compared numerically) <
// strings (bytewise); ORDER BY places NULLs itself. A Change is one element of a multiset
// delta: a keyed row with a multiplicity change (+1 inserted, -1 retracted; an update is a
// retraction of the old row and an insertion of the new one).
#pragma once

#include <cstdint>
#include <vector>

#include "reference/common/value.h"

namespace shapesim::query {

using Tuple = std::vector<Value>;

// <0, 0, >0. Total order over every value (NaN above every other double, equal to itself).
int compare_values(const Value& a, const Value& b);
// Lexicographic by compare_values; a shorter prefix first.
int compare_tuples(const Tuple& a, const Tuple& b);
// SQL equality as used by joins and grouping: NULL never equals anything here (callers
// decide); 1 and 1.0 are equal and hash alike.
size_t hash_value(const Value& v);
size_t hash_tuple(const Tuple& t);

struct ValueLess {
  bool operator()(const Value& a, const Value& b) const { return compare_values(a, b) < 0; }
};
struct TupleLess {
  bool operator()(const Tuple& a, const Tuple& b) const { return compare_tuples(a, b) < 0; }
};
struct ValueHash {
  size_t operator()(const Value& v) const { return hash_value(v); }
};
struct ValueEq {
  bool operator()(const Value& a, const Value& b) const { return compare_values(a, b) == 0; }
};
struct TupleHash {
  size_t operator()(const Tuple& t) const { return hash_tuple(t); }
};
struct TupleEq {
  bool operator()(const Tuple& a, const Tuple& b) const { return compare_tuples(a, b) == 0; }
};

struct Change {
  Tuple key;
  Tuple values;
  int64_t diff = 0;
};
using ChangeBatch = std::vector<Change>;

// A tuple in text form for messages and tests: (1, 'a', NULL).
std::string tuple_to_string(const Tuple& t);

}  // namespace shapesim::query
