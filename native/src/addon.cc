// N-API surface of the ScoreScope kernels (plain node_api.h, context-aware, no global state):
//   info() -> { avx2, avx512, hardwareThreads }
//   packReference(data: Float32Array | Uint8Array, n, d, norms: Float64Array, mean?: Float64Array) -> handle
//     (with `mean`: rows packed centred, y - mean; norms must then be those of the centred rows;
//     float32 data only)
//   packQueries(data: Float32Array | Uint8Array, m, d) -> handle
//     (Uint8Array, here and below: pixels, each read as the float32 v/255 of rows.h, never copied
//     to a float32 array whole)
//   free(handle)
//   nearestBlock(ref, queries, refStart, refCount, pool, scores: Float64Array, indices: Int32Array,
//                counts: Int32Array, exclude: Int32Array | null, threads, kernel) -> Promise<void>
//   productsBlock(ref, queries, refStart, refCount, out: Float32Array, threads, kernel) -> Promise<void>
//   denoise(ref, rows: Float32Array, x: Float32Array, B, m, s2, out: Float32Array,
//           lse: Float64Array | null, threads, kernel) -> undefined   (SYNCHRONOUS, denoise.h)
//   squaredNorms(data: Float32Array | Uint8Array, n, d, out: Float64Array, threads) -> undefined
//   pixelsToUnit(pixels: Uint8Array, out: Float32Array, threads) -> undefined   (out[i] = v/255 as float32)
//   centreDistances(data: Float32Array | Uint8Array, d, rows: Int32Array, centroids: Float64Array, k,
//                   out: Float64Array, threads, kernel) -> undefined
//   centreSums(data: Float32Array | Uint8Array, d, rows: Int32Array, assignment: Int32Array, k,
//              out: Float64Array, threads, kernel) -> undefined
//     (SYNCHRONOUS, float64 and bit-identical to the JS loops of kmeans.ts: kmeans.h)
// threads: 0 means every hardware thread.
// kernel: 'avx512' | 'avx2' | 'portable' (a RangeError when this CPU lacks it), or a boolean as
// before (true: portable, false: the fastest this CPU runs).
// Handles are finalised by the GC if never freed; free() during a running call is deferred.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "denoise.h"
#include "kmeans.h"
#include "knn.h"

namespace {
using namespace scorescope;

const napi_type_tag kReferenceTag = {0x53636f726553636fULL, 0x7065526566657231ULL};
const napi_type_tag kQueriesTag = {0x53636f726553636fULL, 0x7065517565727931ULL};

struct Handle {
  Packed packed;
  std::vector<double> norms;  // reference handles only
  std::vector<double> mean;   // the centre of a centred reference (empty: not centred)
  int busy = 0;               // async calls using it; touched on the JS thread only
  bool freeRequested = false;
  bool released = false;
};

// Thrown inside argument parsing; turned into a JS TypeError/RangeError by the caller.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void releaseHandle(napi_env env, Handle* h) {
  if (h->released) return;
  int64_t adjusted = 0;
  napi_adjust_external_memory(env, -static_cast<int64_t>(h->packed.bytes() + h->norms.size() * sizeof(double)), &adjusted);
  freePacked(h->packed);
  std::vector<double>().swap(h->norms);
  std::vector<double>().swap(h->mean);
  h->released = true;
}

void finaliseHandle(napi_env env, void* data, void*) {
  auto* h = static_cast<Handle*>(data);
  releaseHandle(env, h);
  delete h;
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t expected) {
  size_t argc = expected;
  std::vector<napi_value> argv(expected);
  napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr);
  if (argc < expected) throw ArgError("expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  return argv;
}

int64_t integer(napi_env env, napi_value v, const char* what, int64_t min, int64_t max) {
  double x = 0;
  if (napi_get_value_double(env, v, &x) != napi_ok) throw ArgError(std::string(what) + " must be a number");
  if (!(x >= static_cast<double>(min) && x <= static_cast<double>(max)) || x != static_cast<double>(static_cast<int64_t>(x))) {
    throw ArgError(std::string(what) + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                   ", got " + std::to_string(x));
  }
  return static_cast<int64_t>(x);
}

