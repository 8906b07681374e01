// Shared GEMM pieces of the native kernels (defined in knn.cc, the AVX-512 ones in gemm512.cc):
// aligned buffers, the 6 x 16 micro-kernels (AVX2+FMA or portable), the products of packed slivers
// (those, or AVX-512 12 x 32 tiles) and the blocked product of packed rows, plus the thread
// runner. Used by the k-NN (knn.cc) and the empirical-score denoiser (denoise.cc).
#pragma once
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <thread>
#include <vector>

#include "knn.h"

namespace scorescope {

// 64-byte aligned float buffers (the micro-kernel's aligned loads and stores).
float* allocFloats(size_t count);
void freeFloats(float* p);

struct AlignedFloats {
  float* data;
  explicit AlignedFloats(size_t count) : data(allocFloats(count)) {}
  ~AlignedFloats() { freeFloats(data); }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
};

// C[i * ldc + j] (+)= sum_k A[k * MR + i] * B[k * NR + j] for the 6 x 16 tile. B and the C rows
// must be 32-byte aligned (ldc a multiple of NR). AVX-512 has no 6 x 16 kernel (too few
// accumulators to hide the FMA latency): it goes through packedProduct's 12 x 32 tiles, and
// microKernel(Kernel::Avx512) answers the AVX2 one.
using MicroKernel = void (*)(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool accumulate);
MicroKernel microKernel(Kernel k);

// Depth-kc product of packed slivers: a query sliver q (MR rows, at A + q * aStride) times a
// reference sliver r (NR rows, at B + r * bStride) goes to C rows q * MR.., columns r * NR..,
// for q < aSlivers and r < bSlivers; each B sliver is reused from L1 across all A slivers.
// C rows must be 64-byte aligned (ldc a multiple of NR).
void packedProduct(Kernel k, int64_t kc, const float* A, int64_t aSlivers, int64_t aStride, const float* B, int64_t bSlivers,
                   int64_t bStride, float* C, int64_t ldc, bool accumulate);

// The AVX-512 packedProduct (gemm512.cc; only called when cpuHasAvx512()).
void packedProductAvx512(int64_t kc, const float* A, int64_t aSlivers, int64_t aStride, const float* B, int64_t bSlivers,
                         int64_t bStride, float* C, int64_t ldc, bool accumulate);
// The first j in [j, end) whose score norms[j] - 2 products[j] (float64) is <= worst, or end: the
// top-k selection skips the many products that cannot enter a full list 8 at a time (AVX-512).
int64_t scanBelowAvx512(const float* products, const double* norms, int64_t j, int64_t end, double worst);

// dst[cs * stride + t] = y[cs * NR + t] - mean[cs * NR + t] for the d values of one row (zeros past
// d): one row of the denoiser's packed block, 16 values per instruction (AVX-512).
void packCentredRowAvx512(const float* y, const float* mean, int64_t d, float* dst, int64_t stride);

// Depth of one pass of dotsBlock for a kernel: the reference slivers of a pass stay in L1.
int64_t depthBlock(Kernel k);
int64_t depthBlockAvx512();

// C[(qi) * ldc + rj] = dot(query row qs0*MR + qi, reference row rs0*NR + rj) over the full depth,
// for query slivers [qs0, qs1) and reference slivers [rs0, rs1). C must be 64-byte aligned and
// ldc a multiple of NR.
void dotsBlock(Kernel k, const Packed& q, int64_t qs0, int64_t qs1, const Packed& ref, int64_t rs0, int64_t rs1, float* C,
               int64_t ldc);

// Runs work(t) for t = 0..parts-1, t > 0 on new threads (inline if a thread cannot start).
template <class Work>
void runThreads(int parts, Work&& work) {
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(parts > 1 ? parts - 1 : 0));
  int started = 1;
  try {
    for (int t = 1; t < parts; t++, started++) threads.emplace_back(work, t);
  } catch (const std::system_error&) {
    for (int t = started; t < parts; t++) work(t);
  }
  work(0);
  for (auto& th : threads) th.join();
}

}  // namespace scorescope
