/* 64-bit integer kernel: deterministic Miller-Rabin prime counting (64-bit
 * multiply and unsigned remainder), then a 64-bit hash mix with rotates,
 * popcount, leading/trailing zero counts and signed division.
 * Usage: int64 [count]   (default 300000 odd numbers tested) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* a*b mod m with a, b < m < 2^32: the product fits in 64 bits. */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) { return a * b % m; }

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
  uint64_t r = 1;
  b %= m;
  while (e) {
    if (e & 1) r = mulmod(r, b, m);
    b = mulmod(b, b, m);
    e >>= 1;
  }
  return r;
}

/* Bases 2, 7, 61 decide primality for every n < 4,759,123,141. */
static int is_prime(uint64_t n) {
  if (n < 2) return 0;
  static const uint64_t bases[3] = {2, 7, 61};
  for (int i = 0; i < 3; i++)
    if (n % bases[i] == 0) return n == bases[i];
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    s++;
  }
  for (int i = 0; i < 3; i++) {
    uint64_t x = powmod(bases[i], d, n);
    if (x == 1 || x == n - 1) continue;
    int composite = 1;
    for (int r = 1; r < s; r++) {
      x = mulmod(x, x, n);
      if (x == n - 1) {
        composite = 0;
        break;
      }
    }
    if (composite) return 0;
  }
  return 1;
}

static uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t mix_round(uint64_t h, uint64_t v) {
  h ^= v * 0x9E3779B97F4A7C15ull;
  h = rotl64(h, 27) * 0xBF58476D1CE4E5B9ull;
  h += (uint64_t)__builtin_popcountll(h ^ v);
  h ^= (uint64_t)(__builtin_clzll(h | 1) + 3 * __builtin_ctzll(v | 0x8000000000000000ull));
  int64_t sv = (int64_t)(h >> 1) - (int64_t)(v << 3 >> 1);
  h += (uint64_t)(sv / ((int64_t)(v & 0xFFFF) + 3)); /* signed division */
  return h;
}

int main(int argc, char** argv) {
  int64_t count = argc > 1 ? atoll(argv[1]) : 300000;
  if (count < 1 || count > 100000000) {
    fprintf(stderr, "count must be in 1..100000000\n");
    return 2;
  }
  /* odd candidates starting near 3e9, so the modulus needs the full 32 bits */
  const uint64_t base = 3000000001ull;
  uint64_t primes = 0, last = 0;
  for (int64_t i = 0; i < count; i++) {
    uint64_t n = base + 2 * (uint64_t)i;
    if (is_prime(n)) {
      primes++;
      last = n;
    }
  }
  uint64_t h = 0x0123456789ABCDEFull;
  for (int64_t i = 0; i < 40 * count; i++) h = mix_round(h, (uint64_t)i * 0xD6E8FEB86659FD93ull + last);
  printf("int64 count=%lld primes=%llu last=%llu hash=0x%016llx\n", (long long)count, (unsigned long long)primes,
         (unsigned long long)last, (unsigned long long)h);
  return 0;
}
