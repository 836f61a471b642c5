// SIMD semantics, lane by lane in portable scalar code. Speed is not the aim
// here: every lane follows the spec's definition exactly (saturation, NaN
// rules of min/max/pmin/pmax, truncation, shifts modulo the lane width).
#include "simd.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "numeric.h"

namespace wasmnn {
namespace {

struct V {
  uint8_t b[16] = {};
  template <class T> T get(unsigned i) const {
    T v;
    std::memcpy(&v, b + i * sizeof(T), sizeof(T));
    return v;
  }
  template <class T> void set(unsigned i, T v) { std::memcpy(b + i * sizeof(T), &v, sizeof(T)); }
};

V loadV(const uint64_t* fp, uint32_t slot) {
  V v;
  std::memcpy(v.b, fp + slot, 16);
  return v;
}
void storeV(uint64_t* fp, uint32_t slot, const V& v) { std::memcpy(fp + slot, v.b, 16); }

template <class T> constexpr unsigned lanesOf() { return 16 / sizeof(T); }

template <class T, class F> V map1(const V& a, F f) {
  V r;
  for (unsigned i = 0; i < lanesOf<T>(); ++i) r.set<T>(i, T(f(a.get<T>(i))));
  return r;
}
template <class T, class F> V map2(const V& a, const V& b, F f) {
  V r;
  for (unsigned i = 0; i < lanesOf<T>(); ++i) r.set<T>(i, T(f(a.get<T>(i), b.get<T>(i))));
  return r;
}
// Comparisons give all ones or all zeros per lane, in the lane's integer width.
template <class T, class F> V cmp(const V& a, const V& b, F f) {
  using U = std::conditional_t<
      sizeof(T) == 1, uint8_t,
      std::conditional_t<sizeof(T) == 2, uint16_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
  V r;
  for (unsigned i = 0; i < lanesOf<T>(); ++i) r.set<U>(i, f(a.get<T>(i), b.get<T>(i)) ? U(~U(0)) : U(0));
  return r;
}
template <class T> V splat(T x) {
  V r;
  for (unsigned i = 0; i < lanesOf<T>(); ++i) r.set<T>(i, x);
  return r;
}
template <class T> T sat(int64_t x) {
  constexpr int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  return T(x < lo ? lo : x > hi ? hi : x);
}
// Narrow: the lanes of a then of b, each saturated into the half-width type N.
template <class W, class N> V narrow(const V& a, const V& b) {
  V r;
  constexpr unsigned n = lanesOf<W>();
  for (unsigned i = 0; i < n; ++i) r.set<N>(i, sat<N>(a.get<W>(i)));
  for (unsigned i = 0; i < n; ++i) r.set<N>(n + i, sat<N>(b.get<W>(i)));
  return r;
}
// Extend the low or high half of lanes of type N into type W.
template <class N, class W> V extend(const V& a, bool high) {
  V r;
  constexpr unsigned n = lanesOf<W>();
  for (unsigned i = 0; i < n; ++i) r.set<W>(i, W(a.get<N>(i + (high ? n : 0))));
  return r;
}
template <class N, class W> V extmul(const V& a, const V& b, bool high) {
  V r;
  constexpr unsigned n = lanesOf<W>();
  for (unsigned i = 0; i < n; ++i) {
    unsigned k = i + (high ? n : 0);
    r.set<W>(i, W(W(a.get<N>(k)) * W(b.get<N>(k))));
  }
  return r;
}
template <class N, class W> V extaddPairwise(const V& a) {
  V r;
  for (unsigned i = 0; i < lanesOf<W>(); ++i) r.set<W>(i, W(W(a.get<N>(2 * i)) + W(a.get<N>(2 * i + 1))));
  return r;
}
template <class T> uint32_t bitmask(const V& a) {
  using S = std::make_signed_t<T>;
  uint32_t m = 0;
  for (unsigned i = 0; i < lanesOf<T>(); ++i)
    if (S(a.get<T>(i)) < 0) m |= 1u << i;
  return m;
}
template <class T> uint32_t allTrue(const V& a) {
  for (unsigned i = 0; i < lanesOf<T>(); ++i)
    if (a.get<T>(i) == 0) return 0;
  return 1;
}
template <class T, class F> V shift(const V& a, uint32_t n, F f) {
  const unsigned count = n & (sizeof(T) * 8 - 1);
  return map1<T>(a, [&](T x) { return f(x, count); });
}
template <class F> F pmin(F a, F b) { return b < a ? b : a; }
template <class F> F pmax(F a, F b) { return a < b ? b : a; }
// Lane-wise abs and neg wrap (abs of the minimum stays the minimum).
template <class T> T wrapNeg(T x) {
  using U = std::make_unsigned_t<T>;
  return T(U(0) - U(x));
}
template <class T> T wrapAbs(T x) { return x < 0 ? wrapNeg(x) : x; }
template <class T> T avgr(T a, T b) { return T((uint32_t(a) + uint32_t(b) + 1) / 2); }
float fabsBits(float x) { return std::bit_cast<float>(std::bit_cast<uint32_t>(x) & 0x7fffffffu); }
float fnegBits(float x) { return std::bit_cast<float>(std::bit_cast<uint32_t>(x) ^ 0x80000000u); }
double fabsBits(double x) { return std::bit_cast<double>(std::bit_cast<uint64_t>(x) & 0x7fffffffffffffffull); }
double fnegBits(double x) { return std::bit_cast<double>(std::bit_cast<uint64_t>(x) ^ 0x8000000000000000ull); }

V unary(Op op, const V& a) {
  switch (op) {
    case Op::V128Not: return map1<uint64_t>(a, [](uint64_t x) { return ~x; });
    case Op::I8x16Abs: return map1<int8_t>(a, wrapAbs<int8_t>);
    case Op::I8x16Neg: return map1<int8_t>(a, wrapNeg<int8_t>);
    case Op::I8x16Popcnt: return map1<uint8_t>(a, [](uint8_t x) { return std::popcount(x); });
    case Op::I16x8Abs: return map1<int16_t>(a, wrapAbs<int16_t>);
    case Op::I16x8Neg: return map1<int16_t>(a, wrapNeg<int16_t>);
    case Op::I32x4Abs: return map1<int32_t>(a, wrapAbs<int32_t>);
    case Op::I32x4Neg: return map1<int32_t>(a, wrapNeg<int32_t>);
    case Op::I64x2Abs: return map1<int64_t>(a, wrapAbs<int64_t>);
    case Op::I64x2Neg: return map1<int64_t>(a, wrapNeg<int64_t>);
    case Op::F32x4Abs: return map1<float>(a, [](float x) { return fabsBits(x); });
    case Op::F32x4Neg: return map1<float>(a, [](float x) { return fnegBits(x); });
    case Op::F32x4Sqrt: return map1<float>(a, [](float x) { return std::sqrt(x); });
    case Op::F32x4Ceil: return map1<float>(a, num::ceil<float>);
    case Op::F32x4Floor: return map1<float>(a, num::floor<float>);
    case Op::F32x4Trunc: return map1<float>(a, num::trunc<float>);
    case Op::F32x4Nearest: return map1<float>(a, num::nearest<float>);
    case Op::F64x2Abs: return map1<double>(a, [](double x) { return fabsBits(x); });
    case Op::F64x2Neg: return map1<double>(a, [](double x) { return fnegBits(x); });
    case Op::F64x2Sqrt: return map1<double>(a, [](double x) { return std::sqrt(x); });
    case Op::F64x2Ceil: return map1<double>(a, num::ceil<double>);
    case Op::F64x2Floor: return map1<double>(a, num::floor<double>);
    case Op::F64x2Trunc: return map1<double>(a, num::trunc<double>);
    case Op::F64x2Nearest: return map1<double>(a, num::nearest<double>);
    case Op::I16x8ExtaddPairwiseI8x16S: return extaddPairwise<int8_t, int16_t>(a);
    case Op::I16x8ExtaddPairwiseI8x16U: return extaddPairwise<uint8_t, uint16_t>(a);
    case Op::I32x4ExtaddPairwiseI16x8S: return extaddPairwise<int16_t, int32_t>(a);
    case Op::I32x4ExtaddPairwiseI16x8U: return extaddPairwise<uint16_t, uint32_t>(a);
    case Op::I16x8ExtendLowI8x16S: return extend<int8_t, int16_t>(a, false);
    case Op::I16x8ExtendHighI8x16S: return extend<int8_t, int16_t>(a, true);
    case Op::I16x8ExtendLowI8x16U: return extend<uint8_t, uint16_t>(a, false);
    case Op::I16x8ExtendHighI8x16U: return extend<uint8_t, uint16_t>(a, true);
    case Op::I32x4ExtendLowI16x8S: return extend<int16_t, int32_t>(a, false);
    case Op::I32x4ExtendHighI16x8S: return extend<int16_t, int32_t>(a, true);
    case Op::I32x4ExtendLowI16x8U: return extend<uint16_t, uint32_t>(a, false);
    case Op::I32x4ExtendHighI16x8U: return extend<uint16_t, uint32_t>(a, true);
    case Op::I64x2ExtendLowI32x4S: return extend<int32_t, int64_t>(a, false);
    case Op::I64x2ExtendHighI32x4S: return extend<int32_t, int64_t>(a, true);
    case Op::I64x2ExtendLowI32x4U: return extend<uint32_t, uint64_t>(a, false);
    case Op::I64x2ExtendHighI32x4U: return extend<uint32_t, uint64_t>(a, true);
    case Op::I32x4TruncSatF32x4S: {
      V r;
      for (unsigned i = 0; i < 4; ++i) r.set<int32_t>(i, num::truncSat<int32_t>(a.get<float>(i)));
      return r;
    }
    case Op::I32x4TruncSatF32x4U: {
      V r;
      for (unsigned i = 0; i < 4; ++i) r.set<uint32_t>(i, num::truncSat<uint32_t>(a.get<float>(i)));
      return r;
    }
    case Op::I32x4TruncSatF64x2SZero: {
      V r;
      for (unsigned i = 0; i < 2; ++i) r.set<int32_t>(i, num::truncSat<int32_t>(a.get<double>(i)));
      return r;
    }
    case Op::I32x4TruncSatF64x2UZero: {
      V r;
      for (unsigned i = 0; i < 2; ++i) r.set<uint32_t>(i, num::truncSat<uint32_t>(a.get<double>(i)));
      return r;
    }
    case Op::F32x4ConvertI32x4S: {
      V r;
      for (unsigned i = 0; i < 4; ++i) r.set<float>(i, float(a.get<int32_t>(i)));
      return r;
    }
    case Op::F32x4ConvertI32x4U: {
      V r;
      for (unsigned i = 0; i < 4; ++i) r.set<float>(i, float(a.get<uint32_t>(i)));
      return r;
    }
    case Op::F64x2ConvertLowI32x4S: {
      V r;
      for (unsigned i = 0; i < 2; ++i) r.set<double>(i, double(a.get<int32_t>(i)));
      return r;
    }
    case Op::F64x2ConvertLowI32x4U: {
      V r;
      for (unsigned i = 0; i < 2; ++i) r.set<double>(i, double(a.get<uint32_t>(i)));
      return r;
    }
    case Op::F32x4DemoteF64x2Zero: {
      V r;
      for (unsigned i = 0; i < 2; ++i) r.set<float>(i, float(a.get<double>(i)));
      return r;
    }
    case Op::F64x2PromoteLowF32x4: {
      V r;
      for (unsigned i = 0; i < 2; ++i) r.set<double>(i, double(a.get<float>(i)));
      return r;
    }
    default: return a;
  }
}

V binary(Op op, const V& a, const V& b) {
  switch (op) {
    case Op::V128And: return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & y; });
    case Op::V128AndNot: return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & ~y; });
    case Op::V128Or: return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x | y; });
    case Op::V128Xor: return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x ^ y; });
    case Op::I8x16Swizzle: {
      V r;
      for (unsigned i = 0; i < 16; ++i) r.b[i] = b.b[i] < 16 ? a.b[b.b[i]] : 0;
      return r;
    }
    // clang-format off