bool boolean(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

template <class T>
T* typedArray(napi_env env, napi_value v, napi_typedarray_type want, const char* what, size_t minLength) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (is) napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  if (!is || type != want) throw ArgError(std::string(what) + " has the wrong type (expected a typed array of the right kind)");
  if (length < minLength) {
    throw ArgError(std::string(what) + " holds " + std::to_string(length) + " values, need " + std::to_string(minLength));
  }
  return static_cast<T*>(data);
}

// A typed array of the given kind and its length.
template <class T>
T* typedArrayWithLength(napi_env env, napi_value v, napi_typedarray_type want, const char* what, size_t& length) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type;
  void* data = nullptr;
  length = 0;
  if (is) napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  if (!is || type != want) throw ArgError(std::string(what) + " has the wrong type (expected a typed array of the right kind)");
  return static_cast<T*>(data);
}

// Float32Array, or Uint8Array / Uint8ClampedArray pixels, of at least minLength values.
RowSource rowSource(napi_env env, napi_value v, const char* what, size_t minLength) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (is) napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  if (!is || (type != napi_float32_array && type != napi_uint8_array && type != napi_uint8_clamped_array)) {
    throw ArgError(std::string(what) + " must be a Float32Array or a Uint8Array");
  }
  if (length < minLength) {
    throw ArgError(std::string(what) + " holds " + std::to_string(length) + " values, need " + std::to_string(minLength));
  }
  RowSource src;
  if (type == napi_float32_array) src.f32 = static_cast<const float*>(data);
  else src.u8 = static_cast<const uint8_t*>(data);
  return src;
}

Handle* handle(napi_env env, napi_value v, const napi_type_tag& tag, const char* what) {
  bool tagged = false;
  if (napi_check_object_type_tag(env, v, &tag, &tagged) != napi_ok || !tagged) throw ArgError(std::string(what) + " is not a packed handle of the right kind");
  void* data = nullptr;
  napi_get_value_external(env, v, &data);
  auto* h = static_cast<Handle*>(data);
  if (h->released || h->freeRequested) throw ArgError(std::string(what) + " was freed");
  return h;
}

// The kernel argument: a name this CPU runs, or the legacy boolean `portable`.
Kernel kernelArg(napi_env env, napi_value v) {
  napi_valuetype type;
  napi_typeof(env, v, &type);
  if (type == napi_boolean) return boolean(env, v) ? Kernel::Portable : bestKernel();
  char name[16] = {0};
  size_t length = 0;
  if (type != napi_string || napi_get_value_string_utf8(env, v, name, sizeof(name), &length) != napi_ok) {
    throw ArgError("kernel must be 'avx512', 'avx2' or 'portable'");
  }
  const std::string k(name, length);
  if (k == "portable") return Kernel::Portable;
  if (k == "avx2") {
    if (!cpuHasAvx2Fma()) throw ArgError("kernel 'avx2': this CPU has no AVX2+FMA");
    return Kernel::Avx2;
  }
  if (k == "avx512") {
    if (!cpuHasAvx512()) throw ArgError("kernel 'avx512': this CPU has no AVX-512F");
    return Kernel::Avx512;
  }
  throw ArgError("kernel must be 'avx512', 'avx2' or 'portable', got '" + k + "'");
}

napi_value throwArg(napi_env env, const std::exception& e) {
  napi_throw_range_error(env, "ERR_SCORESCOPE_KERNELS", e.what());
  return nullptr;
}

napi_value makeHandle(napi_env env, Handle* h, const napi_type_tag& tag) {
  napi_value out;
  if (napi_create_external(env, h, finaliseHandle, nullptr, &out) != napi_ok) {
    freePacked(h->packed);
    delete h;
    napi_throw_error(env, nullptr, "could not create a native handle");
    return nullptr;
  }
  napi_type_tag_object(env, out, &tag);
  int64_t adjusted = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(h->packed.bytes() + h->norms.size() * sizeof(double)), &adjusted);
  return out;
}

int hardwareThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, avx2, avx512, threads;
  napi_create_object(env, &out);
  napi_get_boolean(env, cpuHasAvx2Fma(), &avx2);
  napi_get_boolean(env, cpuHasAvx512(), &avx512);
  napi_create_int32(env, hardwareThreads(), &threads);
  napi_set_named_property(env, out, "avx2", avx2);
  napi_set_named_property(env, out, "avx512", avx512);
  napi_set_named_property(env, out, "hardwareThreads", threads);
  return out;
}

constexpr int64_t kMaxRows = 0x7fffffff;

napi_value Pack(napi_env env, napi_callback_info info, bool reference) {
  try {
    size_t argc = 5;
    std::vector<napi_value> argv(5);
    napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr);
    const size_t expected = reference ? 4 : 3;
    if (argc < expected) throw ArgError("expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
    bool centred = false;
    if (reference && argc >= 5) {
      napi_valuetype type;
      napi_typeof(env, argv[4], &type);
      centred = type != napi_undefined && type != napi_null;
    }
    const int64_t rows = integer(env, argv[1], "rows", 1, kMaxRows);
    const int64_t d = integer(env, argv[2], "d", 1, kMaxRows);
    const RowSource data = rowSource(env, argv[0], "data", static_cast<size_t>(rows * d));
    if (centred && data.u8) throw ArgError("packReference: a mean (centred rows) needs float32 data, not uint8 pixels");
    auto* h = new Handle();
    try {
      if (reference) {
        const double* norms = typedArray<double>(env, argv[3], napi_float64_array, "norms", static_cast<size_t>(rows));
        h->norms.assign(norms, norms + rows);
        if (centred) {
          const double* mean = typedArray<double>(env, argv[4], napi_float64_array, "mean", static_cast<size_t>(d));
          h->mean.assign(mean, mean + d);
        }
      }
      if (data.u8) {
        packRows(data.u8, rows, d, reference ? kNR : kMR, hardwareThreads(), h->packed);
      } else {
        packRows(data.f32, rows, d, reference ? kNR : kMR, hardwareThreads(), h->packed, centred ? h->mean.data() : nullptr);
      }
    } catch (...) {
      delete h;
      throw;
    }
    return makeHandle(env, h, reference ? kReferenceTag : kQueriesTag);
  } catch (const ArgError& e) {
    return throwArg(env, e);
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_SCORESCOPE_KERNELS", "out of memory packing rows for the native kernels");
    return nullptr;
  }
}

napi_value PackReference(napi_env env, napi_callback_info info) { return Pack(env, info, true); }
napi_value PackQueries(napi_env env, napi_callback_info info) { return Pack(env, info, false); }

napi_value Free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v;
  napi_get_cb_info(env, info, &argc, &v, nullptr, nullptr);
  bool ref = false, queries = false;
  if (argc >= 1) {
    napi_check_object_type_tag(env, v, &kReferenceTag, &ref);
    napi_check_object_type_tag(env, v, &kQueriesTag, &queries);
  }
  if (!ref && !queries) {
    napi_throw_type_error(env, "ERR_SCORESCOPE_KERNELS", "free: not a native handle");
    return nullptr;
  }
  void* data = nullptr;
  napi_get_value_external(env, v, &data);
  auto* h = static_cast<Handle*>(data);
  if (h->busy > 0) {
    h->freeRequested = true;
  } else {
    releaseHandle(env, h);
  }
  return nullptr;
}

struct Call {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  std::vector<napi_ref> keep;  // JS values that must outlive the work
  Handle* ref = nullptr;
  Handle* queries = nullptr;
  int64_t refStart = 0, refCount = 0;
  Lists lists;
  const int32_t* exclude = nullptr;
  float* out = nullptr;
  int threads = 1;
  Kernel kernel = Kernel::Portable;
  std::string error;
};

void Execute(napi_env, void* data) {
  auto* c = static_cast<Call*>(data);
  try {
    if (c->out) {
      productsBlock(c->ref->packed, c->queries->packed, c->refStart, c->refCount, c->out, c->threads, c->kernel);
    } else {
      nearestBlock(c->ref->packed, c->ref->norms.data(), c->queries->packed, c->refStart, c->refCount, c->lists, c->exclude,
                   c->threads, c->kernel);
    }
  } catch (const std::bad_alloc&) {
    c->error = "out of memory in the native kernels";
  } catch (const std::exception& e) {
    c->error = std::string("native kernels failed: ") + e.what();
  }
}

