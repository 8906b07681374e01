// Blocked, packed SGEMM-style distance kernels with a fused top-p selection (see knn.h).
// Loop order per thread (BLIS-like): reference block (NC rows) -> query block (MC rows) ->
// depth pass (KC) -> reference sliver (NR) -> query sliver (MR) -> micro-kernel. A KC x NR
// reference sliver stays in L1 while the MC x KC query block streams from L2.
#include "knn.h"
#include "gemm.h"
#include "rows.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>

#include <cstdlib>
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SCORESCOPE_NO_X86)
#define SCORESCOPE_X86 1
#include <immintrin.h>
#else
#define SCORESCOPE_X86 0
#endif

#ifndef SCORESCOPE_KC
#define SCORESCOPE_KC 256
#endif
#ifndef SCORESCOPE_MC
#define SCORESCOPE_MC 96
#endif
#ifndef SCORESCOPE_NC
#define SCORESCOPE_NC 512
#endif
// AVX-512 query block: twice the rows per pass of a reference block (L2 holds 192 x KC queries
// and the 192 x NC products), so each reference row is streamed from memory half as often.
#ifndef SCORESCOPE_MC512
#define SCORESCOPE_MC512 192
#endif

namespace scorescope {
namespace {

constexpr int64_t kKC = SCORESCOPE_KC;
constexpr int64_t kMC = SCORESCOPE_MC;
constexpr int64_t kNC = SCORESCOPE_NC;
constexpr int64_t kMC512 = SCORESCOPE_MC512;
static_assert(kMC % kMR == 0, "MC must be a multiple of MR");
static_assert(kMC512 % (2 * kMR) == 0, "MC512 must be a multiple of 2 MR");
static_assert(kNC % kNR == 0, "NC must be a multiple of NR");

// The smallest reference block the guided hand-out gives (128 rows): below it the queries,
// streamed once per block, would cost more than the products.
constexpr int64_t kMinBlockSlivers = 8;

// Below this many flops a call runs on one thread: spawning costs more than it saves.
constexpr double kMinParallelFlops = 8e6;

constexpr std::align_val_t kAlign{64};

}  // namespace

// On Linux, buffers of 8 MB or more (the packed reference: 600 MB for CIFAR-10's 50 000 images)
// start on a 2 MB boundary, span whole 2 MB pages and ask for transparent huge pages (madvise mode
// is the common default): first touching 600 MB in 4 KB pages costs about 1.6 s of page faults on a
// small VM. Only advice: contents and results are unchanged, and where THP is off the buffer is an
// ordinary one. Every buffer comes from posix_memalign there, so freeFloats is free() for both sizes.
#if defined(__linux__)
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kHugeFrom = size_t{8} << 20;

float* allocFloats(size_t count) {
  size_t bytes = std::max<size_t>(count, 1) * sizeof(float);
  size_t align = static_cast<size_t>(kAlign);
  if (bytes >= kHugeFrom) {
    bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    align = kHugePage;
  }
  void* p = nullptr;
  if (posix_memalign(&p, align, bytes) != 0) throw std::bad_alloc();
  if (align == kHugePage) madvise(p, bytes, MADV_HUGEPAGE);  // failure is harmless (4 KB pages)
  return static_cast<float*>(p);
}
void freeFloats(float* p) { std::free(p); }
#else
float* allocFloats(size_t count) {
  return static_cast<float*>(::operator new(std::max<size_t>(count, 1) * sizeof(float), kAlign));
}
void freeFloats(float* p) { ::operator delete(p, kAlign); }
#endif

namespace {


// Plain loops the compiler can keep in registers: the 6 x 16 tile in two 6 x 8 halves, so the
// accumulators (12 four-wide vectors on SSE2/NEON) plus operands fit the register file.
void microPortable(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int64_t ldc,
                   bool accumulate) {
  constexpr int kHalf = kNR / 2;
  for (int h = 0; h < 2; h++) {
    float c[kMR][kHalf];
    for (int i = 0; i < kMR; i++)
      for (int j = 0; j < kHalf; j++) c[i][j] = 0.0f;
    const float* b = B + h * kHalf;
    const float* a = A;
    for (int64_t k = 0; k < kc; k++, a += kMR, b += kNR) {
      for (int i = 0; i < kMR; i++) {
        const float ai = a[i];
        for (int j = 0; j < kHalf; j++) c[i][j] += ai * b[j];
      }
    }
    for (int i = 0; i < kMR; i++) {
      float* row = C + i * ldc + h * kHalf;
      if (accumulate) {
        for (int j = 0; j < kHalf; j++) row[j] += c[i][j];
      } else {
        for (int j = 0; j < kHalf; j++) row[j] = c[i][j];
      }
    }
  }
}

#if SCORESCOPE_X86
// 12 accumulators (6 rows x 2 vectors of 8) + 2 B vectors + 1 broadcast = 15 of 16 ymm.
__attribute__((target("avx2,fma"))) void microAvx2(int64_t kc, const float* __restrict A, const float* __restrict B,
                                                   float* __restrict C, int64_t ldc, bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#define SCORESCOPE_STEP(K)                                            \
  {                                                                   \
    const __m256 b0 = _mm256_load_ps(B + (K) * kNR);                  \
    const __m256 b1 = _mm256_load_ps(B + (K) * kNR + 8);              \
    __m256 a = _mm256_broadcast_ss(A + (K) * kMR + 0);                \
    c00 = _mm256_fmadd_ps(a, b0, c00);                                \
    c01 = _mm256_fmadd_ps(a, b1, c01);                                \
    a = _mm256_broadcast_ss(A + (K) * kMR + 1);                       \
    c10 = _mm256_fmadd_ps(a, b0, c10);                                \
    c11 = _mm256_fmadd_ps(a, b1, c11);                                \
    a = _mm256_broadcast_ss(A + (K) * kMR + 2);                       \
    c20 = _mm256_fmadd_ps(a, b0, c20);                                \
    c21 = _mm256_fmadd_ps(a, b1, c21);                                \
    a = _mm256_broadcast_ss(A + (K) * kMR + 3);                       \
    c30 = _mm256_fmadd_ps(a, b0, c30);                                \
    c31 = _mm256_fmadd_ps(a, b1, c31);                                \
    a = _mm256_broadcast_ss(A + (K) * kMR + 4);                       \
    c40 = _mm256_fmadd_ps(a, b0, c40);                                \
    c41 = _mm256_fmadd_ps(a, b1, c41);                                \
    a = _mm256_broadcast_ss(A + (K) * kMR + 5);                       \
    c50 = _mm256_fmadd_ps(a, b0, c50);                                \
    c51 = _mm256_fmadd_ps(a, b1, c51);                                \
  }
  int64_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(B + 8 * kNR), _MM_HINT_T0);
    SCORESCOPE_STEP(0)
    SCORESCOPE_STEP(1)
    SCORESCOPE_STEP(2)
    SCORESCOPE_STEP(3)
    A += 4 * kMR;
    B += 4 * kNR;
  }
  for (; k < kc; k++) {
    SCORESCOPE_STEP(0)
    A += kMR;
    B += kNR;
  }
#undef SCORESCOPE_STEP
  float* r0 = C;
  float* r1 = C + ldc;
  float* r2 = C + 2 * ldc;
  float* r3 = C + 3 * ldc;
  float* r4 = C + 4 * ldc;
  float* r5 = C + 5 * ldc;
  if (accumulate) {
    c00 = _mm256_add_ps(c00, _mm256_load_ps(r0)), c01 = _mm256_add_ps(c01, _mm256_load_ps(r0 + 8));
    c10 = _mm256_add_ps(c10, _mm256_load_ps(r1)), c11 = _mm256_add_ps(c11, _mm256_load_ps(r1 + 8));
    c20 = _mm256_add_ps(c20, _mm256_load_ps(r2)), c21 = _mm256_add_ps(c21, _mm256_load_ps(r2 + 8));
    c30 = _mm256_add_ps(c30, _mm256_load_ps(r3)), c31 = _mm256_add_ps(c31, _mm256_load_ps(r3 + 8));
    c40 = _mm256_add_ps(c40, _mm256_load_ps(r4)), c41 = _mm256_add_ps(c41, _mm256_load_ps(r4 + 8));
    c50 = _mm256_add_ps(c50, _mm256_load_ps(r5)), c51 = _mm256_add_ps(c51, _mm256_load_ps(r5 + 8));
  }
  _mm256_store_ps(r0, c00), _mm256_store_ps(r0 + 8, c01);
  _mm256_store_ps(r1, c10), _mm256_store_ps(r1 + 8, c11);
  _mm256_store_ps(r2, c20), _mm256_store_ps(r2 + 8, c21);
  _mm256_store_ps(r3, c30), _mm256_store_ps(r3 + 8, c31);
  _mm256_store_ps(r4, c40), _mm256_store_ps(r4 + 8, c41);
  _mm256_store_ps(r5, c50), _mm256_store_ps(r5 + 8, c51);
}
#endif

}  // namespace