#define CMPS(P, T, U)                                                                   \
  case Op::P##Eq: return cmp<T>(a, b, [](T x, T y) { return x == y; });                 \
  case Op::P##Ne: return cmp<T>(a, b, [](T x, T y) { return x != y; });                 \
  case Op::P##LtS: return cmp<T>(a, b, [](T x, T y) { return x < y; });                 \
  case Op::P##GtS: return cmp<T>(a, b, [](T x, T y) { return x > y; });                 \
  case Op::P##LeS: return cmp<T>(a, b, [](T x, T y) { return x <= y; });                \
  case Op::P##GeS: return cmp<T>(a, b, [](T x, T y) { return x >= y; });
#define CMPU(P, U)                                                                      \
  case Op::P##LtU: return cmp<U>(a, b, [](U x, U y) { return x < y; });                 \
  case Op::P##GtU: return cmp<U>(a, b, [](U x, U y) { return x > y; });                 \
  case Op::P##LeU: return cmp<U>(a, b, [](U x, U y) { return x <= y; });                \
  case Op::P##GeU: return cmp<U>(a, b, [](U x, U y) { return x >= y; });
    CMPS(I8x16, int8_t, uint8_t) CMPU(I8x16, uint8_t)
    CMPS(I16x8, int16_t, uint16_t) CMPU(I16x8, uint16_t)
    CMPS(I32x4, int32_t, uint32_t) CMPU(I32x4, uint32_t)
    CMPS(I64x2, int64_t, uint64_t)
