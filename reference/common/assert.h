// SHAPESIM_ASSERT: an invariant check that stays on in every build (Release, simulation,
// fuzzing). A failed assertion prints the condition and its place and aborts: a broken
// invariant is a bug in the core, never a reaction to input (input errors are Status values).
#pragma once

namespace shapesim {
[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);
}  // namespace shapesim

#define SHAPESIM_ASSERT(condition) \
  ((condition) ? static_cast<void>(0) : ::shapesim::assertion_failed(#condition, __FILE__, __LINE__))
