// SortedBlocks: an order-statistic sequence (sorted, with rank and select in O(log n)).
//
// Elements live in blocks of at most 2*kBlock pointers, kept sorted by `Less`; a Fenwick tree
// over the block sizes gives the rank of a block's first element. Insert and erase touch one
// block (a pointer shift of at most 2*kBlock) and O(log blocks) tree nodes; a block that
// grows past 2*kBlock splits (the tree is rebuilt: O(blocks), amortized over kBlock inserts).
// bulk_load() builds from sorted input in O(n). `Less` must be a strict total order over the
// elements stored (ties broken by the caller, e.g. by key), so every element has one rank.
//
//   SortedBlocks<Entry, EntryLess> s;
//   s.bulk_load(sorted_owned_entries);
//   size_t r = s.insert(std::move(e));   // its rank
//   const Entry& third = s.at(2);
//   size_t gone = s.erase(probe);        // rank it had (probe compares equal to it)
//   auto p = s.find(probe); s.at(p); s.erase(p);  // one search for a look and an erase
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

#include "reference/common/assert.h"

namespace shapesim::query {

template <class T, class Less>
class SortedBlocks {
 public:
  static constexpr size_t kBlock = 256;

  explicit SortedBlocks(Less less = Less()) : less_(std::move(less)) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Replaces the contents with `sorted` (ascending by Less, no two equal).
  void bulk_load(std::vector<std::unique_ptr<T>> sorted) {
    blocks_.clear();
    size_ = sorted.size();
    for (size_t i = 0; i < sorted.size(); i += kBlock) {
      std::vector<std::unique_ptr<T>> block;
      size_t end = std::min(sorted.size(), i + kBlock);
      block.reserve(2 * kBlock);
      for (size_t k = i; k < end; ++k) block.push_back(std::move(sorted[k]));
      blocks_.push_back(std::move(block));
    }
    rebuild_tree();
  }

  // Inserts `value` (not equal to any element present); returns its rank.
  size_t insert(std::unique_ptr<T> value) {
    if (blocks_.empty()) {
      blocks_.emplace_back();
      blocks_.back().reserve(2 * kBlock);
      rebuild_tree();
    }
    size_t b = block_for(*value);
    auto& block = blocks_[b];
    auto pos = std::lower_bound(block.begin(), block.end(), value,
                                [&](const std::unique_ptr<T>& a, const std::unique_ptr<T>& v) { return less_(*a, *v); });
    size_t in_block = static_cast<size_t>(pos - block.begin());
    block.insert(pos, std::move(value));
    ++size_;
    size_t rank = prefix(b) + in_block;
    if (block.size() > 2 * kBlock) {
      split(b);
    } else {
      tree_add(b, 1);
    }
    return rank;
  }

  static constexpr size_t npos = static_cast<size_t>(-1);

  // Where an element is: its rank, and its block and place in the block.
  struct Position {
    size_t rank = npos;
    size_t block = 0, in_block = 0;
    bool found() const { return rank != npos; }
  };

  // The position of the element equal to `probe` (rank npos if absent): one search.
  Position find(const T& probe) const {
    if (blocks_.empty()) return {};
    size_t b = block_for(probe);
    const auto& block = blocks_[b];
    auto pos = std::lower_bound(block.begin(), block.end(), probe,
                                [&](const std::unique_ptr<T>& a, const T& v) { return less_(*a, v); });
    if (pos == block.end() || less_(probe, **pos)) return {};
    const size_t in_block = static_cast<size_t>(pos - block.begin());
    return {prefix(b) + in_block, b, in_block};
  }

  const T& at(const Position& p) const {
    SHAPESIM_ASSERT(p.found() && p.block < blocks_.size() && p.in_block < blocks_[p.block].size());
    return *blocks_[p.block][p.in_block];
  }