void settleHandle(napi_env env, Handle* h) {
  if (--h->busy == 0 && h->freeRequested) releaseHandle(env, h);
}

void Complete(napi_env env, napi_status status, void* data) {
  auto* c = static_cast<Call*>(data);
  settleHandle(env, c->ref);
  settleHandle(env, c->queries);
  if (status == napi_ok && c->error.empty()) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, c->deferred, undefined);
  } else {
    napi_value message, error;
    const std::string text = c->error.empty() ? "native kernels: the call was cancelled" : c->error;
    napi_create_string_utf8(env, text.c_str(), text.size(), &message);
    napi_create_error(env, nullptr, message, &error);
    napi_reject_deferred(env, c->deferred, error);
  }
  for (napi_ref r : c->keep) napi_delete_reference(env, r);
  napi_delete_async_work(env, c->work);
  delete c;
}

napi_value Queue(napi_env env, Call* c, const std::vector<napi_value>& keepAlive) {
  napi_value promise, name;
  napi_create_promise(env, &c->deferred, &promise);
  for (napi_value v : keepAlive) {
    napi_valuetype type;
    napi_typeof(env, v, &type);
    if (type != napi_object && type != napi_external) continue;  // null exclude: nothing to keep
    napi_ref r;
    if (napi_create_reference(env, v, 1, &r) == napi_ok) c->keep.push_back(r);
  }
  c->ref->busy++;
  c->queries->busy++;
  napi_create_string_utf8(env, "scorescope:kernels", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, Execute, Complete, c, &c->work);
  napi_queue_async_work(env, c->work);
  return promise;
}

// Shared checks of (ref, queries, refStart, refCount) and the thread/kernel options.
void readCommon(napi_env env, const std::vector<napi_value>& argv, size_t threadsAt, Call& c) {
  c.ref = handle(env, argv[0], kReferenceTag, "reference");
  c.queries = handle(env, argv[1], kQueriesTag, "queries");
  if (c.ref->packed.d != c.queries->packed.d) {
    throw ArgError("queries have " + std::to_string(c.queries->packed.d) + " values per row, the reference has " +
                   std::to_string(c.ref->packed.d));
  }
  c.refStart = integer(env, argv[2], "refStart", 0, c.ref->packed.rows - 1);
  c.refCount = integer(env, argv[3], "refCount", 1, c.ref->packed.rows - c.refStart);
  const int64_t threads = integer(env, argv[threadsAt], "threads", 0, 1024);
  c.threads = threads == 0 ? hardwareThreads() : static_cast<int>(threads);
  c.kernel = kernelArg(env, argv[threadsAt + 1]);
}

napi_value NearestBlock(napi_env env, napi_callback_info info) {
  auto* c = new Call();
  try {
    auto argv = args(env, info, 11);
    readCommon(env, argv, 9, *c);
    const int64_t rows = c->queries->packed.rows;
    const int64_t pool = integer(env, argv[4], "pool", 1, kMaxRows / rows);
    c->lists.rows = rows;
    c->lists.pool = pool;
    c->lists.scores = typedArray<double>(env, argv[5], napi_float64_array, "scores", static_cast<size_t>(rows * pool));
    c->lists.indices = typedArray<int32_t>(env, argv[6], napi_int32_array, "indices", static_cast<size_t>(rows * pool));
    c->lists.counts = typedArray<int32_t>(env, argv[7], napi_int32_array, "counts", static_cast<size_t>(rows));
    napi_valuetype excludeType;
    napi_typeof(env, argv[8], &excludeType);
    if (excludeType != napi_null && excludeType != napi_undefined) {
      c->exclude = typedArray<int32_t>(env, argv[8], napi_int32_array, "exclude", static_cast<size_t>(rows));
    }
    for (int64_t r = 0; r < rows; r++) {
      if (c->lists.counts[r] < 0 || c->lists.counts[r] > pool) throw ArgError("counts[" + std::to_string(r) + "] is outside 0..pool");
    }
    return Queue(env, c, {argv[0], argv[1], argv[5], argv[6], argv[7], argv[8]});
  } catch (const ArgError& e) {
    delete c;
    return throwArg(env, e);
  }
}

