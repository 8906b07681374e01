// AVX-512F k-means distances (kmeans.h): 16 rows per step, one row per double lane of two zmm, so
// each row's sum over j stays sequential (t = x - c; s = s + t*t, every operation rounded as in
// JS) while 16 rows x up to 8 centres run as independent chains. Rows are staged transposed as
// float64 in a small tile, [j][16 rows], which one fill (16 x 16 register transposes) serves for
// every centre. The centre sums add 16 columns of a row per step (columns are independent; rows
// still go in ascending order). uint8 pixels become their levels in registers (rowValues).
// Contraction off (see kmeans.cc): an FMA here would change the last bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <vector>

#include "kmeans.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SCORESCOPE_NO_X86)
#define SCORESCOPE_AVX512 1
#include <immintrin.h>
#else
#define SCORESCOPE_AVX512 0
#endif

namespace scorescope {

#if SCORESCOPE_AVX512
namespace {

constexpr int kLanes = 16;      // rows per step
constexpr int64_t kDepth = 128; // columns per tile: 16 KB of float64, stays in L1

// acc[c][16] (+)= over j in [0, depth) of (tile[j] - centre_c[j])^2, CN centres.
template <int CN>
__attribute__((target("avx512f"))) void accumulate(const double* tile, int64_t depth, const double* centres, int64_t d,
                                                   double* acc) {
  __m512d lo[CN], hi[CN];
  for (int c = 0; c < CN; c++) {
    lo[c] = _mm512_loadu_pd(acc + c * kLanes);
    hi[c] = _mm512_loadu_pd(acc + c * kLanes + 8);
  }
  for (int64_t j = 0; j < depth; j++) {
    const __m512d x0 = _mm512_load_pd(tile + j * kLanes);
    const __m512d x1 = _mm512_load_pd(tile + j * kLanes + 8);
    for (int c = 0; c < CN; c++) {
      const __m512d centre = _mm512_set1_pd(centres[c * d + j]);
      const __m512d t0 = _mm512_sub_pd(x0, centre);
      const __m512d t1 = _mm512_sub_pd(x1, centre);
      lo[c] = _mm512_add_pd(lo[c], _mm512_mul_pd(t0, t0));
      hi[c] = _mm512_add_pd(hi[c], _mm512_mul_pd(t1, t1));
    }
  }
  for (int c = 0; c < CN; c++) {
    _mm512_storeu_pd(acc + c * kLanes, lo[c]);
    _mm512_storeu_pd(acc + c * kLanes + 8, hi[c]);
  }
}

using Accumulate = void (*)(const double*, int64_t, const double*, int64_t, double*);
constexpr Accumulate kAccumulate[9] = {nullptr,         accumulate<1>, accumulate<2>, accumulate<3>, accumulate<4>,
                                       accumulate<5>,   accumulate<6>, accumulate<7>, accumulate<8>};

// Transposes 16 rows of 16 floats in place: afterwards r[c] holds column c (row t in lane t).
__attribute__((target("avx512f"))) inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), e = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
  }
  for (int h = 0; h < 16; h += 8) {
    for (int i = 0; i < 4; i++) {
      t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + 4 + i], 0x88);
      t[h + 4 + i] = _mm512_shuffle_f32x4(r[h + i], r[h + 4 + i], 0xdd);
    }
  }
  for (int i = 0; i < 8; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
    r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xdd);
  }
}

// Row values of columns [j, j + width) (width <= 16; zeros past it) as 16 floats: the float32
// values, or the pixels' levels v/255 (a float division rounds v/255 exactly as (float)((double)v
// / 255) does for every byte: the binary expansion of v/255 repeats with period 8, so the double
// never lands on a float rounding midpoint; the tests compare all 256 levels bit for bit).
__attribute__((target("avx512f"))) inline __m512 rowValues(const RowSource& src, int64_t at, int width) {
  const __mmask16 mask = static_cast<__mmask16>(width >= 16 ? 0xffff : (1u << width) - 1);
  if (src.f32) return _mm512_maskz_loadu_ps(mask, src.f32 + at);
  alignas(16) uint8_t bytes[16] = {0};
  __m128i b;
  if (width >= 16) {
    b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src.u8 + at));
  } else {
    for (int t = 0; t < width; t++) bytes[t] = src.u8[at + t];
    b = _mm_load_si128(reinterpret_cast<const __m128i*>(bytes));
  }
  return _mm512_div_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b)), _mm512_set1_ps(255.0f));
}

