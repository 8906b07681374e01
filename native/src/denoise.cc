// Streaming log-sum-exp denoiser (see denoise.h). Per thread and reference segment: blocks of
// kBlockRefs rows -> logits of the query block with the shared GEMM (dotsBlock) -> running max,
// rescaled sums and weights in place -> weighted sum of the block's rows, as a packed GEMM with
// the same micro-kernel when the weights are dense, as row updates when few are non-zero.
#include "denoise.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SCORESCOPE_NO_X86)
#include <immintrin.h>
#define SCORESCOPE_DENOISE_X86 1
#else
#define SCORESCOPE_DENOISE_X86 0
#endif

namespace scorescope {
namespace {

// Weights below e^-87 of the running max are exactly 0 (e^-87 ~ the smallest normal float).
constexpr double kLogFloor = 87.0;
// Reference rows per block: one KC-deep sliver run of logits, and the depth of the weighted sum.
constexpr int64_t kBlockRefs = 256;
constexpr int64_t kBlockSlivers = kBlockRefs / kNR;
// Query rows per pass (bounds the per-segment sums: segments x rows x D floats).
constexpr int64_t kRowBlock = 96;
constexpr int64_t kMaxSegments = 16;
constexpr int64_t kRefsPerSegment = 1024;
#ifndef SCORESCOPE_SPARSE_RATIO
#define SCORESCOPE_SPARSE_RATIO 4
#endif
// The weighted sum updates rows one by one when at most 1 / kSparseRatio of the block weights are
// non-zero (vector row updates ~ a few times slower per flop than the GEMM).
constexpr int64_t kSparseRatio = SCORESCOPE_SPARSE_RATIO;
static_assert(kRowBlock % kMR == 0, "row block must be a multiple of MR");
static_assert(kBlockRefs % kNR == 0, "block must be a multiple of NR");

int64_t roundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

// Flush-to-zero and denormals-are-zero for this thread while alive: the rescaled sums and
// products of tiny weights must not fall into slow subnormal arithmetic.
struct FlushDenormals {
#if SCORESCOPE_DENOISE_X86
  unsigned saved = _mm_getcsr();
  FlushDenormals() { _mm_setcsr(saved | 0x8040u); }
  ~FlushDenormals() { _mm_setcsr(saved); }
#endif
};

// Running reduction of one segment for the rows of a query block.
struct SegmentSums {
  double* max;  // [rows]
  double* sum;  // [rows]
  float* acc;   // [rowsPad, dPad], sum_i w_i ytilde_i
};

struct Worker {
  AlignedFloats logits;   // [kRowBlock, kBlockRefs], logits then weights
  AlignedFloats weights;  // packed weights, [rowsPad / MR][n][MR]
  AlignedFloats rows;     // packed block rows, [dPad / NR][n][NR]
  std::vector<int32_t> index;  // one row's non-zero weights (sparse blocks)
  std::vector<float> weight;
  Worker(int64_t dPad)
      : logits(static_cast<size_t>(kRowBlock * kBlockRefs)),
        weights(static_cast<size_t>(kRowBlock * kBlockRefs)),
        rows(static_cast<size_t>(kBlockRefs * dPad)),
        index(static_cast<size_t>(kBlockRefs)),
        weight(static_cast<size_t>(kBlockRefs)) {}
};

// acc[k] += sum_c weight[c] * rows[index[c] * ld + k] for k < d: D in chunks of 64 floats held in
// registers while the weighted rows stream through.
using GatherAxpy = void (*)(int64_t d, const float* rows, int64_t ld, const int32_t* index, const float* weight, int64_t count,
                            float* acc);

void gatherPortable(int64_t d, const float* rows, int64_t ld, const int32_t* index, const float* weight, int64_t count,
                    float* acc) {
  for (int64_t k0 = 0; k0 < d; k0 += 64) {
    const int64_t e = std::min<int64_t>(64, d - k0);
    float a[64];
    for (int64_t t = 0; t < e; t++) a[t] = acc[k0 + t];
    for (int64_t c = 0; c < count; c++) {
      const float* y = rows + index[c] * ld + k0;
      const float wc = weight[c];
      for (int64_t t = 0; t < e; t++) a[t] += wc * y[t];
    }
    for (int64_t t = 0; t < e; t++) acc[k0 + t] = a[t];
  }
}

#if SCORESCOPE_DENOISE_X86
__attribute__((target("avx2,fma"))) void gatherAvx2(int64_t d, const float* rows, int64_t ld, const int32_t* index,
                                                    const float* weight, int64_t count, float* acc) {
  int64_t k0 = 0;
  for (; k0 + 64 <= d; k0 += 64) {
    __m256 a0 = _mm256_loadu_ps(acc + k0), a1 = _mm256_loadu_ps(acc + k0 + 8);
    __m256 a2 = _mm256_loadu_ps(acc + k0 + 16), a3 = _mm256_loadu_ps(acc + k0 + 24);
    __m256 a4 = _mm256_loadu_ps(acc + k0 + 32), a5 = _mm256_loadu_ps(acc + k0 + 40);
    __m256 a6 = _mm256_loadu_ps(acc + k0 + 48), a7 = _mm256_loadu_ps(acc + k0 + 56);
    for (int64_t c = 0; c < count; c++) {
      const float* y = rows + index[c] * ld + k0;
      const __m256 wc = _mm256_set1_ps(weight[c]);
      a0 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y), a0);
      a1 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y + 8), a1);
      a2 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y + 16), a2);
      a3 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y + 24), a3);
      a4 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y + 32), a4);
      a5 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y + 40), a5);
      a6 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y + 48), a6);
      a7 = _mm256_fmadd_ps(wc, _mm256_loadu_ps(y + 56), a7);
    }
    _mm256_storeu_ps(acc + k0, a0), _mm256_storeu_ps(acc + k0 + 8, a1);
    _mm256_storeu_ps(acc + k0 + 16, a2), _mm256_storeu_ps(acc + k0 + 24, a3);
    _mm256_storeu_ps(acc + k0 + 32, a4), _mm256_storeu_ps(acc + k0 + 40, a5);
    _mm256_storeu_ps(acc + k0 + 48, a6), _mm256_storeu_ps(acc + k0 + 56, a7);
  }
  for (; k0 + 8 <= d; k0 += 8) {
    __m256 a = _mm256_loadu_ps(acc + k0);
    for (int64_t c = 0; c < count; c++) a = _mm256_fmadd_ps(_mm256_set1_ps(weight[c]), _mm256_loadu_ps(rows + index[c] * ld + k0), a);
    _mm256_storeu_ps(acc + k0, a);
  }
  if (k0 < d) gatherPortable(d - k0, rows + k0, ld, index, weight, count, acc + k0);
}
#endif