#undef CMPS
#undef CMPU
#define FCMP(P, T)                                                                      \
  case Op::P##Eq: return cmp<T>(a, b, [](T x, T y) { return x == y; });                 \
  case Op::P##Ne: return cmp<T>(a, b, [](T x, T y) { return x != y; });                 \
  case Op::P##Lt: return cmp<T>(a, b, [](T x, T y) { return x < y; });                  \
  case Op::P##Gt: return cmp<T>(a, b, [](T x, T y) { return x > y; });                  \
  case Op::P##Le: return cmp<T>(a, b, [](T x, T y) { return x <= y; });                 \
  case Op::P##Ge: return cmp<T>(a, b, [](T x, T y) { return x >= y; });
    FCMP(F32x4, float) FCMP(F64x2, double)
#undef FCMP
#define FARITH(P, T)                                                                    \
  case Op::P##Add: return map2<T>(a, b, [](T x, T y) { return x + y; });                \
  case Op::P##Sub: return map2<T>(a, b, [](T x, T y) { return x - y; });                \
  case Op::P##Mul: return map2<T>(a, b, [](T x, T y) { return x * y; });                \
  case Op::P##Div: return map2<T>(a, b, [](T x, T y) { return x / y; });                \
  case Op::P##Min: return map2<T>(a, b, num::fmin<T>);                                  \
  case Op::P##Max: return map2<T>(a, b, num::fmax<T>);                                  \
  case Op::P##Pmin: return map2<T>(a, b, pmin<T>);                                      \
  case Op::P##Pmax: return map2<T>(a, b, pmax<T>);
    FARITH(F32x4, float) FARITH(F64x2, double)