napi_value ProductsBlock(napi_env env, napi_callback_info info) {
  auto* c = new Call();
  try {
    auto argv = args(env, info, 7);
    readCommon(env, argv, 5, *c);
    c->out = typedArray<float>(env, argv[4], napi_float32_array, "out", static_cast<size_t>(c->queries->packed.rows * c->refCount));
    return Queue(env, c, {argv[0], argv[1], argv[4]});
  } catch (const ArgError& e) {
    delete c;
    return throwArg(env, e);
  }
}

double number(napi_env env, napi_value v, const char* what) {
  double x = 0;
  if (napi_get_value_double(env, v, &x) != napi_ok || !std::isfinite(x)) throw ArgError(std::string(what) + " must be a finite number");
  return x;
}

// Synchronous on purpose: Score.at is synchronous and runs in the engine worker; the call
// blocks while the internal threads work.
napi_value Denoise(napi_env env, napi_callback_info info) {
  try {
    auto argv = args(env, info, 10);
    Handle* ref = handle(env, argv[0], kReferenceTag, "reference");
    const int64_t n = ref->packed.rows, d = ref->packed.d;
    const float* rows = typedArray<float>(env, argv[1], napi_float32_array, "rows", static_cast<size_t>(n * d));
    const int64_t B = integer(env, argv[3], "B", 1, kMaxRows / d);
    const float* x = typedArray<float>(env, argv[2], napi_float32_array, "x", static_cast<size_t>(B * d));
    const double m = number(env, argv[4], "m");
    const double s2 = number(env, argv[5], "s2");
    if (!(s2 > 0)) throw ArgError("s2 must be positive, got " + std::to_string(s2));
    float* out = typedArray<float>(env, argv[6], napi_float32_array, "out", static_cast<size_t>(B * d));
    napi_valuetype lseType;
    napi_typeof(env, argv[7], &lseType);
    double* lse = nullptr;
    if (lseType != napi_null && lseType != napi_undefined) lse = typedArray<double>(env, argv[7], napi_float64_array, "lse", static_cast<size_t>(B));
    const int64_t threads = integer(env, argv[8], "threads", 0, 1024);
    const Kernel kernel = kernelArg(env, argv[9]);
    DenoiseInputs in;
    in.ref = &ref->packed;
    in.norms = ref->norms.data();
    in.mean = ref->mean.empty() ? nullptr : ref->mean.data();
    in.rows = rows;
    denoise(in, x, B, m, s2, out, lse, threads == 0 ? hardwareThreads() : static_cast<int>(threads), kernel);
    return nullptr;
  } catch (const ArgError& e) {
    return throwArg(env, e);
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_SCORESCOPE_KERNELS", "out of memory in the native denoiser");
    return nullptr;
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_SCORESCOPE_KERNELS", (std::string("native denoiser failed: ") + e.what()).c_str());
    return nullptr;
  }
}

int threadsArg(napi_env env, napi_value v) {
  const int64_t threads = integer(env, v, "threads", 0, 1024);
  return threads == 0 ? hardwareThreads() : static_cast<int>(threads);
}

// Row indices (an Int32Array, its length in `count`), each in 0..n-1 for data of n rows.
const int32_t* rowsArg(napi_env env, napi_value v, size_t& count, int64_t n) {
  const int32_t* rows = typedArrayWithLength<int32_t>(env, v, napi_int32_array, "rows", count);
  for (size_t i = 0; i < count; i++) {
    if (rows[i] < 0 || rows[i] >= n) throw ArgError("rows[" + std::to_string(i) + "] = " + std::to_string(rows[i]) + " is outside 0.." + std::to_string(n - 1));
  }
  return rows;
}

template <class Work>
napi_value synchronous(napi_env env, const char* what, Work&& work) {
  try {
    work();
    return nullptr;
  } catch (const ArgError& e) {
    return throwArg(env, e);
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_SCORESCOPE_KERNELS", (std::string("out of memory in ") + what).c_str());
    return nullptr;
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_SCORESCOPE_KERNELS", (std::string(what) + " failed: " + e.what()).c_str());
    return nullptr;
  }
}