GatherAxpy gatherFor(Kernel k) {
#if SCORESCOPE_DENOISE_X86
  // the row updates are memory-bound: AVX2 serves the AVX-512 path too
  if (k == Kernel::Avx2 || k == Kernel::Avx512) return gatherAvx2;
#endif
  (void)k;
  return gatherPortable;
}

struct Pass {
  const DenoiseInputs* in;
  Kernel kernel;
  GatherAxpy gather;
  const Packed* queries;
  const float* meanF;  // [d] float centre (zeros when none)
  int64_t R, rowsPad, d, dPad;
  double alpha, beta;
};

// Folds reference slivers [js, je) into the segment sums.
void foldBlock(const Pass& p, Worker& w, int64_t js, int64_t je, const SegmentSums& seg) {
  const Packed& ref = *p.in->ref;
  const int64_t i0 = js * kNR;
  const int64_t n = std::min(je * kNR, ref.rows) - i0;
  float* C = w.logits.data;
  dotsBlock(p.kernel, *p.queries, 0, p.queries->slivers, ref, js, je, C, kBlockRefs);

  const double* norms = p.in->norms + i0;
  int64_t pairs = 0;
  for (int64_t r = 0; r < p.R; r++) {
    float* c = C + r * kBlockRefs;
    double blockMax = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < n; j++) blockMax = std::max(blockMax, p.alpha * c[j] - p.beta * norms[j]);
    const double old = seg.max[r];
    if (blockMax > old) {
      seg.max[r] = blockMax;
      if (seg.sum[r] > 0) {
        float* acc = seg.acc + r * p.dPad;
        const double gap = old - blockMax;
        if (gap < -kLogFloor) {
          seg.sum[r] = 0;
          std::fill(acc, acc + p.d, 0.0f);
        } else {
          const double scale = std::exp(gap);
          seg.sum[r] *= scale;
          const float s = static_cast<float>(scale);
          for (int64_t k = 0; k < p.d; k++) acc[k] *= s;
        }
      }
    }
    const double top = seg.max[r];
    double sum = 0;
    for (int64_t j = 0; j < n; j++) {
      const double z = p.alpha * c[j] - p.beta * norms[j] - top;
      if (z < -kLogFloor) {
        c[j] = 0.0f;
      } else {
        const float wj = std::exp(static_cast<float>(z));
        c[j] = wj;
        sum += wj;
        pairs++;
      }
    }
    seg.sum[r] += sum;
  }
  if (pairs == 0) return;  // every weight of this block is exactly 0

  const float* mean = p.meanF;
  const int64_t d = p.d;
  if (pairs * kSparseRatio <= p.R * n) {
    // sparse: few (row, reference) pairs carry weight; per row, sum its weighted rows (uncentred,
    // then minus the weight sum times the mean)
    const float* block = p.in->rows + i0 * d;
    for (int64_t r = 0; r < p.R; r++) {
      const float* c = C + r * kBlockRefs;
      int64_t count = 0;
      float wsum = 0.0f;
      for (int64_t j = 0; j < n; j++) {
        if (c[j] == 0.0f) continue;
        w.index[count] = static_cast<int32_t>(j);
        w.weight[count] = c[j];
        wsum += c[j];
        count++;
      }
      if (count == 0) continue;
      float* acc = seg.acc + r * p.dPad;
      p.gather(d, block, d, w.index.data(), w.weight.data(), count, acc);
      if (p.in->mean) {
        for (int64_t k = 0; k < d; k++) acc[k] -= wsum * mean[k];
      }
    }
    return;
  }
  // dense: acc [rowsPad, dPad] += W [rowsPad, n] . Ytilde [n, dPad] with the micro-kernel
  float* W = w.weights.data;
  for (int64_t rs = 0; rs < p.rowsPad / kMR; rs++) {
    float* dst = W + rs * n * kMR;
    for (int64_t j = 0; j < n; j++) {
      for (int64_t i = 0; i < kMR; i++) {
        const int64_t r = rs * kMR + i;
        dst[j * kMR + i] = r < p.R ? C[r * kBlockRefs + j] : 0.0f;
      }
    }
  }
  float* Y = w.rows.data;
  for (int64_t j = 0; j < n; j++) {
    const float* y = p.in->rows + (i0 + j) * d;
    if (p.kernel == Kernel::Avx512) {
      packCentredRowAvx512(y, mean, d, Y + j * kNR, n * kNR);
      continue;
    }
    int64_t k = 0;
    for (int64_t cs = 0; k < d; cs++) {
      float* dst = Y + (cs * n + j) * kNR;
      const int64_t e = std::min<int64_t>(kNR, d - k);
      for (int64_t t = 0; t < e; t++) dst[t] = y[k + t] - mean[k + t];
      for (int64_t t = e; t < kNR; t++) dst[t] = 0.0f;
      k += kNR;
    }
  }
  packedProduct(p.kernel, n, W, p.rowsPad / kMR, n * kMR, Y, p.dPad / kNR, n * kNR, seg.acc, p.dPad, true);
}

}  // namespace

