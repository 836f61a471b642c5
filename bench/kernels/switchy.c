/* Branchy kernel: a tiny stack-machine interpreter whose dense `switch`
 * compiles to br_table, running a bytecode program (Collatz step counts and
 * a digit-sum loop), plus a character classifier over generated text.
 * Usage: switchy [outer loops]   (default 300) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum op {
  OP_PUSH,
  OP_LOAD,
  OP_STORE,
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_DIV,
  OP_MOD,
  OP_AND,
  OP_SHR,
  OP_DUP,
  OP_DROP,
  OP_SWAP,
  OP_JMP,
  OP_JZ,
  OP_JNZ,
  OP_LT,
  OP_EQ,
  OP_INC,
  OP_DEC,
  OP_HALT,
};

typedef struct {
  uint8_t op;
  int32_t arg;
} insn;

static uint32_t run(const insn* code, uint32_t* vars) {
  uint32_t stack[32];
  int sp = 0;
  int pc = 0;
  for (;;) {
    const insn* i = &code[pc++];
    switch (i->op) {
      case OP_PUSH: stack[sp++] = (uint32_t)i->arg; break;
      case OP_LOAD: stack[sp++] = vars[i->arg]; break;
      case OP_STORE: vars[i->arg] = stack[--sp]; break;
      case OP_ADD:
        sp--;
        stack[sp - 1] += stack[sp];
        break;
      case OP_SUB:
        sp--;
        stack[sp - 1] -= stack[sp];
        break;
      case OP_MUL:
        sp--;
        stack[sp - 1] *= stack[sp];
        break;
      case OP_DIV:
        sp--;
        stack[sp - 1] /= stack[sp] ? stack[sp] : 1;
        break;
      case OP_MOD:
        sp--;
        stack[sp - 1] %= stack[sp] ? stack[sp] : 1;
        break;
      case OP_AND:
        sp--;
        stack[sp - 1] &= stack[sp];
        break;
      case OP_SHR:
        sp--;
        stack[sp - 1] >>= (stack[sp] & 31);
        break;
      case OP_DUP:
        stack[sp] = stack[sp - 1];
        sp++;
        break;
      case OP_DROP: sp--; break;
      case OP_SWAP: {
        uint32_t t = stack[sp - 1];
        stack[sp - 1] = stack[sp - 2];
        stack[sp - 2] = t;
        break;
      }
      case OP_JMP: pc = i->arg; break;
      case OP_JZ:
        if (stack[--sp] == 0) pc = i->arg;
        break;
      case OP_JNZ:
        if (stack[--sp] != 0) pc = i->arg;
        break;
      case OP_LT:
        sp--;
        stack[sp - 1] = stack[sp - 1] < stack[sp];
        break;
      case OP_EQ:
        sp--;
        stack[sp - 1] = stack[sp - 1] == stack[sp];
        break;
      case OP_INC: vars[i->arg]++; break;
      case OP_DEC: vars[i->arg]--; break;
      case OP_HALT: return sp > 0 ? stack[sp - 1] : 0;
      default: return 0xDEADu;
    }
  }
}

/* The program below does not use DUP, DROP, LT or DEC: they stay in run()'s
 * switch so its br_table is as wide as a real VM's.
 * vars: 0 = n (input), 1 = Collatz steps, 2 = x, 3 = digit sum of n.
 * Returns digit_sum - steps (mod 2^32). */
static const insn program[] = {
    /*  0 */ {OP_LOAD, 0},
    {OP_STORE, 2},
    /*  2 loop: */ {OP_LOAD, 2},
    {OP_PUSH, 1},
    {OP_EQ, 0},
    {OP_JNZ, 23},
    /*  6 */ {OP_INC, 1},
    /*  7 */ {OP_LOAD, 2},
    {OP_PUSH, 1},
    {OP_AND, 0},
    {OP_JZ, 18},
    /* 11 odd: x = 3x + 1 */ {OP_LOAD, 2},
    {OP_PUSH, 3},
    {OP_MUL, 0},
    {OP_PUSH, 1},
    {OP_ADD, 0},
    /* 16 */ {OP_STORE, 2},
    {OP_JMP, 2},
    /* 18 even: x >>= 1 */ {OP_LOAD, 2},
    {OP_PUSH, 1},
    {OP_SHR, 0},
    {OP_STORE, 2},
    {OP_JMP, 2},
    /* 23 digits: */ {OP_LOAD, 0},
    {OP_STORE, 2},
    /* 25 dloop: */ {OP_LOAD, 2},
    {OP_JZ, 38},
    /* 27 */ {OP_LOAD, 3},
    {OP_LOAD, 2},
    {OP_PUSH, 10},
    {OP_MOD, 0},
    {OP_ADD, 0},
    {OP_STORE, 3},
    /* 33 */ {OP_LOAD, 2},
    {OP_PUSH, 10},
    {OP_DIV, 0},
    {OP_STORE, 2},
    {OP_JMP, 25},
    /* 38 done: */ {OP_LOAD, 1},
    {OP_LOAD, 3},
    {OP_SWAP, 0},
    {OP_SUB, 0},
    {OP_HALT, 0},
};

/* Character classes through a switch over the byte value. */
static uint32_t classify(const uint8_t* s, int n) {
  uint32_t counts[6] = {0};
  for (int i = 0; i < n; i++) {
    switch (s[i] & 63) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4:
      case 5:
      case 6:
      case 7:
      case 8:
      case 9: counts[0]++; break;
      case 10:
      case 11:
      case 12:
      case 13: counts[1] += s[i]; break;
      case 14:
      case 20:
      case 26:
      case 33:
      case 41: counts[2] ^= (uint32_t)i; break;
      case 15:
      case 16:
      case 17:
      case 18:
      case 19: counts[3] += 3; break;
      case 21:
      case 22:
      case 23:
      case 24:
      case 25:
      case 27:
      case 28: counts[4] = counts[4] * 31 + s[i]; break;
      case 29:
      case 30:
      case 31:
      case 32:
      case 34:
      case 35:
      case 36: counts[5]++; break;
      case 37:
      case 38:
      case 39:
      case 40: counts[0] += 2; break;
      default: counts[5] += s[i] & 3; break;
    }
  }
  return counts[0] ^ counts[1] * 3 ^ counts[2] * 5 ^ counts[3] * 7 ^ counts[4] * 11 ^ counts[5] * 13;
}

static uint8_t text[4096];

int main(int argc, char** argv) {
  int loops = argc > 1 ? atoi(argv[1]) : 300;
  if (loops < 1) {
    fprintf(stderr, "loops must be positive\n");
    return 2;
  }
  uint32_t x = 0xC0FFEEu, acc = 0;
  for (int l = 0; l < loops; l++) {
    for (uint32_t n = 1; n <= 200; n++) {
      uint32_t vars[4] = {n + (uint32_t)l * 7u, 0, 0, 0};
      acc = acc * 33 + run(program, vars);
    }
    for (int i = 0; i < (int)sizeof text; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      text[i] = (uint8_t)(x >> 11);
    }
    acc ^= classify(text, (int)sizeof text);
  }
  printf("switchy loops=%d acc=0x%08x\n", loops, acc);
  return 0;
}
