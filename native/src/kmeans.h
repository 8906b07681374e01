// Float64 pieces of JS k-means (electron/science/metrics/kmeans.ts) and of the squared norms,
// bit-identical to the JS loops: the same operations in the same order per output value, each
// rounded separately (no FMA: these files are compiled with floating-point contraction off).
// Vectorised across rows (each row's order over j stays sequential), never within a row.
#pragma once
#include <cstdint>

#include "knn.h"
#include "rows.h"

namespace scorescope {

// out[i] = sum over j ascending of v*v in double, v = the float32 value of row i (s = 0; s += v*v).
void squaredNorms(const RowSource& src, int64_t n, int64_t d, double* out, int threads);
// out[i] = unitLevels()[pixels[i]] for i < count (pixelsToUnit in JS), on up to `threads` threads.
void pixelsToUnit(const uint8_t* pixels, int64_t count, float* out, int threads);

// out[i * k + c] = sum over j ascending of (x_j - centre_c[j])^2 in double (t = x - c; s += t*t),
// x = row rows[i] of src. Avx512: 16 rows at a time in zmm lanes; any other kernel: scalar loops.
void centreDistances(const RowSource& src, int64_t d, const int32_t* rows, int64_t count, const double* centroids, int64_t k,
                     double* out, int threads, Kernel kernel);

// out[c * d + j] = sum over i ascending with assignment[i] == c of x_(rows[i])[j] (out zeroed first).
// Avx512: 16 columns per step; any other kernel: scalar loops.
void centreSums(const RowSource& src, int64_t d, const int32_t* rows, int64_t count, const int32_t* assignment, int64_t k,
                double* out, int threads, Kernel kernel);

// The AVX-512 centreDistances of rows [i0, i1) (kmeans512.cc; only called when cpuHasAvx512()).
void centreDistancesAvx512(const RowSource& src, int64_t d, const int32_t* rows, int64_t i0, int64_t i1,
                           const double* centroids, int64_t k, double* out);

// The AVX-512 centreSums over columns [j0, j1) of the zeroed `out` (kmeans512.cc).
void centreSumsAvx512(const RowSource& src, int64_t d, const int32_t* rows, int64_t count, const int32_t* assignment, int64_t j0,
                      int64_t j1, double* out);

}  // namespace scorescope
