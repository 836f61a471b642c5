// See memory_guard.h. The interposed functions forward to glibc's own
// allocator (__libc_*), so free() and malloc_usable_size() stay glibc's.
#include "memory_guard.h"

#include <sys/resource.h>

#include <malloc.h>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace wasmnn::nn::worker {
namespace {

std::atomic<isolation::StatusPage*> g_page{nullptr};

void noteRefused(size_t size) {
  isolation::StatusPage* page = g_page.load(std::memory_order_relaxed);
  if (!page || size == 0) return;
  uint64_t none = 0;
  std::atomic_ref<uint64_t>(page->refusedAllocation).compare_exchange_strong(none, size);
}

}  // namespace

std::string limitMemory(uint64_t maxBytes, isolation::StatusPage* page) {
#if defined(__SANITIZE_ADDRESS__)
  (void)page;
  // ASan reserves terabytes of shadow memory: a data limit would stop it.
  return maxBytes ? "memory limit (not in sanitizer builds)" : "";
#else
  g_page.store(page, std::memory_order_relaxed);
  if (maxBytes == 0) return "";
  rlimit limit{maxBytes, maxBytes};  // hard = soft: the worker cannot raise it
  if (setrlimit(RLIMIT_DATA, &limit) != 0) return std::string("memory limit (") + std::strerror(errno) + ")";
  return "";
#endif
}

}  // namespace wasmnn::nn::worker

#if !defined(__SANITIZE_ADDRESS__)
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* __libc_valloc(size_t);
void* __libc_pvalloc(size_t);
}

namespace {
void* checked(void* p, size_t size) {
  if (!p) wasmnn::nn::worker::noteRefused(size);
  return p;
}
}  // namespace

// Same declarations as glibc's <stdlib.h> / <malloc.h> (noexcept: __THROW),
// visible so that libraries loaded later bind to them.
#define INTERPOSED __attribute__((visibility("default")))
extern "C" {

INTERPOSED void* malloc(size_t size) noexcept { return checked(__libc_malloc(size), size); }

INTERPOSED void* calloc(size_t count, size_t size) noexcept {
  size_t bytes = 0;
  bool overflow = __builtin_mul_overflow(count, size, &bytes);
  void* p = __libc_calloc(count, size);
  return overflow ? p : checked(p, bytes);
}

INTERPOSED void* realloc(void* old, size_t size) noexcept {
  void* p = __libc_realloc(old, size);
  return size == 0 ? p : checked(p, size);
}

INTERPOSED void* reallocarray(void* old, size_t count, size_t size) noexcept {
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(old, bytes);
}

INTERPOSED void* memalign(size_t alignment, size_t size) noexcept {
  return checked(__libc_memalign(alignment, size), size);
}
INTERPOSED void* aligned_alloc(size_t alignment, size_t size) noexcept { return memalign(alignment, size); }
INTERPOSED void* valloc(size_t size) noexcept { return checked(__libc_valloc(size), size); }
INTERPOSED void* pvalloc(size_t size) noexcept { return checked(__libc_pvalloc(size), size); }

INTERPOSED int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = memalign(alignment, size);
  if (!p && size != 0) return ENOMEM;
  *out = p;
  return 0;
}

}  // extern "C"
#endif