MicroKernel microKernel(Kernel k) {
#if SCORESCOPE_X86
  if (k == Kernel::Avx2 || k == Kernel::Avx512) return microAvx2;
#endif
  (void)k;
  return microPortable;
}

void packedProduct(Kernel k, int64_t kc, const float* A, int64_t aSlivers, int64_t aStride, const float* B, int64_t bSlivers,
                   int64_t bStride, float* C, int64_t ldc, bool accumulate) {
  if (k == Kernel::Avx512) {
    packedProductAvx512(kc, A, aSlivers, aStride, B, bSlivers, bStride, C, ldc, accumulate);
    return;
  }
  const MicroKernel kern = microKernel(k);
  for (int64_t r = 0; r < bSlivers; r++) {
    const float* b = B + r * bStride;
    float* column = C + r * kNR;
    for (int64_t q = 0; q < aSlivers; q++) kern(kc, A + q * aStride, b, column + q * kMR * ldc, ldc, accumulate);
  }
}

int64_t depthBlock(Kernel k) { return k == Kernel::Avx512 ? depthBlockAvx512() : kKC; }

void dotsBlock(Kernel k, const Packed& q, int64_t qs0, int64_t qs1, const Packed& ref, int64_t rs0, int64_t rs1, float* C,
               int64_t ldc) {
  const int64_t d = q.d;
  const int64_t depth = depthBlock(k);
  for (int64_t pc = 0; pc < d; pc += depth) {
    const int64_t kc = std::min(depth, d - pc);
    packedProduct(k, kc, q.data + qs0 * d * kMR + pc * kMR, qs1 - qs0, d * kMR, ref.data + rs0 * d * kNR + pc * kNR, rs1 - rs0,
                  d * kNR, C, ldc, pc > 0);
  }
}

