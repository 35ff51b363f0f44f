// Source: what a live query reads from, a collection or another live query. Its rows are
// keyed (a key is unique among the source's rows) and its columns are named.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "reference/query/tuple.h"

namespace shapesim::query {

class Source {
 public:
  virtual ~Source() = default;
  virtual const std::string& name() const = 0;
  // Column names in row order.
  virtual const std::vector<std::string>& columns() const = 0;
  // Every current row, in an unspecified order. The references stay valid until the source
  // next changes (evaluate() keeps them while it sorts).
  virtual void for_each_row(const std::function<void(const Tuple& key, const Tuple& values)>& fn) const = 0;
  virtual size_t row_count() const = 0;
  // Parts in every key.
  virtual size_t key_width() const = 0;
  // A number fixed at creation; sources are processed in this order within a transaction, so
  // a live query always runs after the sources it reads.
  virtual uint64_t sequence() const = 0;
};

}  // namespace shapesim::query
