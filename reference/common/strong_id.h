// StrongId<Tag, Rep>: a typed wrapper so an Xid can't be passed where an Lsn is expected.
//
//   struct XidTag {};
//   using Xid = StrongId<XidTag, uint64_t>;
//   Xid x{42}; x.value == 42; Xid{1} < Xid{2};
#pragma once

#include <compare>
#include <functional>

namespace shapesim {

template <class Tag, class Rep>
struct StrongId {
  Rep value{};

  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : value(std::move(v)) {}
  friend constexpr auto operator<=>(const StrongId&, const StrongId&) = default;
  friend constexpr bool operator==(const StrongId&, const StrongId&) = default;
};

}  // namespace shapesim

template <class Tag, class Rep>
struct std::hash<shapesim::StrongId<Tag, Rep>> {
  size_t operator()(const shapesim::StrongId<Tag, Rep>& id) const { return std::hash<Rep>{}(id.value); }
};
