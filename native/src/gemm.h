// Shared GEMM pieces of the native kernels (defined in knn.cc): aligned buffers, the 6 x 16
// micro-kernel (AVX2+FMA or portable) and the blocked product of packed rows, plus the thread
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
// must be 32-byte aligned (ldc a multiple of NR).
using MicroKernel = void (*)(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool accumulate);
MicroKernel microKernel(Kernel k);

// C[(qi) * ldc + rj] = dot(query row qs0*MR + qi, reference row rs0*NR + rj) over the full depth,
// for query slivers [qs0, qs1) and reference slivers [rs0, rs1). C must be 64-byte aligned and
// ldc a multiple of NR.
void dotsBlock(MicroKernel kern, const Packed& q, int64_t qs0, int64_t qs1, const Packed& ref, int64_t rs0, int64_t rs1,
               float* C, int64_t ldc);

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
