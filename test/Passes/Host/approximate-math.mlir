// RUN: recur-opt %s --recur-host-approximate-math | FileCheck %s
//
// f32 exp, expm1, tanh, log, log1p, log2 and erf become arith (and
// math.fma, floor, absf: instructions) on scalars and vectors alike, so
// the loops around them vectorize; f64 and the other math ops keep their
// libm calls. (Accuracy: test/E2E/gpu-math.test runs them on the host.)

// CHECK-LABEL: func.func @approximated(
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.log
// CHECK-NOT:     math.erf
// CHECK:         return
func.func @approximated(%x: f32, %v: vector<16xf32>) -> (f32, f32, f32, f32, f32, f32, f32, vector<16xf32>) {
  %e = math.exp %x : f32
  %m = math.expm1 %x : f32
  %t = math.tanh %x : f32
  %l = math.log %x : f32
  %p = math.log1p %x : f32
  %g = math.log2 %x : f32
  %r = math.erf %x : f32
  %w = math.tanh %v : vector<16xf32>
  return %e, %m, %t, %l, %p, %g, %r, %w : f32, f32, f32, f32, f32, f32, f32, vector<16xf32>
}

// CHECK-LABEL: func.func @kept(
// CHECK:         math.exp %{{.*}} : f64
// CHECK:         math.sin %{{.*}} : f32
func.func @kept(%x: f64, %y: f32) -> (f64, f32) {
  %e = math.exp %x : f64
  %s = math.sin %y : f32
  return %e, %s : f64, f32
}
