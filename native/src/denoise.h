// The ideal denoiser of the empirical optimal score (docs/math.md §3) on the packed reference:
//   ybar_b = sum_i w_bi y_i,  w_b = softmax_i(alpha q_b . ytilde_i - beta ||ytilde_i||^2),
// q_b = x_b - m mean, ytilde_i = y_i - mean (the packed rows), alpha = m / s2, beta = m^2 / (2 s2)
// (the ||q_b||^2 term of -||q_b - m ytilde_i||^2 / (2 s2) cancels in the softmax).
#pragma once
#include <cstdint>

#include "knn.h"

namespace scorescope {

struct DenoiseInputs {
  const Packed* ref = nullptr;    // centred rows ytilde, slivers of kNR
  const double* norms = nullptr;  // ||ytilde_i||^2 (float64), ref->rows of them
  const double* mean = nullptr;   // the centre (ref->d values), or null for 0
  const float* rows = nullptr;    // the uncentred rows y, row-major [ref->rows, ref->d]
};

// out[b * d + k] = ybar_b[k] for the B rows of x (row-major [B, d]); lse[b] (when not null) is
// the log-sum-exp of the logits above. Streams the reference in blocks with a running max per
// row; weights more than 87 below the running max are exactly 0. The reference is cut into
// segments that depend on its size only, each reduced by one thread and merged in order, so the
// result does not depend on the thread count.
void denoise(const DenoiseInputs& in, const float* x, int64_t B, double m, double s2, float* out, double* lse, int threads,
             Kernel kernel);

}  // namespace scorescope
