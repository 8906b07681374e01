// k-means distances and sums, squared norms and the uint8 level tables (kmeans.h, rows.h).
// Bit-identity with the JS float64 loops needs every multiply and add rounded on its own: GCC
// contracts a*b+c into an FMA by default (-ffp-contract=fast) wherever FMA is available, so this
// file (and kmeans512.cc) turns contraction off for GCC and Clang alike.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "kmeans.h"

#include <algorithm>
#include <cstring>

#include "gemm.h"

namespace scorescope {

namespace {

struct Tables {
  float levels[256];
  double levelsDouble[256];
  double squares[256];
  Tables() {
    for (int v = 0; v < 256; v++) {
      levels[v] = static_cast<float>(static_cast<double>(v) / 255.0);
      levelsDouble[v] = static_cast<double>(levels[v]);
      squares[v] = levelsDouble[v] * levelsDouble[v];
    }
  }
};

const Tables& tables() {
  static const Tables t;  // thread-safe one-time initialisation (C++11)
  return t;
}

// Below this many multiply-adds a call runs on one thread: spawning costs more than it saves.
constexpr double kMinParallelWork = 2e6;

int partsFor(int threads, int64_t units, double work) {
  if (threads < 1 || work < kMinParallelWork) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, units)));
}

// The float64 value of element `index`: the float32 value, or the pixel's level.
struct F32 {
  const float* p;
  double operator()(int64_t index) const { return static_cast<double>(p[index]); }
};
struct U8 {
  const uint8_t* p;
  const double* levels;
  double operator()(int64_t index) const { return levels[p[index]]; }
};

// The square v * v in float64 of element `index` (exact: 24-bit mantissas, 48-bit product).
struct F32Square {
  const float* p;
  double operator()(int64_t index) const {
    const double v = static_cast<double>(p[index]);
    return v * v;
  }
};
struct U8Square {
  const uint8_t* p;
  const double* squares;
  double operator()(int64_t index) const { return squares[p[index]]; }
};

template <class Square>
void squaredNormsRange(Square square, int64_t d, int64_t r0, int64_t r1, double* out) {
  constexpr int kRows = 8;  // independent chains: hides the add latency, order per row unchanged
  int64_t r = r0;
  for (; r + kRows <= r1; r += kRows) {
    double s[kRows] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t j = 0; j < d; j++) {
      for (int t = 0; t < kRows; t++) s[t] = s[t] + square((r + t) * d + j);
    }
    for (int t = 0; t < kRows; t++) out[r + t] = s[t];
  }
  for (; r < r1; r++) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s = s + square(r * d + j);
    out[r] = s;
  }
}

// Scalar distances of rows [i0, i1) to CN centres starting at centre c0 (CN chains per row).
template <int CN, class Value>
void distancesScalar(Value value, int64_t d, const int32_t* rows, int64_t i0, int64_t i1, const double* centroids, int64_t c0,
                     int64_t k, double* out) {
  for (int64_t i = i0; i < i1; i++) {
    const int64_t ro = static_cast<int64_t>(rows[i]) * d;
    double s[CN];
    for (int c = 0; c < CN; c++) s[c] = 0;
    for (int64_t j = 0; j < d; j++) {
      const double x = value(ro + j);
      for (int c = 0; c < CN; c++) {
        const double t = x - centroids[(c0 + c) * d + j];
        const double p = t * t;
        s[c] = s[c] + p;
      }
    }
    for (int c = 0; c < CN; c++) out[i * k + c0 + c] = s[c];
  }
}

template <class Value>
void distancesScalarRange(Value value, int64_t d, const int32_t* rows, int64_t i0, int64_t i1, const double* centroids, int64_t k,
                          double* out) {
  int64_t c0 = 0;
  for (; c0 + 4 <= k; c0 += 4) distancesScalar<4>(value, d, rows, i0, i1, centroids, c0, k, out);
  for (; c0 < k; c0++) distancesScalar<1>(value, d, rows, i0, i1, centroids, c0, k, out);
}

}  // namespace

