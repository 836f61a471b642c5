// Binds C++ host functions to the C API's callback shape (wasmnn.h's
// wasmnn_host_callback), deducing the wasm signature from the C++ one:
// uint32_t parameters are i32, uint64_t are i64, and the result (an errno
// enum or integer) is one i32. The env pointer given to the linker is an
// `Env*`. Three shapes are bound:
//   R fn(Call&, Args...)                  Call is built from (Env&, GuestMemory, the caller's
//                                         store); Env = Call::Env
//   R (Env::*fn)(GuestMemory, Args...)    a method that reads or writes guest memory
//   R (Env::*fn)(Args...)                 a method that does not
// so an import's arity can never disagree with its implementation.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "wasmnn/common/guest_memory.h"
#include "wasmnn/wasmnn.h"

namespace wasmnn {

namespace binding {

template <typename T> constexpr wasmnn_valkind kindOf() {
  static_assert(std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>, "host parameters are u32 or u64");
  return std::is_same_v<T, uint32_t> ? WASMNN_I32 : WASMNN_I64;
}

template <typename T> T argAs(const wasmnn_val& v) {
  if constexpr (std::is_same_v<T, uint32_t>)
    return static_cast<uint32_t>(v.of.i32);
  else
    return static_cast<uint64_t>(v.of.i64);
}

inline GuestMemory callerMemory(wasmnn_caller* caller) {
  wasmnn_memory* mem = wasmnn_caller_memory(caller);
  if (!mem) return GuestMemory();
  return GuestMemory(wasmnn_memory_data(mem), wasmnn_memory_size(mem));
}

template <typename... Args> struct Signature {
  static constexpr std::array<wasmnn_valkind, sizeof...(Args)> kParams{kindOf<Args>()...};
  static constexpr wasmnn_valkind kResult = WASMNN_I32;
  static wasmnn_functype type() { return wasmnn_functype{kParams.size(), kParams.data(), 1, &kResult}; }
};

template <typename R> void setResult(wasmnn_val* results, R r) {
  results[0].kind = WASMNN_I32;
  results[0].of.i32 = static_cast<int32_t>(r);
}

}  // namespace binding

template <auto Fn> struct HostBinding;

template <typename R, typename Call, typename... Args, R (*Fn)(Call&, Args...)>
struct HostBinding<Fn> : binding::Signature<Args...> {
  static wasmnn_error* invoke(wasmnn_caller* caller, void* env, const wasmnn_val* args, wasmnn_val* results) {
    Call call{*static_cast<typename Call::Env*>(env), binding::callerMemory(caller), wasmnn_caller_store(caller)};
    binding::setResult(results, apply(call, args, std::index_sequence_for<Args...>{}));
    return nullptr;
  }
  template <size_t... I> static R apply(Call& call, const wasmnn_val* args, std::index_sequence<I...>) {
    return Fn(call, binding::argAs<Args>(args[I])...);
  }
};

template <typename R, typename Env, typename... Args, R (Env::*Fn)(GuestMemory, Args...)>
struct HostBinding<Fn> : binding::Signature<Args...> {
  static wasmnn_error* invoke(wasmnn_caller* caller, void* env, const wasmnn_val* args, wasmnn_val* results) {
    binding::setResult(results, apply(*static_cast<Env*>(env), binding::callerMemory(caller), args,
                                      std::index_sequence_for<Args...>{}));
    return nullptr;
  }
  template <size_t... I> static R apply(Env& self, GuestMemory mem, const wasmnn_val* args, std::index_sequence<I...>) {
    return (self.*Fn)(mem, binding::argAs<Args>(args[I])...);
  }
};

template <typename R, typename Env, typename... Args, R (Env::*Fn)(Args...)>
requires(!(std::is_same_v<Args, GuestMemory> || ...)) struct HostBinding<Fn> : binding::Signature<Args...> {
  static wasmnn_error* invoke(wasmnn_caller*, void* env, const wasmnn_val* args, wasmnn_val* results) {
    binding::setResult(results, apply(*static_cast<Env*>(env), args, std::index_sequence_for<Args...>{}));
    return nullptr;
  }
  template <size_t... I> static R apply(Env& self, const wasmnn_val* args, std::index_sequence<I...>) {
    return (self.*Fn)(binding::argAs<Args>(args[I])...);
  }
};

// A table row for wasmnn_linker_define_funcs.
template <auto Fn> wasmnn_host_func_def hostFunc(const char* module, const char* name) {
  return wasmnn_host_func_def{module, name, HostBinding<Fn>::type(), &HostBinding<Fn>::invoke};
}

}  // namespace wasmnn
