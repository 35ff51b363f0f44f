#include "reference/query/join_operator.h"

namespace shapesim::query {

JoinOperator::JoinOperator(const PlannedJoin& join, size_t left_width, size_t left_key_width, size_t right_width,
                           size_t right_key_width)
    : join_(join),
      left_width_(left_width),
      left_key_width_(left_key_width),
      right_width_(right_width),
      right_key_width_(right_key_width),
      left_preserved_(join.kind == JoinKind::kLeft || join.kind == JoinKind::kFull),
      right_preserved_(join.kind == JoinKind::kRight || join.kind == JoinKind::kFull) {}

void JoinOperator::apply(const ChangeBatch& left, const ChangeBatch& right, ChangeBatch& out) {
  for (const Change& c : left) apply_side(c, true, out);
  for (const Change& c : right) apply_side(c, false, out);
}

void JoinOperator::emit(const Tuple* lk, const Tuple* lv, const Tuple* rk, const Tuple* rv, int64_t diff,
                        ChangeBatch& out) const {
  Change& c = out.emplace_back();
  c.diff = diff;
  c.key.reserve(left_key_width_ + right_key_width_);
  c.values.reserve(left_width_ + right_width_);
  if (lk) {
    c.key.insert(c.key.end(), lk->begin(), lk->end());
    c.values.insert(c.values.end(), lv->begin(), lv->end());
  } else {
    c.key.resize(left_key_width_);
    c.values.resize(left_width_);
  }
  if (rk) {
    c.key.insert(c.key.end(), rk->begin(), rk->end());
    c.values.insert(c.values.end(), rv->begin(), rv->end());
  } else {
    c.key.resize(left_key_width_ + right_key_width_);
    c.values.resize(left_width_ + right_width_);
  }
}

void JoinOperator::apply_side(const Change& c, bool is_left, ChangeBatch& out) {
  const BoundExpr& key_expr = is_left ? join_.left_key : join_.right_key;
  const bool mine_preserved = is_left ? left_preserved_ : right_preserved_;
  const bool other_preserved = is_left ? right_preserved_ : left_preserved_;
  Index& mine = is_left ? left_ : right_;
  Index& other = is_left ? right_ : left_;
  // Joined output in left-then-right order, with `c` on its side and `e` (or NULLs) on the other.
  auto emit_with = [&](const Entry* e, int64_t diff) {
    if (is_left) {
      emit(&c.key, &c.values, e ? &e->key : nullptr, e ? &e->values : nullptr, diff, out);
    } else {
      emit(e ? &e->key : nullptr, e ? &e->values : nullptr, &c.key, &c.values, diff, out);
    }
  };
  auto emit_other_padded = [&](const Entry& e, int64_t diff) {
    if (is_left) {
      emit(nullptr, nullptr, &e.key, &e.values, diff, out);
    } else {
      emit(&e.key, &e.values, nullptr, nullptr, diff, out);
    }
  };

  Value jk = key_expr.eval(c.values);
  if (jk.is_null()) {  // never matches; kept only as a padded row of a preserved side
    if (mine_preserved) emit_with(nullptr, c.diff);
    return;
  }
  auto partners = other.find(jk);
  bool has_partners = partners != other.end() && partners->second.total > 0;
  if (has_partners) {
    for (const Entry& e : partners->second.entries) emit_with(&e, c.diff * e.count);
  } else if (mine_preserved) {
    emit_with(nullptr, c.diff);
  }

  Bucket& bucket = mine[jk];
  int64_t before = bucket.total;
  bucket.total += c.diff;
  if (has_partners && other_preserved) {
    // The partners were padded while this key had no rows on my side, and are again after.
    if (before == 0 && bucket.total > 0) {
      for (const Entry& e : partners->second.entries) emit_other_padded(e, -e.count);
    } else if (before > 0 && bucket.total == 0) {
      for (const Entry& e : partners->second.entries) emit_other_padded(e, e.count);
    }
  }
  auto& entries = bucket.entries;
  const size_t key_hash = hash_tuple(c.key);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].key_hash == key_hash && compare_tuples(entries[i].key, c.key) == 0 &&
        compare_tuples(entries[i].values, c.values) == 0) {
      entries[i].count += c.diff;
      if (entries[i].count == 0) {
        entries[i] = std::move(entries.back());
        entries.pop_back();
      }
      if (bucket.total == 0 && entries.empty()) mine.erase(jk);
      return;
    }
  }
  entries.push_back({key_hash, c.key, c.values, c.diff});
}

}  // namespace shapesim::query
