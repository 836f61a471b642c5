/* Indirect-call heavy kernel: a table of small operations called through
 * function pointers (call_indirect in wasm), plus "objects" with a vtable.
 * The table is permuted at run time from the argument, so no compiler can
 * resolve the calls statically.
 * Usage: dispatch [millions of calls]   (default 40) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint32_t (*op_fn)(uint32_t acc, uint32_t x);

static uint32_t op_add(uint32_t a, uint32_t x) { return a + x; }
static uint32_t op_sub(uint32_t a, uint32_t x) { return a - x; }
static uint32_t op_xor(uint32_t a, uint32_t x) { return a ^ x; }
static uint32_t op_mul(uint32_t a, uint32_t x) { return a * (x | 1); }
static uint32_t op_rotl(uint32_t a, uint32_t x) { return (a << (x & 31)) | (a >> ((32 - x) & 31)); }
static uint32_t op_shr(uint32_t a, uint32_t x) { return a ^ (a >> ((x & 15) + 1)); }
static uint32_t op_min(uint32_t a, uint32_t x) { return a < x ? a : x ^ a; }
static uint32_t op_max(uint32_t a, uint32_t x) { return a > x ? a : x + a; }
static uint32_t op_not(uint32_t a, uint32_t x) { return ~a + (x & 7); }
static uint32_t op_and(uint32_t a, uint32_t x) { return (a & x) + 0x9E3779B9u; }
static uint32_t op_or(uint32_t a, uint32_t x) { return (a | x) - 0x7F4A7C15u; }
static uint32_t op_div(uint32_t a, uint32_t x) { return a / ((x & 255) + 1) + a; }
static uint32_t op_mix(uint32_t a, uint32_t x) { return (a ^ (a >> 16)) * 0x45D9F3Bu + x; }
static uint32_t op_swap(uint32_t a, uint32_t x) { return ((a & 0xFFFF) << 16 | a >> 16) + x; }
static uint32_t op_inc(uint32_t a, uint32_t x) { return a + 1 + (x >> 28); }
static uint32_t op_dec(uint32_t a, uint32_t x) { return a - 1 - (x >> 29); }

static op_fn table[16] = {op_add, op_sub, op_xor, op_mul, op_rotl, op_shr,  op_min, op_max,
                          op_not, op_and, op_or,  op_div, op_mix,  op_swap, op_inc, op_dec};

/* Objects with a vtable: the C form of virtual methods. */
typedef struct shape shape;
typedef struct {
  int32_t (*area)(const shape*);
  int32_t (*perimeter)(const shape*);
} shape_vtable;
struct shape {
  const shape_vtable* vt;
  int32_t a, b;
};

static int32_t rect_area(const shape* s) { return s->a * s->b; }
static int32_t rect_perimeter(const shape* s) { return 2 * (s->a + s->b); }
static int32_t tri_area(const shape* s) { return s->a * s->b / 2; }
static int32_t tri_perimeter(const shape* s) { return s->a + s->b + (s->a > s->b ? s->a : s->b); }
static int32_t square_area(const shape* s) { return s->a * s->a; }
static int32_t square_perimeter(const shape* s) { return 4 * s->a; }

static const shape_vtable rect_vt = {rect_area, rect_perimeter};
static const shape_vtable tri_vt = {tri_area, tri_perimeter};
static const shape_vtable square_vt = {square_area, square_perimeter};

#define SHAPES 64
static shape shapes[SHAPES];

int main(int argc, char** argv) {
  int millions = argc > 1 ? atoi(argv[1]) : 40;
  if (millions < 1) {
    fprintf(stderr, "count must be positive\n");
    return 2;
  }
  /* permute the table from the argument (Fisher-Yates with an LCG) */
  uint32_t seed = (uint32_t)millions * 2654435761u;
  for (int i = 15; i > 0; i--) {
    seed = seed * 1664525u + 1013904223u;
    int j = (int)((seed >> 16) % (uint32_t)(i + 1));
    op_fn t = table[i];
    table[i] = table[j];
    table[j] = t;
  }
  static const shape_vtable* const vts[3] = {&rect_vt, &tri_vt, &square_vt};
  for (int i = 0; i < SHAPES; i++) {
    seed = seed * 1664525u + 1013904223u;
    shapes[i].vt = vts[(seed >> 20) % 3];
    shapes[i].a = (int32_t)((seed >> 8) & 255) + 1;
    shapes[i].b = (int32_t)((seed >> 4) & 127) + 1;
  }

  uint32_t acc = 1, x = 0x9E3779B9u;
  int64_t geometry = 0;
  for (int m = 0; m < millions; m++) {
    for (int i = 0; i < 1000000 / 8; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      /* six table calls and two virtual calls per round */
      acc = table[x & 15](acc, x);
      acc = table[(x >> 4) & 15](acc, x >> 3);
      acc = table[(x >> 8) & 15](acc, x >> 5);
      acc = table[(x >> 12) & 15](acc, x >> 7);
      acc = table[(x >> 16) & 15](acc, x >> 11);
      acc = table[(x >> 20) & 15](acc, x >> 13);
      const shape* s = &shapes[(x >> 24) & (SHAPES - 1)];
      geometry += s->vt->area(s) - s->vt->perimeter(s);
    }
  }
  printf("dispatch calls=%dM acc=0x%08x geometry=%lld\n", millions, acc, (long long)geometry);
  return 0;
}
