// What the guest is given: argv, environ and stdio (fds 0-2).
//   stdio_env args ...  prints each argv entry on its own line, in brackets
//   stdio_env env       prints each environ entry on its own line, in brackets
//   stdio_env cat       copies stdin to stdout, then writes "done" to stderr
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "args") == 0) {
    for (int i = 0; i < argc; ++i) printf("[%s]\n", argv[i]);
  } else if (strcmp(argv[1], "env") == 0) {
    for (char** e = environ; *e; ++e) printf("[%s]\n", *e);
  } else if (strcmp(argv[1], "cat") == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
      if (write(1, buf, (size_t)n) != n) return 3;
    }
    if (n < 0) return 4;
    fputs("done\n", stderr);
  } else {
    return 2;
  }
  return 0;
}
