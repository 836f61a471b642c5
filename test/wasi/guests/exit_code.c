// Exit paths: argv[1] says how the guest ends; the driver checks the status.
//   return N | exit N | trap | exit-in-nested (proc_exit deep in calls, then code that must not run)
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

__attribute__((noinline)) static void deep(int depth, int code) {
  if (depth == 0) __wasi_proc_exit((__wasi_exitcode_t)code);
  deep(depth - 1, code);
  write(1, "after\n", 6);  // unreachable: proc_exit does not return
}

int main(int argc, char** argv) {
  if (argc < 3) return 100;
  int code = atoi(argv[2]);
  write(1, "start\n", 6);
  if (strcmp(argv[1], "return") == 0) return code;
  if (strcmp(argv[1], "exit") == 0) exit(code);
  if (strcmp(argv[1], "nested") == 0) deep(50, code);
  if (strcmp(argv[1], "trap") == 0) __builtin_trap();
  return 101;
}
