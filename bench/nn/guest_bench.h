// The guest side of bench/nn's benchmarks: runs a `wasmnn run ... nn_run.wasm
// ... bench N` command line and returns the ns per inference the guest timed
// with its own clock (the last "guest: ..." line counts).
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

inline double guestNsPerInference(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot start " + cmd);
  double ns = -1;
  char line[256];
  while (std::fgets(line, sizeof line, p)) {
    long n = 0;
    double v = 0;
    if (std::sscanf(line, "guest: %ld inferences, %lf ns/inference", &n, &v) == 2) ns = v;
  }
  if (pclose(p) != 0 || ns < 0) throw std::runtime_error("guest run failed: " + cmd);
  return ns;
}
