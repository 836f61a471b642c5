/* f64 arithmetic kernel: a Mandelbrot escape-count grid (add/mul/compare)
 * and a spectral-norm power iteration (division, sqrt). Only IEEE-exact
 * operations are used (no libm transcendentals), so every platform prints
 * the same digits.
 * Usage: float64 [size]   (default 1200: a 1200x1200 grid and a 1200-wide matrix) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mandelbrot(int size) {
  uint64_t total = 0;
  for (int py = 0; py < size; py++) {
    double ci = -1.25 + 2.5 * py / size;
    for (int px = 0; px < size; px++) {
      double cr = -2.0 + 2.5 * px / size;
      double zr = 0, zi = 0;
      int it = 0;
      while (it < 100 && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        it++;
      }
      total += (uint64_t)it;
    }
  }
  return total;
}

static double matrix_a(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void times_a(int n, const double* u, double* v) {
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) s += matrix_a(i, j) * u[j];
    v[i] = s;
  }
}

static void times_at(int n, const double* u, double* v) {
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) s += matrix_a(j, i) * u[j];
    v[i] = s;
  }
}

#define NMAX 2000
static double u[NMAX], v[NMAX], tmp[NMAX];

static double spectral_norm(int n) {
  for (int i = 0; i < n; i++) u[i] = 1.0;
  for (int k = 0; k < 10; k++) {
    times_a(n, u, tmp);
    times_at(n, tmp, v);
    times_a(n, v, tmp);
    times_at(n, tmp, u);
  }
  double vbv = 0, vv = 0;
  for (int i = 0; i < n; i++) {
    vbv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  return sqrt(vbv / vv);
}

int main(int argc, char** argv) {
  int size = argc > 1 ? atoi(argv[1]) : 1200;
  if (size < 1 || size > NMAX) {
    fprintf(stderr, "size must be in 1..%d\n", NMAX);
    return 2;
  }
  uint64_t escapes = mandelbrot(size);
  double norm = spectral_norm(size);
  printf("float64 size=%d escapes=%llu norm=%.12f\n", size, (unsigned long long)escapes, norm);
  return 0;
}
