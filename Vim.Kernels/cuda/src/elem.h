// elem.h — element types of the opt-in reduced-precision mode: loads of fp32 / bf16 / fp16 as fp32 and rounding
// fp32 to them, written on the raw 16-bit patterns so they compile for every architecture (CUDA 11.8 included) and
// need no sm_80 instruction: bf16 → fp32 is a shift, fp32 → bf16 rounds to nearest even in integer arithmetic.
#pragma once
#include <cuda_fp16.h>
#include <cstdint>

namespace vim {

// Storage types: bf16 and fp16 travel as their 16-bit patterns.
struct bf16_t { uint16_t bits; };
struct f16_t { uint16_t bits; };

__device__ __forceinline__ float load_f32(const float* p) { return __ldg(p); }
__device__ __forceinline__ float load_f32(const bf16_t* p) {
    return __uint_as_float((unsigned)__ldg(reinterpret_cast<const unsigned short*>(p)) << 16);
}
__device__ __forceinline__ float load_f32(const f16_t* p) {
    return __half2float(__ushort_as_half(__ldg(reinterpret_cast<const unsigned short*>(p))));
}

__host__ __device__ __forceinline__ uint16_t f32_to_bf16_bits(float f) {
#ifdef __CUDA_ARCH__
    unsigned u = __float_as_uint(f);
#else
    unsigned u;
    __builtin_memcpy(&u, &f, 4);
#endif
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);  // NaN stays a (quiet) NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

__device__ __forceinline__ void store_from_f32(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_from_f32(bf16_t* p, float v) { p->bits = f32_to_bf16_bits(v); }
__device__ __forceinline__ void store_from_f32(f16_t* p, float v) { p->bits = __half_as_ushort(__float2half_rn(v)); }

}  // namespace vim