namespace {

// Visits the products of all query rows with reference blocks of up to NC rows: visit(rowFirst,
// rowEnd, colFirst, colEnd, C, ldc) where C[(r - rowFirst) * ldc + (j - colFirst)] holds q_r . y_j.
// Blocks are handed out from `next` (reference slivers taken so far, shared by the threads) in
// guided fashion: a share of what remains, never more than NC rows nor fewer than kMinBlockSlivers,
// so a thread slowed down by other load takes fewer blocks and the threads finish together.
template <class Visit>
void forEachBlock(Kernel kernel, const Packed& q, const Packed& ref, int64_t s0, int64_t s1, int parts,
                  std::atomic<int64_t>& next, Visit&& visit) {
  const int64_t mc = kernel == Kernel::Avx512 ? kMC512 : kMC;
  AlignedFloats C(static_cast<size_t>(mc * kNC));
  const int64_t total = s1 - s0;
  // NC rows per block, fewer when that would leave threads idle (small calls: ~4 blocks each)
  const int64_t maxSlivers = std::max<int64_t>(1, std::min<int64_t>(kNC / kNR, (total + 4 * parts - 1) / (4 * parts)));
  const int64_t minSlivers = std::min<int64_t>(maxSlivers, kMinBlockSlivers);
  const int64_t querySliversPerBlock = mc / kMR;
  for (;;) {
    int64_t taken = next.load(std::memory_order_relaxed);
    int64_t size = 0;
    do {
      if (taken >= total) return;
      size = std::max(minSlivers, std::min(maxSlivers, (total - taken) / (2 * parts)));
    } while (!next.compare_exchange_weak(taken, taken + size, std::memory_order_relaxed));
    const int64_t js = s0 + taken;
    const int64_t je = std::min(js + size, s1);
    for (int64_t qs = 0; qs < q.slivers; qs += querySliversPerBlock) {
      const int64_t qe = std::min(qs + querySliversPerBlock, q.slivers);
      dotsBlock(kernel, q, qs, qe, ref, js, je, C.data, kNC);
      visit(qs * kMR, std::min(qe * kMR, q.rows), js * kNR, je * kNR, C.data, kNC);
    }
  }
}

int partsFor(int threads, int64_t slivers, double flops) {
  if (threads < 1) threads = 1;
  if (flops < kMinParallelFlops) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, slivers)));
}

// Inserts (s, j) into sorted list (sc, ix, count) of capacity pool, ordered by (score, index).
inline void insertCandidate(double* sc, int32_t* ix, int32_t& count, int64_t pool, double s, int32_t j) {
  int64_t pos = count < pool ? count : pool - 1;
  while (pos > 0 && (sc[pos - 1] > s || (sc[pos - 1] == s && ix[pos - 1] > j))) {
    sc[pos] = sc[pos - 1];
    ix[pos] = ix[pos - 1];
    pos--;
  }
  sc[pos] = s;
  ix[pos] = j;
  if (count < pool) count++;
}

}  // namespace