void denoise(const DenoiseInputs& in, const float* x, int64_t B, double m, double s2, float* out, double* lse, int threads,
             Kernel kernel) {
  const Packed& ref = *in.ref;
  const int64_t N = ref.rows;
  const int64_t d = ref.d;
  const int64_t dPad = roundUp(d, kNR);
  const double alpha = m / s2;
  const double beta = m * m / (2 * s2);
  std::vector<float> meanF(static_cast<size_t>(d), 0.0f);
  if (in.mean) {
    for (int64_t k = 0; k < d; k++) meanF[k] = static_cast<float>(in.mean[k]);
  }

  // segments depend on N only (not on the thread count): the same sums in the same order
  const int64_t segments = std::max<int64_t>(1, std::min<int64_t>(kMaxSegments, N / kRefsPerSegment));
  const int64_t slivers = ref.slivers;
  auto segStart = [&](int64_t g) { return slivers * g / segments; };

  const int64_t rowsMax = std::min(B, kRowBlock);
  const int64_t rowsPadMax = roundUp(rowsMax, kMR);
  AlignedFloats acc(static_cast<size_t>(segments * rowsPadMax * dPad));
  std::vector<double> maxima(static_cast<size_t>(segments * rowsMax)), sums(maxima.size());
  std::vector<float> q(static_cast<size_t>(rowsMax * d));

  for (int64_t r0 = 0; r0 < B; r0 += kRowBlock) {
    const int64_t R = std::min(kRowBlock, B - r0);
    const int64_t rowsPad = roundUp(R, kMR);
    for (int64_t r = 0; r < R; r++) {
      for (int64_t k = 0; k < d; k++) {
        q[r * d + k] = static_cast<float>(static_cast<double>(x[(r0 + r) * d + k]) - m * (in.mean ? in.mean[k] : 0.0));
      }
    }
    Packed queries;
    packRows(q.data(), R, d, kMR, 1, queries);
    struct FreeQueries {
      Packed& p;
      ~FreeQueries() { freePacked(p); }
    } freeQueries{queries};

    const Pass pass{&in, kernel, gatherFor(kernel), &queries, meanF.data(), R, rowsPad, d, dPad, alpha, beta};
    const double flops = 4.0 * static_cast<double>(R) * static_cast<double>(N) * static_cast<double>(d);
    int parts = threads < 1 ? 1 : threads;
    if (flops < 8e6) parts = 1;
    parts = static_cast<int>(std::min<int64_t>(parts, segments));
    std::atomic<int64_t> next{0};
    std::atomic<bool> failed{false};
    runThreads(parts, [&](int) {
      // an exception must not leave a std::thread (std::terminate): flag it, rethrow after join
      try {
        FlushDenormals ftz;
        Worker w(dPad);
        for (;;) {
          if (failed.load(std::memory_order_relaxed)) break;
          const int64_t g = next.fetch_add(1, std::memory_order_relaxed);
          if (g >= segments) break;
          SegmentSums seg{maxima.data() + g * rowsMax, sums.data() + g * rowsMax, acc.data + g * rowsPadMax * dPad};
          std::fill(seg.max, seg.max + R, -std::numeric_limits<double>::infinity());
          std::fill(seg.sum, seg.sum + R, 0.0);
          std::fill(seg.acc, seg.acc + rowsPad * dPad, 0.0f);
          for (int64_t js = segStart(g); js < segStart(g + 1); js += kBlockSlivers) {
            foldBlock(pass, w, js, std::min(js + kBlockSlivers, segStart(g + 1)), seg);
          }
        }
      } catch (...) {
        failed = true;
      }
    });
    if (failed) throw std::bad_alloc();  // the only exception the workers can meet

    // log-sum-exp merge of the segments, in segment order
    std::vector<double> factor(static_cast<size_t>(segments));
    std::vector<double> row(static_cast<size_t>(d));
    for (int64_t r = 0; r < R; r++) {
      double top = -std::numeric_limits<double>::infinity();
      for (int64_t g = 0; g < segments; g++) top = std::max(top, maxima[g * rowsMax + r]);
      double total = 0;
      for (int64_t g = 0; g < segments; g++) {
        const double gap = maxima[g * rowsMax + r] - top;
        factor[g] = gap < -kLogFloor ? 0.0 : std::exp(gap);
        total += factor[g] * sums[g * rowsMax + r];
      }
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t g = 0; g < segments; g++) {
        if (factor[g] == 0.0) continue;
        const float* a = acc.data + g * rowsPadMax * dPad + r * dPad;
        for (int64_t k = 0; k < d; k++) row[k] += factor[g] * a[k];
      }
      float* o = out + (r0 + r) * d;
      for (int64_t k = 0; k < d; k++) o[k] = static_cast<float>(row[k] / total + (in.mean ? in.mean[k] : 0.0));
      if (lse) lse[r0 + r] = top + std::log(total);
    }
  }
}

}  // namespace scorescope
