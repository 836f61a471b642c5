/* Bulk-memory heavy kernel: memset/memcpy/memmove of small and large
 * blocks at varying offsets. Built with -mbulk-memory, clang lowers these to
 * memory.fill / memory.copy, so the runtime's bulk operations dominate.
 * Usage: memops [rounds]   (default 10000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA (1u << 20)
static uint8_t arena[ARENA];

static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* A block length: mostly small (struct-sized) copies, some page-sized and a
 * few large ones, like a real program's mix. */
static uint32_t block_len(void) {
  uint32_t r = rng();
  switch (r & 7) {
    case 0: return 65536 + (r >> 16);
    case 1:
    case 2: return 4096 + ((r >> 8) & 8191);
    default: return 8 + ((r >> 8) & 247);
  }
}

/* FNV-1a over a sparse sample: enough to make every write observable
 * without turning the kernel into a hashing benchmark. */
static uint32_t sample_hash(uint32_t h) {
  for (uint32_t i = 0; i < ARENA; i += 4093) {
    h ^= arena[i];
    h *= 16777619u;
  }
  return h;
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10000;
  if (rounds < 1) {
    fprintf(stderr, "rounds must be positive\n");
    return 2;
  }
  uint32_t h = 2166136261u;
  uint64_t bytes = 0;
  for (int r = 0; r < rounds; r++) {
    for (int op = 0; op < 64; op++) {
      uint32_t len = block_len();
      uint32_t dst = rng() % (ARENA - len);
      uint32_t src = rng() % (ARENA - len);
      switch (op & 3) {
        case 0: memset(arena + dst, (int)(rng() & 0xFF), len); break;
        case 1:
        case 2:
          /* memmove: source and destination may overlap */
          memmove(arena + dst, arena + src, len);
          break;
        default: {
          /* memcpy between disjoint halves */
          uint32_t half = ARENA / 2;
          uint32_t n = len < half ? len : half;
          memcpy(arena + (dst % (half - n + 1)), arena + half + (src % (half - n + 1)), n);
          break;
        }
      }
      bytes += len;
    }
    if ((r & 63) == 63) h = sample_hash(h);
  }
  h = sample_hash(h);
  printf("memops rounds=%d bytes=%llu hash=0x%08x\n", rounds, (unsigned long long)bytes, h);
  return 0;
}
