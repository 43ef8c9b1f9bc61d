// RUN: recur-opt %s --split-input-file --recur-newton=force=1 -verify-diagnostics -o /dev/null

func.func @lens(%h0: tensor<2x3xf32>, %x: tensor<5x2x3xf32>, %lens: tensor<2xi32>) -> tensor<2x3xf32> {
  // expected-error @below {{--strategy=newton does not apply: Newton does not handle seq_lens yet; use --strategy=auto or sequential}}
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<5x2x3xf32>) seq_lens(%lens : tensor<2xi32>) -> tensor<2x3xf32>, tensor<5x2x3xf32> {
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>):
    %s = arith.addf %h, %xt : tensor<2x3xf32>
    %n = math.tanh %s : tensor<2x3xf32>
    recur.yield %n, %n : tensor<2x3xf32>, tensor<2x3xf32>
  }
  return %hT : tensor<2x3xf32>
}

// -----

func.func @sin(%h0: tensor<3xf32>, %x: tensor<5x3xf32>) -> tensor<3xf32> {
  // expected-error-re @below {{--strategy=newton does not apply: the Jacobian cannot be derived: unsupported (math.sin at {{.*}}){{.*}}}}
  %hT, %hs = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<5x3xf32>) -> tensor<3xf32>, tensor<5x3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %s = arith.addf %h, %xt : tensor<3xf32>
    %n = math.sin %s : tensor<3xf32>
    recur.yield %n, %n : tensor<3xf32>, tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}