#undef FARITH
#define IARITH(P, U)                                                                    \
  case Op::P##Add: return map2<U>(a, b, [](U x, U y) { return U(x + y); });             \
  case Op::P##Sub: return map2<U>(a, b, [](U x, U y) { return U(x - y); });
    IARITH(I8x16, uint8_t) IARITH(I16x8, uint16_t) IARITH(I32x4, uint32_t) IARITH(I64x2, uint64_t)
#undef IARITH
#define SATMINMAX(P, S, U)                                                                          \
  case Op::P##AddSatS: return map2<S>(a, b, [](S x, S y) { return sat<S>(int64_t(x) + y); });       \
  case Op::P##AddSatU: return map2<U>(a, b, [](U x, U y) { return sat<U>(int64_t(x) + y); });      \
  case Op::P##SubSatS: return map2<S>(a, b, [](S x, S y) { return sat<S>(int64_t(x) - y); });       \
  case Op::P##SubSatU: return map2<U>(a, b, [](U x, U y) { return sat<U>(int64_t(x) - y); });      \
  case Op::P##AvgrU: return map2<U>(a, b, avgr<U>);
    SATMINMAX(I8x16, int8_t, uint8_t) SATMINMAX(I16x8, int16_t, uint16_t)
#undef SATMINMAX
#define MINMAX(P, S, U)                                                                  \
  case Op::P##MinS: return map2<S>(a, b, [](S x, S y) { return x < y ? x : y; });        \
  case Op::P##MinU: return map2<U>(a, b, [](U x, U y) { return x < y ? x : y; });        \
  case Op::P##MaxS: return map2<S>(a, b, [](S x, S y) { return x > y ? x : y; });        \
  case Op::P##MaxU: return map2<U>(a, b, [](U x, U y) { return x > y ? x : y; });
    MINMAX(I8x16, int8_t, uint8_t) MINMAX(I16x8, int16_t, uint16_t) MINMAX(I32x4, int32_t, uint32_t)