bool cpuHasAvx2Fma() {
#if SCORESCOPE_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpuHasAvx512() {
#if SCORESCOPE_X86
  __builtin_cpu_init();
  // libgcc's answer also checks that the OS saves the zmm registers (XCR0)
  return __builtin_cpu_supports("avx512f") && cpuHasAvx2Fma();
#else
  return false;
#endif
}

Kernel bestKernel() { return cpuHasAvx512() ? Kernel::Avx512 : cpuHasAvx2Fma() ? Kernel::Avx2 : Kernel::Portable; }

const char* kernelName(Kernel k) {
  return k == Kernel::Avx512 ? "native-avx512" : k == Kernel::Avx2 ? "native-avx2" : "native-portable";
}

namespace {

// Allocates `out` and fills it sliver by sliver on `threads` threads; row(r, dst) writes row r's d
// values to dst[k * width] (rows past `rows` are zeroed here).
template <class Row>
void packWith(int64_t rows, int64_t d, int64_t width, int threads, Packed& out, Row&& row) {
  Packed p;
  p.rows = rows;
  p.d = d;
  p.width = width;
  p.slivers = (rows + width - 1) / width;
  p.data = allocFloats(static_cast<size_t>(p.slivers * d * width));
  const int parts = partsFor(threads, p.slivers, static_cast<double>(rows) * static_cast<double>(d));
  runThreads(parts, [&](int t) {
    const int64_t s0 = p.slivers * t / parts, s1 = p.slivers * (t + 1) / parts;
    for (int64_t s = s0; s < s1; s++) {
      float* dst = p.data + s * d * width;
      for (int64_t r = 0; r < width; r++) {
        const int64_t at = s * width + r;
        if (at < rows) {
          row(at, dst + r);
        } else {
          for (int64_t k = 0; k < d; k++) dst[k * width + r] = 0.0f;
        }
      }
    }
  });
  out = p;
}

}  // namespace

void packRows(const float* src, int64_t rows, int64_t d, int64_t width, int threads, Packed& out, const double* shift) {
  packWith(rows, d, width, threads, out, [&](int64_t row, float* dst) {
    const float* from = src + row * d;
    if (shift) {
      for (int64_t k = 0; k < d; k++) dst[k * width] = static_cast<float>(static_cast<double>(from[k]) - shift[k]);
    } else {
      for (int64_t k = 0; k < d; k++) dst[k * width] = from[k];
    }
  });
}

void packRows(const uint8_t* src, int64_t rows, int64_t d, int64_t width, int threads, Packed& out) {
  const float* levels = unitLevels();
  packWith(rows, d, width, threads, out, [&](int64_t row, float* dst) {
    const uint8_t* from = src + row * d;
    for (int64_t k = 0; k < d; k++) dst[k * width] = levels[from[k]];
  });
}

void freePacked(Packed& p) {
  if (p.data) freeFloats(p.data);
  p = Packed();
}

