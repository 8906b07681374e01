// AVX-512F products of packed slivers (gemm.h). The packed layout is the one of every kernel
// (query slivers of MR = 6 rows, reference slivers of NR = 16), so one reference sliver row is one
// zmm. The register tile takes two query slivers and two reference slivers at once, 12 x 32:
// 24 zmm accumulators, 2 reference loads and 12 broadcasts per depth step for 24 FMAs, which keeps
// both FMA pipes busy where the 6 x 16 tile (6 accumulators) would be latency-bound.
// Compiled for any x86-64: only these functions carry target("avx512f") and they are reached only
// when cpuHasAvx512() (knn.cc), so the binary still runs on AVX2-only CPUs.
#include <algorithm>

#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SCORESCOPE_NO_X86)
#define SCORESCOPE_AVX512 1
#include <immintrin.h>
#else
#define SCORESCOPE_AVX512 0
#endif

#ifndef SCORESCOPE_KC512
#define SCORESCOPE_KC512 256
#endif

namespace scorescope {

#if SCORESCOPE_AVX512
namespace {

// C (12 or 6 rows, 32 or 16 columns) (+)= A slivers (MA of them) x B slivers (NB of them) over kc.
// Unaligned loads and stores: as fast as aligned ones on aligned data, and safe on any caller's.
template <int MA, int NB>
__attribute__((target("avx512f"))) void tile(int64_t kc, const float* __restrict A0, const float* __restrict A1,
                                             const float* __restrict B0, const float* __restrict B1, float* __restrict C,
                                             int64_t ldc, bool accumulate) {
  __m512 c[MA * kMR][NB];
#pragma GCC unroll 12
  for (int i = 0; i < MA * kMR; i++)
    for (int j = 0; j < NB; j++) c[i][j] = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    __m512 b[NB];
    b[0] = _mm512_loadu_ps(B0 + k * kNR);
    if (NB > 1) b[NB - 1] = _mm512_loadu_ps(B1 + k * kNR);
    for (int i = 0; i < kMR; i++) {
      const __m512 a = _mm512_set1_ps(A0[k * kMR + i]);
      for (int j = 0; j < NB; j++) c[i][j] = _mm512_fmadd_ps(a, b[j], c[i][j]);
    }
    if (MA > 1) {
      for (int i = 0; i < kMR; i++) {
        const __m512 a = _mm512_set1_ps(A1[k * kMR + i]);
        for (int j = 0; j < NB; j++) c[kMR + i][j] = _mm512_fmadd_ps(a, b[j], c[kMR + i][j]);
      }
    }
  }
  // unrolled so the accumulators go straight from registers to C (no copy through the stack)
#pragma GCC unroll 12
  for (int i = 0; i < MA * kMR; i++) {
    float* row = C + i * ldc;
    for (int j = 0; j < NB; j++) {
      if (accumulate) c[i][j] = _mm512_add_ps(c[i][j], _mm512_loadu_ps(row + j * kNR));
      _mm512_storeu_ps(row + j * kNR, c[i][j]);
    }
  }
}

}  // namespace

void packedProductAvx512(int64_t kc, const float* A, int64_t aSlivers, int64_t aStride, const float* B, int64_t bSlivers,
                         int64_t bStride, float* C, int64_t ldc, bool accumulate) {
  for (int64_t r = 0; r < bSlivers; r += 2) {
    const float* B0 = B + r * bStride;
    const float* B1 = B0 + bStride;
    const bool pairB = r + 1 < bSlivers;
    float* column = C + r * kNR;
    for (int64_t q = 0; q < aSlivers; q += 2) {
      const float* A0 = A + q * aStride;
      const float* A1 = A0 + aStride;
      float* out = column + q * kMR * ldc;
      if (q + 1 < aSlivers) {
        if (pairB) tile<2, 2>(kc, A0, A1, B0, B1, out, ldc, accumulate);
        else tile<2, 1>(kc, A0, A1, B0, nullptr, out, ldc, accumulate);
      } else {
        if (pairB) tile<1, 2>(kc, A0, nullptr, B0, B1, out, ldc, accumulate);
        else tile<1, 1>(kc, A0, nullptr, B0, nullptr, out, ldc, accumulate);
      }
    }
  }
}

__attribute__((target("avx512f"))) void packCentredRowAvx512(const float* y, const float* mean, int64_t d, float* dst,
                                                             int64_t stride) {
  int64_t k = 0;
  for (; k + kNR <= d; k += kNR, dst += stride) {
    _mm512_storeu_ps(dst, _mm512_sub_ps(_mm512_loadu_ps(y + k), _mm512_loadu_ps(mean + k)));
  }
  if (k < d) {
    const __mmask16 tail = static_cast<__mmask16>((1u << (d - k)) - 1);
    _mm512_storeu_ps(dst, _mm512_sub_ps(_mm512_maskz_loadu_ps(tail, y + k), _mm512_maskz_loadu_ps(tail, mean + k)));
  }
}

__attribute__((target("avx512f"))) int64_t scanBelowAvx512(const float* products, const double* norms, int64_t j, int64_t end,
                                                           double worst) {
  const __m512d bound = _mm512_set1_pd(worst);
  const __m512d two = _mm512_set1_pd(2.0);
  for (; j + 8 <= end; j += 8) {
    // maskz with every lane set: the plain cvtps_pd trips GCC 12's -Wmaybe-uninitialized
    const __m512d p = _mm512_maskz_cvtps_pd(0xff, _mm256_loadu_ps(products + j));
    // norms - 2 p with one rounding: 2 p is exact, so this is the scalar score bit for bit
    const __m512d score = _mm512_fnmadd_pd(two, p, _mm512_loadu_pd(norms + j));
    const unsigned mask = _mm512_cmp_pd_mask(score, bound, _CMP_LE_OQ);
    if (mask) return j + __builtin_ctz(mask);
  }
  for (; j < end; j++) {
    if (norms[j] - 2.0 * static_cast<double>(products[j]) <= worst) return j;
  }
  return end;
}

int64_t depthBlockAvx512() { return SCORESCOPE_KC512; }

#else
// Never called off x86-64 (cpuHasAvx512() is false there); defined so the binary links.
void packedProductAvx512(int64_t kc, const float* A, int64_t aSlivers, int64_t aStride, const float* B, int64_t bSlivers,
                         int64_t bStride, float* C, int64_t ldc, bool accumulate) {
  packedProduct(Kernel::Portable, kc, A, aSlivers, aStride, B, bSlivers, bStride, C, ldc, accumulate);
}
void packCentredRowAvx512(const float* y, const float* mean, int64_t d, float* dst, int64_t stride) {
  for (int64_t k = 0; k < d; k += kNR, dst += stride) {
    for (int64_t t = 0; t < kNR; t++) dst[t] = k + t < d ? y[k + t] - mean[k + t] : 0.0f;
  }
}
int64_t scanBelowAvx512(const float* products, const double* norms, int64_t j, int64_t end, double worst) {
  for (; j < end; j++) {
    if (norms[j] - 2.0 * static_cast<double>(products[j]) <= worst) return j;
  }
  return end;
}
int64_t depthBlockAvx512() { return 256; }
#endif

}  // namespace scorescope