#undef MINMAX
          // clang-format on
          case Op::I16x8Mul
          : return map2<uint16_t>(a, b, [](uint16_t x, uint16_t y) { return uint16_t(uint32_t(x) * y); });
    case Op::I32x4Mul: return map2<uint32_t>(a, b, [](uint32_t x, uint32_t y) { return x * y; });
    case Op::I64x2Mul: return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x * y; });
    case Op::I16x8Q15mulrSatS:
      return map2<int16_t>(a, b, [](int16_t x, int16_t y) { return sat<int16_t>((int32_t(x) * y + 0x4000) >> 15); });
    case Op::I32x4DotI16x8S: {
      V r;
      for (unsigned i = 0; i < 4; ++i) {
        int64_t s = int64_t(a.get<int16_t>(2 * i)) * b.get<int16_t>(2 * i) +
                    int64_t(a.get<int16_t>(2 * i + 1)) * b.get<int16_t>(2 * i + 1);
        r.set<uint32_t>(i, uint32_t(s));
      }
      return r;
    }
    case Op::I8x16NarrowI16x8S: return narrow<int16_t, int8_t>(a, b);
    case Op::I8x16NarrowI16x8U: return narrow<int16_t, uint8_t>(a, b);
    case Op::I16x8NarrowI32x4S: return narrow<int32_t, int16_t>(a, b);
    case Op::I16x8NarrowI32x4U: return narrow<int32_t, uint16_t>(a, b);
    case Op::I16x8ExtmulLowI8x16S: return extmul<int8_t, int16_t>(a, b, false);
    case Op::I16x8ExtmulHighI8x16S: return extmul<int8_t, int16_t>(a, b, true);
    case Op::I16x8ExtmulLowI8x16U: return extmul<uint8_t, uint16_t>(a, b, false);
    case Op::I16x8ExtmulHighI8x16U: return extmul<uint8_t, uint16_t>(a, b, true);
    case Op::I32x4ExtmulLowI16x8S: return extmul<int16_t, int32_t>(a, b, false);
    case Op::I32x4ExtmulHighI16x8S: return extmul<int16_t, int32_t>(a, b, true);
    case Op::I32x4ExtmulLowI16x8U: return extmul<uint16_t, uint32_t>(a, b, false);
    case Op::I32x4ExtmulHighI16x8U: return extmul<uint16_t, uint32_t>(a, b, true);
    case Op::I64x2ExtmulLowI32x4S: return extmul<int32_t, int64_t>(a, b, false);
    case Op::I64x2ExtmulHighI32x4S: return extmul<int32_t, int64_t>(a, b, true);
    case Op::I64x2ExtmulLowI32x4U: return extmul<uint32_t, uint64_t>(a, b, false);
    case Op::I64x2ExtmulHighI32x4U: return extmul<uint32_t, uint64_t>(a, b, true);
    default: return a;
  }
}