const float* unitLevels() { return tables().levels; }
const double* unitLevelsDouble() { return tables().levelsDouble; }
const double* unitLevelSquares() { return tables().squares; }

void pixelsToUnit(const uint8_t* pixels, int64_t count, float* out, int threads) {
  const float* levels = unitLevels();
  const int parts = partsFor(threads, (count + 65535) / 65536, static_cast<double>(count));
  runThreads(parts, [&](int t) {
    const int64_t i0 = count * t / parts, i1 = count * (t + 1) / parts;
    for (int64_t i = i0; i < i1; i++) out[i] = levels[pixels[i]];
  });
}

void squaredNorms(const RowSource& src, int64_t n, int64_t d, double* out, int threads) {
  const int parts = partsFor(threads, n, static_cast<double>(n) * static_cast<double>(d));
  runThreads(parts, [&](int t) {
    const int64_t r0 = n * t / parts, r1 = n * (t + 1) / parts;
    if (src.u8) {
      squaredNormsRange(U8Square{src.u8, unitLevelSquares()}, d, r0, r1, out);
    } else {
      squaredNormsRange(F32Square{src.f32}, d, r0, r1, out);
    }
  });
}

void centreDistances(const RowSource& src, int64_t d, const int32_t* rows, int64_t count, const double* centroids, int64_t k,
                     double* out, int threads, Kernel kernel) {
  constexpr int64_t kBlock = 16;  // the AVX-512 kernel's rows per step: ranges split on its multiples
  const int64_t blocks = (count + kBlock - 1) / kBlock;
  const int parts = partsFor(threads, blocks, static_cast<double>(count) * static_cast<double>(k) * static_cast<double>(d));
  const bool avx512 = kernel == Kernel::Avx512 && cpuHasAvx512();
  runThreads(parts, [&](int t) {
    const int64_t i0 = std::min(count, blocks * t / parts * kBlock);
    const int64_t i1 = std::min(count, blocks * (t + 1) / parts * kBlock);
    if (i1 <= i0) return;
    if (avx512) {
      centreDistancesAvx512(src, d, rows, i0, i1, centroids, k, out);
    } else if (src.u8) {
      distancesScalarRange(U8{src.u8, unitLevelsDouble()}, d, rows, i0, i1, centroids, k, out);
    } else {
      distancesScalarRange(F32{src.f32}, d, rows, i0, i1, centroids, k, out);
    }
  });
}

void centreSums(const RowSource& src, int64_t d, const int32_t* rows, int64_t count, const int32_t* assignment, int64_t k,
                double* out, int threads, Kernel kernel) {
  std::fill(out, out + k * d, 0.0);
  const bool avx512 = kernel == Kernel::Avx512 && cpuHasAvx512();
  // columns are independent: each part adds every row over its own column range, i ascending
  const int parts = partsFor(threads, (d + 63) / 64, static_cast<double>(count) * static_cast<double>(d));
  const double* levels = unitLevelsDouble();
  runThreads(parts, [&](int t) {
    const int64_t j0 = d * t / parts, j1 = d * (t + 1) / parts;
    if (avx512) {
      centreSumsAvx512(src, d, rows, count, assignment, j0, j1, out);
      return;
    }
    for (int64_t i = 0; i < count; i++) {
      double* o = out + static_cast<int64_t>(assignment[i]) * d;
      const int64_t ro = static_cast<int64_t>(rows[i]) * d;
      if (src.u8) {
        const uint8_t* x = src.u8 + ro;
        for (int64_t j = j0; j < j1; j++) o[j] = o[j] + levels[x[j]];
      } else {
        const float* x = src.f32 + ro;
        for (int64_t j = j0; j < j1; j++) o[j] = o[j] + static_cast<double>(x[j]);
      }
    }
  });
}

}  // namespace scorescope