// The number of whole rows of `d` values a data array holds.
int64_t rowsIn(napi_env env, napi_value v, int64_t d) {
  size_t length = 0;
  napi_typedarray_type type;
  void* data = nullptr;
  napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  return static_cast<int64_t>(length) / d;
}

napi_value SquaredNorms(napi_env env, napi_callback_info info) {
  return synchronous(env, "squaredNorms", [&] {
    auto argv = args(env, info, 5);
    const int64_t n = integer(env, argv[1], "n", 0, kMaxRows);
    const int64_t d = integer(env, argv[2], "d", 1, kMaxRows);
    const RowSource src = rowSource(env, argv[0], "data", static_cast<size_t>(n * d));
    double* out = typedArray<double>(env, argv[3], napi_float64_array, "out", static_cast<size_t>(n));
    squaredNorms(src, n, d, out, threadsArg(env, argv[4]));
  });
}

napi_value PixelsToUnit(napi_env env, napi_callback_info info) {
  return synchronous(env, "pixelsToUnit", [&] {
    auto argv = args(env, info, 3);
    size_t count = 0;
    const uint8_t* pixels = typedArrayWithLength<uint8_t>(env, argv[0], napi_uint8_array, "pixels", count);
    float* out = typedArray<float>(env, argv[1], napi_float32_array, "out", count);
    pixelsToUnit(pixels, static_cast<int64_t>(count), out, threadsArg(env, argv[2]));
  });
}

// The arguments centreDistances and centreSums share: data, d, rows (argument 2) and k (argument 4).
struct CentreArgs {
  int64_t d = 0;
  RowSource src;
  const int32_t* rows = nullptr;
  size_t count = 0;
  int64_t k = 0;
};

CentreArgs centreArgs(napi_env env, const std::vector<napi_value>& argv) {
  CentreArgs a;
  a.d = integer(env, argv[1], "d", 1, kMaxRows);
  a.src = rowSource(env, argv[0], "data", 0);
  a.rows = rowsArg(env, argv[2], a.count, rowsIn(env, argv[0], a.d));
  a.k = integer(env, argv[4], "k", 1, kMaxRows / a.d);
  return a;
}

napi_value CentreDistances(napi_env env, napi_callback_info info) {
  return synchronous(env, "centreDistances", [&] {
    auto argv = args(env, info, 8);
    const auto [d, src, rows, count, k] = centreArgs(env, argv);
    const double* centroids = typedArray<double>(env, argv[3], napi_float64_array, "centroids", static_cast<size_t>(k * d));
    if (count > 0 && static_cast<int64_t>(count) > kMaxRows / k) throw ArgError("rows x k is too large");
    double* out = typedArray<double>(env, argv[5], napi_float64_array, "out", count * static_cast<size_t>(k));
    centreDistances(src, d, rows, static_cast<int64_t>(count), centroids, k, out, threadsArg(env, argv[6]), kernelArg(env, argv[7]));
  });
}

napi_value CentreSums(napi_env env, napi_callback_info info) {
  return synchronous(env, "centreSums", [&] {
    auto argv = args(env, info, 8);
    const auto [d, src, rows, count, k] = centreArgs(env, argv);
    const int32_t* assignment = typedArray<int32_t>(env, argv[3], napi_int32_array, "assignment", count);
    for (size_t i = 0; i < count; i++) {
      if (assignment[i] < 0 || assignment[i] >= k) throw ArgError("assignment[" + std::to_string(i) + "] is outside 0..k-1");
    }
    double* out = typedArray<double>(env, argv[5], napi_float64_array, "out", static_cast<size_t>(k * d));
    centreSums(src, d, rows, static_cast<int64_t>(count), assignment, k, out, threadsArg(env, argv[6]), kernelArg(env, argv[7]));
  });
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"packReference", nullptr, PackReference, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"packQueries", nullptr, PackQueries, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"free", nullptr, Free, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"nearestBlock", nullptr, NearestBlock, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"productsBlock", nullptr, ProductsBlock, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denoise", nullptr, Denoise, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"squaredNorms", nullptr, SquaredNorms, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pixelsToUnit", nullptr, PixelsToUnit, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"centreDistances", nullptr, CentreDistances, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"centreSums", nullptr, CentreSums, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
