/* A CoreMark-like mixed workload, written for wasmnn (not CoreMark's code):
 * each iteration runs linked-list processing, a small integer matrix
 * multiply, a text-scanning state machine and feeds every result into a
 * CRC-16, so no single kind of instruction dominates.
 * Usage: mixed [iterations]   (default 12000)
 * Only fixed-width integer types are used so wasm32 and x86-64 agree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint16_t crc16_byte(uint16_t crc, uint8_t b) {
  crc ^= b;
  for (int i = 0; i < 8; i++) crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
  return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v) {
  for (int i = 0; i < 4; i++) crc = crc16_byte(crc, (uint8_t)(v >> (8 * i)));
  return crc;
}

static uint32_t rng_state = 0x2545F491u;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* ---- linked lists: build, find, reverse, merge sort --------------------- */

#define LIST_NODES 256
typedef struct node {
  struct node* next;
  int32_t key;
  int32_t value;
} node;
static node pool[LIST_NODES];

static node* list_build(uint32_t seed) {
  node* head = NULL;
  for (int i = 0; i < LIST_NODES; i++) {
    seed = seed * 1103515245u + 12345u;
    pool[i].key = (int32_t)((seed >> 16) & 0x3FF);
    pool[i].value = i;
    pool[i].next = head;
    head = &pool[i];
  }
  return head;
}

static node* list_reverse(node* l) {
  node* prev = NULL;
  while (l) {
    node* next = l->next;
    l->next = prev;
    prev = l;
    l = next;
  }
  return prev;
}

static int32_t list_find(const node* l, int32_t key) {
  for (int32_t pos = 0; l; l = l->next, pos++)
    if (l->key == key) return pos;
  return -1;
}

static node* list_merge(node* a, node* b) {
  node head = {0};
  node* tail = &head;
  while (a && b) {
    node** pick = (a->key <= b->key) ? &a : &b;
    tail->next = *pick;
    tail = *pick;
    *pick = (*pick)->next;
  }
  tail->next = a ? a : b;
  return head.next;
}

static node* list_sort(node* l) {
  if (!l || !l->next) return l;
  node *slow = l, *fast = l->next;
  while (fast && fast->next) {
    slow = slow->next;
    fast = fast->next->next;
  }
  node* second = slow->next;
  slow->next = NULL;
  return list_merge(list_sort(l), list_sort(second));
}

static uint16_t bench_list(uint16_t crc, uint32_t seed) {
  node* l = list_build(seed);
  for (int i = 0; i < 8; i++) crc = crc16_u32(crc, (uint32_t)list_find(l, (int32_t)(rng() & 0x3FF)));
  l = list_reverse(l);
  l = list_sort(l);
  for (int i = 0; l && i < 16; i++, l = l->next) crc = crc16_u32(crc, (uint32_t)(l->key * 31 + l->value));
  return crc;
}

/* ---- matrix: int16 inputs, int32 products, bit extraction ---------------- */

#define MAT_N 24
static int16_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N];
static int32_t mat_c[MAT_N][MAT_N];

static uint16_t bench_matrix(uint16_t crc, int16_t bias) {
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      mat_a[i][j] = (int16_t)((rng() & 0xFF) - 128 + bias);
      mat_b[i][j] = (int16_t)((rng() & 0xFF) - 128);
    }
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      int32_t s = 0;
      for (int k = 0; k < MAT_N; k++) s += (int32_t)mat_a[i][k] * mat_b[k][j];
      mat_c[i][j] = s;
    }
  uint32_t acc = 0;
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      int32_t v = mat_c[i][j];
      acc += (v > 0) ? ((uint32_t)v >> 3) & 0x7F : ((uint32_t)-v & 0x3F);
    }
  return crc16_u32(crc, acc);
}

/* ---- state machine: classify comma-separated tokens ---------------------- */

enum state { S_START, S_INT, S_SIGN, S_FRAC, S_EXP, S_EXP_SIGN, S_EXP_INT, S_HEX, S_BAD };
#define TEXT_LEN 512
static char text[TEXT_LEN + 1];

static void text_generate(void) {
  static const char alphabet[] = "0123456789+-.eExX,,,abc";
  for (int i = 0; i < TEXT_LEN; i++) text[i] = alphabet[rng() % (sizeof alphabet - 1)];
  text[TEXT_LEN] = 0;
}

static enum state step(enum state s, char c) {
  int digit = c >= '0' && c <= '9';
  switch (s) {
    case S_START:
      if (digit) return S_INT;
      if (c == '+' || c == '-') return S_SIGN;
      if (c == '.') return S_FRAC;
      return S_BAD;
    case S_SIGN:
      if (digit) return S_INT;
      if (c == '.') return S_FRAC;
      return S_BAD;
    case S_INT:
      if (digit) return S_INT;
      if (c == '.') return S_FRAC;
      if (c == 'e' || c == 'E') return S_EXP;
      if (c == 'x' || c == 'X') return S_HEX;
      return S_BAD;
    case S_FRAC:
      if (digit) return S_FRAC;
      if (c == 'e' || c == 'E') return S_EXP;
      return S_BAD;
    case S_EXP:
      if (digit) return S_EXP_INT;
      if (c == '+' || c == '-') return S_EXP_SIGN;
      return S_BAD;
    case S_EXP_SIGN:
    case S_EXP_INT: return digit ? S_EXP_INT : S_BAD;
    case S_HEX:
      if (digit || (c >= 'a' && c <= 'f')) return S_HEX;
      return S_BAD;
    default: return S_BAD;
  }
}

static uint16_t bench_state(uint16_t crc) {
  uint32_t final_counts[S_BAD + 1] = {0};
  enum state s = S_START;
  for (const char* p = text; *p; p++) {
    if (*p == ',') {
      final_counts[s]++;
      s = S_START;
    } else {
      s = step(s, *p);
    }
  }
  final_counts[s]++;
  for (int i = 0; i <= S_BAD; i++) crc = crc16_u32(crc, final_counts[i]);
  return crc;
}

int main(int argc, char** argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 12000;
  if (iterations < 1) {
    fprintf(stderr, "iterations must be positive\n");
    return 2;
  }
  uint16_t crc = 0;
  for (int it = 0; it < iterations; it++) {
    crc = bench_list(crc, (uint32_t)it * 2654435761u);
    crc = bench_matrix(crc, (int16_t)(it & 15));
    text_generate();
    crc = bench_state(crc);
  }
  printf("mixed iterations=%d crc=0x%04x\n", iterations, crc);
  return 0;
}