uint32_t test(Op op, const V& a) {
  switch (op) {
    case Op::V128AnyTrue: return (a.get<uint64_t>(0) | a.get<uint64_t>(1)) != 0;
    case Op::I8x16AllTrue: return allTrue<uint8_t>(a);
    case Op::I16x8AllTrue: return allTrue<uint16_t>(a);
    case Op::I32x4AllTrue: return allTrue<uint32_t>(a);
    case Op::I64x2AllTrue: return allTrue<uint64_t>(a);
    case Op::I8x16Bitmask: return bitmask<uint8_t>(a);
    case Op::I16x8Bitmask: return bitmask<uint16_t>(a);
    case Op::I32x4Bitmask: return bitmask<uint32_t>(a);
    default: return bitmask<uint64_t>(a);  // i64x2.bitmask
  }
}

V shiftOp(Op op, const V& a, uint32_t n) {
  switch (op) {
    case Op::I8x16Shl: return shift<uint8_t>(a, n, [](uint8_t x, unsigned c) { return x << c; });
    case Op::I8x16ShrS: return shift<int8_t>(a, n, [](int8_t x, unsigned c) { return x >> c; });
    case Op::I8x16ShrU: return shift<uint8_t>(a, n, [](uint8_t x, unsigned c) { return x >> c; });
    case Op::I16x8Shl: return shift<uint16_t>(a, n, [](uint16_t x, unsigned c) { return x << c; });
    case Op::I16x8ShrS: return shift<int16_t>(a, n, [](int16_t x, unsigned c) { return x >> c; });
    case Op::I16x8ShrU: return shift<uint16_t>(a, n, [](uint16_t x, unsigned c) { return x >> c; });
    case Op::I32x4Shl: return shift<uint32_t>(a, n, [](uint32_t x, unsigned c) { return x << c; });
    case Op::I32x4ShrS: return shift<int32_t>(a, n, [](int32_t x, unsigned c) { return x >> c; });
    case Op::I32x4ShrU: return shift<uint32_t>(a, n, [](uint32_t x, unsigned c) { return x >> c; });
    case Op::I64x2Shl: return shift<uint64_t>(a, n, [](uint64_t x, unsigned c) { return x << c; });
    case Op::I64x2ShrS: return shift<int64_t>(a, n, [](int64_t x, unsigned c) { return x >> c; });
    default: return shift<uint64_t>(a, n, [](uint64_t x, unsigned c) { return x >> c; });
  }
}

V splatOp(Op op, uint64_t x) {
  switch (op) {
    case Op::I8x16Splat: return splat<uint8_t>(uint8_t(x));
    case Op::I16x8Splat: return splat<uint16_t>(uint16_t(x));
    case Op::I32x4Splat:
    case Op::F32x4Splat: return splat<uint32_t>(uint32_t(x));
    default: return splat<uint64_t>(x);
  }
}

uint64_t extract(Op op, const V& a, unsigned lane) {
  switch (op) {
    case Op::I8x16ExtractLaneS: return uint32_t(int32_t(a.get<int8_t>(lane)));
    case Op::I8x16ExtractLaneU: return a.get<uint8_t>(lane);
    case Op::I16x8ExtractLaneS: return uint32_t(int32_t(a.get<int16_t>(lane)));
    case Op::I16x8ExtractLaneU: return a.get<uint16_t>(lane);
    case Op::I32x4ExtractLane:
    case Op::F32x4ExtractLane: return a.get<uint32_t>(lane);
    default: return a.get<uint64_t>(lane);
  }
}

V replace(Op op, V a, unsigned lane, uint64_t x) {
  switch (op) {
    case Op::I8x16ReplaceLane: a.set<uint8_t>(lane, uint8_t(x)); break;
    case Op::I16x8ReplaceLane: a.set<uint16_t>(lane, uint16_t(x)); break;
    case Op::I32x4ReplaceLane:
    case Op::F32x4ReplaceLane: a.set<uint32_t>(lane, uint32_t(x)); break;
    default: a.set<uint64_t>(lane, x); break;
  }
  return a;
}

// The bytes at addr + offset, or nullptr when [ea, ea + n) leaves the memory.
uint8_t* at(wasmnn_memory* mem, uint64_t addr, uint32_t offset, uint32_t n) {
  uint64_t ea = uint32_t(addr) + uint64_t(offset);
  if (ea + n > mem->mem.size()) return nullptr;
  return mem->mem.data() + ea;
}

