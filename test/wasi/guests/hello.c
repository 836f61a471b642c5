// The smallest real guest: prints through stdio, reads a file from the
// preopened ".", and exits with the code given as argv[1] (default 0).
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  printf("hello from %s\n", argc > 0 ? argv[0] : "?");
  FILE* f = fopen("greeting.txt", "r");
  if (f) {
    char line[128];
    if (fgets(line, sizeof line, f)) printf("greeting: %s", line);
    fclose(f);
  }
  return argc > 1 ? atoi(argv[1]) : 0;
}
