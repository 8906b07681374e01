// Row sources of the native kernels: float32 rows, or uint8 pixels read as the float32 levels
// v/255 (the values pixelsToUnit gives in JS: Math.fround(v / 255)), never copied to float32 whole.
#pragma once
#include <cstdint>

namespace scorescope {

// levels()[v] = (float)((double)v / 255.0): one rounding of the exact quotient to double, then to
// float, the same two roundings as JS Math.fround(v / 255), so the tables agree bit for bit.
const float* unitLevels();
// The same levels widened to double (exact), and their squares in double (exact: 24-bit
// mantissas multiply into 48 bits), for the float64 loops.
const double* unitLevelsDouble();
const double* unitLevelSquares();

// One of the two element types; exactly one pointer is set.
struct RowSource {
  const float* f32 = nullptr;
  const uint8_t* u8 = nullptr;
};

}  // namespace scorescope