template <class N, class W> V loadExtend(const uint8_t* p) {
  V r;
  for (unsigned i = 0; i < lanesOf<W>(); ++i) {
    N x;
    std::memcpy(&x, p + i * sizeof(N), sizeof(N));
    r.set<W>(i, W(x));
  }
  return r;
}

V load(Op op, const uint8_t* p) {
  V r;
  switch (op) {
    case Op::V128Load: std::memcpy(r.b, p, 16); return r;
    case Op::V128Load8x8S: return loadExtend<int8_t, int16_t>(p);
    case Op::V128Load8x8U: return loadExtend<uint8_t, uint16_t>(p);
    case Op::V128Load16x4S: return loadExtend<int16_t, int32_t>(p);
    case Op::V128Load16x4U: return loadExtend<uint16_t, uint32_t>(p);
    case Op::V128Load32x2S: return loadExtend<int32_t, int64_t>(p);
    case Op::V128Load32x2U: return loadExtend<uint32_t, uint64_t>(p);
    case Op::V128Load8Splat: return splat<uint8_t>(p[0]);
    case Op::V128Load16Splat: {
      uint16_t x;
      std::memcpy(&x, p, 2);
      return splat(x);
    }
    case Op::V128Load32Splat: {
      uint32_t x;
      std::memcpy(&x, p, 4);
      return splat(x);
    }
    case Op::V128Load64Splat: {
      uint64_t x;
      std::memcpy(&x, p, 8);
      return splat(x);
    }
    case Op::V128Load32Zero: std::memcpy(r.b, p, 4); return r;
    default: std::memcpy(r.b, p, 8); return r;  // v128.load64_zero
  }
}

constexpr const char* kOob = "out of bounds memory access";

}  // namespace

SimdOperands simdOperands(SimdShape shape) {
  switch (shape) {
    case SimdShape::Unary: return {"v", 'v'};
    case SimdShape::Binary:
    case SimdShape::Shuffle: return {"vv", 'v'};
    case SimdShape::Ternary: return {"vvv", 'v'};
    case SimdShape::Test:
    case SimdShape::Extract: return {"v", 's'};
    case SimdShape::Shift:
    case SimdShape::Replace: return {"vs", 'v'};
    case SimdShape::Splat:
    case SimdShape::Load: return {"s", 'v'};
    case SimdShape::LoadLane: return {"sv", 'v'};
    case SimdShape::Store:
    case SimdShape::StoreLane: return {"sv", '-'};
    case SimdShape::Const: return {"", 'v'};
    case SimdShape::Invalid: break;
  }
  return {"", '-'};
}

ShapeId simdShapeId(SimdShape shape) {
  switch (shape) {
    case SimdShape::Unary:
    case SimdShape::Test:
    case SimdShape::Splat: return ShapeId::SimdUnary;
    case SimdShape::Binary: return ShapeId::SimdBinary;
    case SimdShape::Ternary: return ShapeId::SimdTernary;
    case SimdShape::Shift: return ShapeId::SimdShift;
    case SimdShape::Extract: return ShapeId::SimdExtract;
    case SimdShape::Replace: return ShapeId::SimdReplace;
    case SimdShape::Load: return ShapeId::SimdLoad;
    case SimdShape::Store: return ShapeId::SimdStore;
    case SimdShape::LoadLane: return ShapeId::SimdLoadLane;
    case SimdShape::StoreLane: return ShapeId::SimdStoreLane;
    case SimdShape::Shuffle: return ShapeId::SimdShuffle;
    default: return ShapeId::Simd;
  }
}

// Operands by the names of the sub-shape's declaration (xops.h).
#define SLOT(f) ip[slotWord(I::f)]
#define IMM(f) ip[immWord(I::f)]

