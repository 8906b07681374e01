// Exact k-NN building blocks for ScoreScope: rows packed once into slivers, a blocked SGEMM
// of queries against reference rows (AVX-512 or AVX2+FMA kernels, or a portable one), and a top-p
// selection fused per block so the full queries x reference matrix never exists.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace scorescope {

// Register tile of the micro-kernel: MR query rows x NR reference rows.
constexpr int kMR = 6;
constexpr int kNR = 16;

// Avx512: 12 x 32 register tiles over pairs of slivers (gemm512.cc); Avx2: the 6 x 16 AVX2+FMA
// micro-kernel; Portable: plain loops. All three read the same packed layout.
enum class Kernel { Avx512, Avx2, Portable };

// True when the CPU runs the AVX2+FMA micro-kernel (x86-64 with both features).
bool cpuHasAvx2Fma();
// True when the CPU (and the OS, which must save the zmm state) runs AVX-512F.
bool cpuHasAvx512();
// The fastest kernel this CPU runs.
Kernel bestKernel();
const char* kernelName(Kernel k);

// Rows packed in slivers of `width` rows, layout [sliver][d][width]: a K range of one sliver
// is contiguous, which is what the micro-kernel streams. Rows past `rows` are zero.
struct Packed {
  float* data = nullptr;
  int64_t rows = 0;
  int64_t d = 0;
  int64_t width = 0;
  int64_t slivers = 0;
  size_t bytes() const { return static_cast<size_t>(slivers * d * width) * sizeof(float); }
};

// Allocates and fills `out` from row-major [rows, d], minus shift[k] per column when `shift` is
// given (centred rows for the empirical score); throws std::bad_alloc.
void packRows(const float* src, int64_t rows, int64_t d, int64_t width, int threads, Packed& out,
              const double* shift = nullptr);
// The same from uint8 pixels, each read as its float32 level v/255 (rows.h), without a float copy.
void packRows(const uint8_t* src, int64_t rows, int64_t d, int64_t width, int threads, Packed& out);
void freePacked(Packed& p);

// Running top-`pool` lists of one query block (the TypeScript CandidateLists buffers):
// row r holds counts[r] entries at [r * pool, ...), sorted by (score, index) ascending,
// score = ||y||^2 - 2 q.y in float64.
struct Lists {
  int64_t rows = 0;
  int64_t pool = 0;
  double* scores = nullptr;
  int32_t* indices = nullptr;
  int32_t* counts = nullptr;
};

// Merges reference rows [refStart, refStart + refCount) into `lists` (one list per query row of
// `queries`). exclude[r] (may be null; -1 = none) is a reference index row r must skip.
void nearestBlock(const Packed& ref, const double* refNorms, const Packed& queries, int64_t refStart, int64_t refCount,
                  const Lists& lists, const int32_t* exclude, int threads, Kernel kernel);

// out[r * refCount + c] = q_r . y_(refStart + c) in float32, for every query row r.
void productsBlock(const Packed& ref, const Packed& queries, int64_t refStart, int64_t refCount, float* out, int threads,
                   Kernel kernel);

}  // namespace scorescope