  // Removes the element at `p` (from find(), with no change in between).
  void erase(const Position& p) {
    SHAPESIM_ASSERT(p.found() && p.block < blocks_.size() && p.in_block < blocks_[p.block].size());
    auto& block = blocks_[p.block];
    block.erase(block.begin() + static_cast<std::ptrdiff_t>(p.in_block));
    --size_;
    if (block.empty() && blocks_.size() > 1) {
      blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(p.block));
      rebuild_tree();
    } else {
      tree_add(p.block, -1);
    }
  }

  // Removes the element equal to `probe`; returns the rank it had, or npos if absent.
  size_t erase(const T& probe) {
    Position p = find(probe);
    if (p.found()) erase(p);
    return p.rank;
  }

  // The rank of the element equal to `probe`, or npos.
  size_t rank_of(const T& probe) const { return find(probe).rank; }

  // The element at `rank` (< size()).
  const T& at(size_t rank) const {
    SHAPESIM_ASSERT(rank < size_);
    // Fenwick descent: the block holding the rank-th element.
    size_t b = 0, remaining = rank;
    for (size_t step = top_bit_; step; step >>= 1) {
      size_t next = b + step;
      if (next <= tree_.size() && static_cast<size_t>(tree_[next - 1]) <= remaining) {
        b = next;
        remaining -= static_cast<size_t>(tree_[next - 1]);
      }
    }
    return *blocks_[b][remaining];
  }

  // Calls fn(element) for ranks [from, to) in order.
  template <class Fn>
  void for_range(size_t from, size_t to, Fn&& fn) const {
    to = std::min(to, size_);
    if (from >= to) return;
    size_t b = 0, skipped = 0;
    while (b < blocks_.size() && skipped + blocks_[b].size() <= from) skipped += blocks_[b++].size();
    size_t i = from - skipped, left = to - from;
    for (; b < blocks_.size() && left; ++b, i = 0) {
      for (; i < blocks_[b].size() && left; ++i, --left) fn(*blocks_[b][i]);
    }
  }

 private:
  // The block whose range holds `v`: the first whose last element is not less than v
  // (the last block if v is beyond every element).
  size_t block_for(const T& v) const {
    size_t lo = 0, hi = blocks_.size() - 1;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (blocks_[mid].empty() || less_(*blocks_[mid].back(), v)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  void split(size_t b) {
    auto& block = blocks_[b];
    std::vector<std::unique_ptr<T>> upper;
    upper.reserve(2 * kBlock);
    size_t half = block.size() / 2;
    for (size_t k = half; k < block.size(); ++k) upper.push_back(std::move(block[k]));
    block.resize(half);
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
    rebuild_tree();
  }

  // Fenwick tree over block sizes: tree_[i-1] sums blocks (i - lowbit(i), i] (1-based i).
  void rebuild_tree() {
    tree_.assign(blocks_.size(), 0);
    for (size_t i = 1; i <= blocks_.size(); ++i) {
      tree_[i - 1] += static_cast<int64_t>(blocks_[i - 1].size());
      size_t parent = i + (i & (~i + 1));
      if (parent <= blocks_.size()) tree_[parent - 1] += tree_[i - 1];
    }
    top_bit_ = 0;
    if (!tree_.empty()) {
      top_bit_ = 1;
      while (top_bit_ * 2 <= tree_.size()) top_bit_ *= 2;
    }
  }

  void tree_add(size_t b, int64_t delta) {
    for (size_t i = b + 1; i <= tree_.size(); i += i & (~i + 1)) tree_[i - 1] += delta;
  }

  // Elements in blocks [0, b).
  size_t prefix(size_t b) const {
    int64_t sum = 0;
    for (size_t i = b; i > 0; i -= i & (~i + 1)) sum += tree_[i - 1];
    return static_cast<size_t>(sum);
  }

  Less less_;
  std::vector<std::vector<std::unique_ptr<T>>> blocks_;
  std::vector<int64_t> tree_;  // Fenwick tree over block sizes (1-based positions stored at i-1)
  size_t top_bit_ = 0;
  size_t size_ = 0;
};

}  // namespace shapesim::query