// tile[j * 16 + r] = value of row r (r < live; 0 beyond) at column j0 + j, j < depth, as float64.
__attribute__((target("avx512f"))) void fillTile(const RowSource& src, int64_t d, const int32_t* rows, int live, int64_t j0,
                                                 int64_t depth, double* tile) {
  for (int64_t j = 0; j < depth; j += 16) {
    const int width = static_cast<int>(std::min<int64_t>(16, depth - j));
    __m512 r[16];
    for (int t = 0; t < 16; t++) {
      r[t] = t < live ? rowValues(src, static_cast<int64_t>(rows[t]) * d + j0 + j, width) : _mm512_setzero_ps();
    }
    transpose16(r);
    for (int c = 0; c < width; c++) {
      const __m512d v = _mm512_castps_pd(r[c]);
      _mm512_store_pd(tile + (j + c) * kLanes, _mm512_cvtps_pd(_mm512_castps512_ps256(r[c])));
      _mm512_store_pd(tile + (j + c) * kLanes + 8, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(v, 1))));
    }
  }
}

}  // namespace

__attribute__((target("avx512f"))) void centreDistancesAvx512(const RowSource& src, int64_t d, const int32_t* rows, int64_t i0,
                                                              int64_t i1, const double* centroids, int64_t k, double* out) {
  alignas(64) double tile[kDepth * kLanes];
  std::vector<double> acc(static_cast<size_t>(k * kLanes));
  for (int64_t i = i0; i < i1; i += kLanes) {
    const int live = static_cast<int>(std::min<int64_t>(kLanes, i1 - i));
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t j0 = 0; j0 < d; j0 += kDepth) {
      const int64_t depth = std::min(kDepth, d - j0);
      fillTile(src, d, rows + i, live, j0, depth, tile);
      for (int64_t c0 = 0; c0 < k; c0 += 8) {
        const int64_t cn = std::min<int64_t>(8, k - c0);
        kAccumulate[cn](tile, depth, centroids + c0 * d + j0, d, acc.data() + c0 * kLanes);
      }
    }
    for (int r = 0; r < live; r++) {
      for (int64_t c = 0; c < k; c++) out[(i + r) * k + c] = acc[static_cast<size_t>(c * kLanes + r)];
    }
  }
}

__attribute__((target("avx512f"))) void centreSumsAvx512(const RowSource& src, int64_t d, const int32_t* rows, int64_t count,
                                                         const int32_t* assignment, int64_t j0, int64_t j1, double* out) {
  for (int64_t i = 0; i < count; i++) {
    double* o = out + static_cast<int64_t>(assignment[i]) * d;
    const int64_t ro = static_cast<int64_t>(rows[i]) * d;
    for (int64_t j = j0; j < j1; j += 16) {
      const int width = static_cast<int>(std::min<int64_t>(16, j1 - j));
      const __m512 v = rowValues(src, ro + j, width);
      const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
      const __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
      if (width == 16) {
        _mm512_storeu_pd(o + j, _mm512_add_pd(_mm512_loadu_pd(o + j), lo));
        _mm512_storeu_pd(o + j + 8, _mm512_add_pd(_mm512_loadu_pd(o + j + 8), hi));
      } else {
        const __mmask8 m0 = static_cast<__mmask8>(width >= 8 ? 0xff : (1u << width) - 1);
        const __mmask8 m1 = static_cast<__mmask8>(width > 8 ? (1u << (width - 8)) - 1 : 0);
        _mm512_mask_storeu_pd(o + j, m0, _mm512_add_pd(_mm512_maskz_loadu_pd(m0, o + j), lo));
        _mm512_mask_storeu_pd(o + j + 8, m1, _mm512_add_pd(_mm512_maskz_loadu_pd(m1, o + j + 8), hi));
      }
    }
  }
}

#else
// Never called off x86-64 (cpuHasAvx512() is false there); defined so the binary links.
void centreDistancesAvx512(const RowSource&, int64_t, const int32_t*, int64_t, int64_t, const double*, int64_t, double*) {}
void centreSumsAvx512(const RowSource&, int64_t, const int32_t*, int64_t, const int32_t*, int64_t, int64_t, double*) {}
#endif

}  // namespace scorescope