const char* simdExec(const uint32_t* ip, uint64_t* fp, wasmnn_memory* mem) {
  const Op op = Op(kSimdBase + ip[shape::Simd::sub.word]);
  const SimdInfo& info = kSimdInfo[ip[shape::Simd::sub.word]];
  switch (info.shape) {
    case SimdShape::Unary: {
      using I = shape::SimdUnary;
      storeV(fp, SLOT(dst), unary(op, loadV(fp, SLOT(a))));
      return nullptr;
    }
    case SimdShape::Binary: {
      using I = shape::SimdBinary;
      storeV(fp, SLOT(dst), binary(op, loadV(fp, SLOT(a)), loadV(fp, SLOT(b))));
      return nullptr;
    }
    case SimdShape::Ternary: {  // v128.bitselect
      using I = shape::SimdTernary;
      V a = loadV(fp, SLOT(a)), b = loadV(fp, SLOT(b)), c = loadV(fp, SLOT(c)), r;
      for (unsigned i = 0; i < 16; ++i) r.b[i] = uint8_t((a.b[i] & c.b[i]) | (b.b[i] & ~c.b[i]));
      storeV(fp, SLOT(dst), r);
      return nullptr;
    }
    case SimdShape::Test: {
      using I = shape::SimdUnary;
      fp[SLOT(dst)] = test(op, loadV(fp, SLOT(a)));
      return nullptr;
    }
    case SimdShape::Shift: {
      using I = shape::SimdShift;
      storeV(fp, SLOT(dst), shiftOp(op, loadV(fp, SLOT(a)), uint32_t(fp[SLOT(n)])));
      return nullptr;
    }
    case SimdShape::Splat: {
      using I = shape::SimdUnary;
      storeV(fp, SLOT(dst), splatOp(op, fp[SLOT(a)]));
      return nullptr;
    }
    case SimdShape::Extract: {
      using I = shape::SimdExtract;
      fp[SLOT(dst)] = extract(op, loadV(fp, SLOT(a)), IMM(lane));
      return nullptr;
    }
    case SimdShape::Replace: {
      using I = shape::SimdReplace;
      storeV(fp, SLOT(dst), replace(op, loadV(fp, SLOT(a)), IMM(lane), fp[SLOT(x)]));
      return nullptr;
    }
    case SimdShape::Shuffle: {
      using I = shape::SimdShuffle;
      V a = loadV(fp, SLOT(a)), b = loadV(fp, SLOT(b)), r;
      uint8_t lanes[16];
      std::memcpy(lanes, ip + I::lanes.word, 16);
      for (unsigned i = 0; i < 16; ++i) r.b[i] = lanes[i] < 16 ? a.b[lanes[i]] : b.b[lanes[i] & 15];
      storeV(fp, SLOT(dst), r);
      return nullptr;
    }
    case SimdShape::Load: {
      using I = shape::SimdLoad;
      const uint32_t n = op == Op::V128Load ? 16 : 1u << info.accessLog2;
      const uint8_t* p = at(mem, fp[SLOT(addr)], IMM(offset), n);
      if (!p) return kOob;
      storeV(fp, SLOT(dst), load(op, p));
      return nullptr;
    }
    case SimdShape::Store: {
      using I = shape::SimdStore;
      uint8_t* p = at(mem, fp[SLOT(addr)], IMM(offset), 16);
      if (!p) return kOob;
      std::memcpy(p, fp + SLOT(value), 16);
      return nullptr;
    }
    case SimdShape::LoadLane: {
      using I = shape::SimdLoadLane;
      const uint32_t n = 1u << info.accessLog2;
      const uint8_t* p = at(mem, fp[SLOT(addr)], IMM(offset), n);
      if (!p) return kOob;
      V v = loadV(fp, SLOT(value));
      std::memcpy(v.b + IMM(lane) * n, p, n);
      storeV(fp, SLOT(dst), v);
      return nullptr;
    }
    case SimdShape::StoreLane: {
      using I = shape::SimdStoreLane;
      const uint32_t n = 1u << info.accessLog2;
      uint8_t* p = at(mem, fp[SLOT(addr)], IMM(offset), n);
      if (!p) return kOob;
      V v = loadV(fp, SLOT(value));
      std::memcpy(p, v.b + IMM(lane) * n, n);
      return nullptr;
    }
    default: return "unsupported SIMD instruction";
  }
}
#undef SLOT
#undef IMM

}  // namespace wasmnn
