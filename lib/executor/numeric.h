// Wasm numeric semantics that C++ operators do not give directly: float
// min/max with NaN and signed zeros, and trapping/saturating truncation.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace wasmnn::num {

template <typename F> inline F fmin(F a, F b) {
  if (a != a || b != b) return a + b;  // propagates a (quieted) NaN operand
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

template <typename F> inline F fmax(F a, F b) {
  if (a != a || b != b) return a + b;
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// Rounding that quiets a signalling NaN operand (libm may return it as is).
template <typename F> inline F ceil(F x) { return x != x ? x + x : std::ceil(x); }
template <typename F> inline F floor(F x) { return x != x ? x + x : std::floor(x); }
template <typename F> inline F trunc(F x) { return x != x ? x + x : std::trunc(x); }
template <typename F> inline F nearest(F x) { return x != x ? x + x : std::nearbyint(x); }

// The range of I as exact float bounds [lo, hi): powers of two (or 0), so
// comparing a truncated float against them is exact.
template <typename I, typename F> inline constexpr F kLow = F(std::numeric_limits<I>::min());
template <typename I, typename F>
inline constexpr F kHigh = std::is_signed_v<I> ? -F(std::numeric_limits<I>::min())
                                               : F(std::numeric_limits<I>::max()) + F(1);

enum class TruncResult { Ok, Nan, Overflow };

template <typename I, typename F> inline TruncResult truncChecked(F x, I& out) {
  if (x != x) return TruncResult::Nan;
  F t = std::trunc(x);
  if (t < kLow<I, F> || t >= kHigh<I, F>) return TruncResult::Overflow;
  out = I(t);
  return TruncResult::Ok;
}

template <typename I, typename F> inline I truncSat(F x) {
  if (x != x) return 0;
  F t = std::trunc(x);
  if (t < kLow<I, F>) return std::numeric_limits<I>::min();
  if (t >= kHigh<I, F>) return std::numeric_limits<I>::max();
  return I(t);
}

}  // namespace wasmnn::num