void nearestBlock(const Packed& ref, const double* refNorms, const Packed& queries, int64_t refStart, int64_t refCount,
                  const Lists& lists, const int32_t* exclude, int threads, Kernel kernel) {
  const int64_t refEnd = refStart + refCount;
  const int64_t s0 = refStart / kNR;
  const int64_t s1 = (refEnd + kNR - 1) / kNR;
  const int64_t pool = lists.pool;
  const int64_t rows = lists.rows;
  const double flops = 2.0 * static_cast<double>(rows) * static_cast<double>(refCount) * static_cast<double>(ref.d);
  const int parts = partsFor(threads, s1 - s0, flops);

  // Each part works on its own copy of the incoming lists (parts == 1: on them directly), so a
  // part's threshold starts at the current k-th score and most products are rejected at once.
  const size_t cells = static_cast<size_t>(rows * pool);
  std::vector<Lists> own(static_cast<size_t>(parts), lists);
  std::vector<std::vector<double>> ownScores(static_cast<size_t>(parts > 1 ? parts : 0));
  std::vector<std::vector<int32_t>> ownIndices(ownScores.size()), ownCounts(ownScores.size());
  for (size_t t = 0; t < ownScores.size(); t++) {
    ownScores[t].assign(lists.scores, lists.scores + cells);
    ownIndices[t].assign(lists.indices, lists.indices + cells);
    ownCounts[t].assign(lists.counts, lists.counts + rows);
    own[t].scores = ownScores[t].data();
    own[t].indices = ownIndices[t].data();
    own[t].counts = ownCounts[t].data();
  }

  const bool vectorScan = kernel == Kernel::Avx512;
  std::atomic<int64_t> next{0};
  runThreads(parts, [&](int t) {
    const Lists& L = own[static_cast<size_t>(t)];
    forEachBlock(kernel, queries, ref, s0, s1, parts, next,
                 [&](int64_t rowFirst, int64_t rowEnd, int64_t colFirst, int64_t colEnd, const float* C, int64_t ldc) {
                   const int64_t lo = std::max(colFirst, refStart);
                   const int64_t hi = std::min(colEnd, refEnd);
                   for (int64_t r = rowFirst; r < rowEnd; r++) {
                     const float* products = C + (r - rowFirst) * ldc - colFirst;
                     double* sc = L.scores + r * pool;
                     int32_t* ix = L.indices + r * pool;
                     int32_t count = L.counts[r];
                     const int64_t skip = exclude ? exclude[r] : -1;
                     // while the list is not full anything finite enters (worstIndex -1: no tie rule)
                     double worst = count == pool ? sc[pool - 1] : std::numeric_limits<double>::infinity();
                     int64_t worstIndex = count == pool ? ix[pool - 1] : -1;
                     for (int64_t j = lo; j < hi; j++) {
                       if (vectorScan) {
                         // a superset of the candidates (<=): the exact test below decides
                         j = scanBelowAvx512(products, refNorms, j, hi, worst);
                         if (j >= hi) break;
                       }
                       const double s = refNorms[j] - 2.0 * static_cast<double>(products[j]);
                       if (s < worst || (s == worst && j < worstIndex)) {
                         if (j == skip) continue;
                         insertCandidate(sc, ix, count, pool, s, static_cast<int32_t>(j));
                         if (count == pool) {
                           worst = sc[pool - 1];
                           worstIndex = ix[pool - 1];
                         }
                       }
                     }
                     L.counts[r] = count;
                   }
                 });
  });

  if (parts == 1) return;
  // merge the parts' lists row by row; entries carried in from `lists` appear in every part
  std::vector<int64_t> head(static_cast<size_t>(parts));
  for (int64_t r = 0; r < rows; r++) {
    std::fill(head.begin(), head.end(), 0);
    double* outScores = lists.scores + r * pool;
    int32_t* outIndices = lists.indices + r * pool;
    int32_t written = 0;
    while (written < pool) {
      int best = -1;
      double bestScore = 0;
      int32_t bestIndex = 0;
      for (int t = 0; t < parts; t++) {
        const Lists& L = own[static_cast<size_t>(t)];
        const int64_t h = head[static_cast<size_t>(t)];
        if (h >= L.counts[r]) continue;
        const double s = L.scores[r * pool + h];
        const int32_t j = L.indices[r * pool + h];
        if (best < 0 || s < bestScore || (s == bestScore && j < bestIndex)) {
          best = t;
          bestScore = s;
          bestIndex = j;
        }
      }
      if (best < 0) break;
      head[static_cast<size_t>(best)]++;
      if (written > 0 && outIndices[written - 1] == bestIndex) continue;  // the same carried-in entry
      outScores[written] = bestScore;
      outIndices[written] = bestIndex;
      written++;
    }
    lists.counts[r] = written;
  }
}

void productsBlock(const Packed& ref, const Packed& queries, int64_t refStart, int64_t refCount, float* out, int threads,
                   Kernel kernel) {
  const int64_t refEnd = refStart + refCount;
  const int64_t s0 = refStart / kNR;
  const int64_t s1 = (refEnd + kNR - 1) / kNR;
  const double flops = 2.0 * static_cast<double>(queries.rows) * static_cast<double>(refCount) * static_cast<double>(ref.d);
  const int parts = partsFor(threads, s1 - s0, flops);
  std::atomic<int64_t> next{0};
  runThreads(parts, [&](int) {
    forEachBlock(kernel, queries, ref, s0, s1, parts, next,
                 [&](int64_t rowFirst, int64_t rowEnd, int64_t colFirst, int64_t colEnd, const float* C, int64_t ldc) {
                   const int64_t lo = std::max(colFirst, refStart);
                   const int64_t hi = std::min(colEnd, refEnd);
                   if (hi <= lo) return;
                   for (int64_t r = rowFirst; r < rowEnd; r++) {
                     std::memcpy(out + r * refCount + (lo - refStart), C + (r - rowFirst) * ldc + (lo - colFirst),
                                 static_cast<size_t>(hi - lo) * sizeof(float));
                   }
                 });
  });
}

}  // namespace scorescope
