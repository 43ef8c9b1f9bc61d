// Bad options and a clashing declaration are errors, not crashes.
// RUN: not recur-opt %s --recur-newton=jacobian=full -o /dev/null 2>&1 | FileCheck %s --check-prefix=JAC
// JAC: error: --recur-newton: jacobian must be auto, exact or diagonal
// RUN: not recur-opt %s --recur-newton=max-iterations=0 -o /dev/null 2>&1 | FileCheck %s --check-prefix=ITERS
// ITERS: error: --recur-newton: max-iterations must be >= 1 and damping >= 0
// RUN: not recur-opt %s --recur-newton="force=1 report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CLASH
// CLASH: error: @__recur_newton_report exists and is not a declaration of type '(i64, i64, i64) -> ()'

func.func private @__recur_newton_report(i64)

func.func @f(%h0: tensor<3xf32>, %x: tensor<5x3xf32>) -> tensor<3xf32> {
  %hT, %hs = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<5x3xf32>) -> tensor<3xf32>, tensor<5x3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %s = arith.addf %h, %xt : tensor<3xf32>
    %n = math.tanh %s : tensor<3xf32>
    recur.yield %n, %n : tensor<3xf32>, tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}
