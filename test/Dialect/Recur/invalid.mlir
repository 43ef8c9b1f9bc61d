// RUN: recur-opt %s -split-input-file -verify-diagnostics
//
// One case per verifier error of the recur ops (RecurOps.cpp,
// RecurCellOps.cpp), then malformed assembly and misplaced terminators.

//===----------------------------------------------------------------------===//
// recur.recurrence
//===----------------------------------------------------------------------===//

func.func @recurrence_no_sequence(%h0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'recur.recurrence' op expects at least one sequence input (it sets the number of steps)}}
  %r = "recur.recurrence"(%h0) <{operandSegmentSizes = array<i32: 1, 0, 0, 0>}> ({
  ^bb0(%h: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_negative_time_axis(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{time_axis -1 is out of range for sequence input #0 of type 'tensor<4x2xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) {time_axis = -1} -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_huge_time_axis(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{time_axis 9223372036854775807 is out of range for sequence input #0}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) {time_axis = 9223372036854775807} -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// The time axis must exist in every sequence input, not only the first.
func.func @recurrence_time_axis_second_sequence(%h0: tensor<2xf32>, %x: tensor<2x4xf32>, %z: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{time_axis 1 is out of range for sequence input #1 of type 'tensor<2xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x, %z : tensor<2x4xf32>, tensor<2xf32>) {time_axis = 1} -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>, %zt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_step_count_mismatch(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %z: tensor<?x3xf32>, %w: tensor<5x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{sequence input #2 has 5 steps along the time axis, but an earlier one has 4}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x, %z, %w : tensor<4x2xf32>, tensor<?x3xf32>, tensor<5x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>, %zt: tensor<3xf32>, %wt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_missing_final_state(%h0: tensor<2xf32>, %c0: tensor<3xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects at least 2 results (one final state per initial state), got 1}}
  %r = "recur.recurrence"(%h0, %c0, %x) <{operandSegmentSizes = array<i32: 2, 1, 0, 0>}> ({
  ^bb0(%h: tensor<2xf32>, %c: tensor<3xf32>, %xt: tensor<2xf32>):
    recur.yield %h, %c : tensor<2xf32>, tensor<3xf32>
  }) : (tensor<2xf32>, tensor<3xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_final_state_type(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{expects result #0 (final state) to have the type of initial state #0, 'tensor<2xf32>', got 'tensor<?xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<?xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<?xf32>
}

// -----

func.func @recurrence_output_step_count(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<5x2xf32> {
  // expected-error @+1 {{expects stacked output #0 to have 4 steps along time axis 0, got 'tensor<5x2xf32>'}}
  %r:2 = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32>, tensor<5x2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h, %h : tensor<2xf32>, tensor<2xf32>
  }
  return %r#1 : tensor<5x2xf32>
}

// -----

// An output without the time axis; the step count is unknown ("?").
func.func @recurrence_output_rank(%x: tensor<2x?xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects stacked output #0 to have ? steps along time axis 1, got 'tensor<2xf32>'}}
  %r = recur.recurrence seq(%x : tensor<2x?xf32>) {time_axis = 1} -> tensor<2xf32> {
  ^bb0(%xt: tensor<2xf32>):
    recur.yield %xt : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_seq_lens_scalar_state(%h0: tensor<f32>, %x: tensor<4x3xf32>, %lens: tensor<3xi32>) -> tensor<f32> {
  // expected-error @+1 {{with seq_lens expects initial state #0 to have a leading batch dimension, got 'tensor<f32>'}}
  %r = recur.recurrence init(%h0 : tensor<f32>) seq(%x : tensor<4x3xf32>) seq_lens(%lens : tensor<3xi32>) -> tensor<f32> {
  ^bb0(%h: tensor<f32>, %xt: tensor<3xf32>):
    recur.yield %h : tensor<f32>
  }
  return %r : tensor<f32>
}

// -----

func.func @recurrence_seq_lens_state_batch(%h0: tensor<2x5xf32>, %x: tensor<4x3x5xf32>, %lens: tensor<3xi32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{with seq_lens of 3 entries expects initial state #0 to have batch dimension 3, got 'tensor<2x5xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<2x5xf32>) seq(%x : tensor<4x3x5xf32>) seq_lens(%lens : tensor<3xi32>) -> tensor<2x5xf32> {
  ^bb0(%h: tensor<2x5xf32>, %xt: tensor<3x5xf32>):
    recur.yield %h : tensor<2x5xf32>
  }
  return %r : tensor<2x5xf32>
}

// -----

func.func @recurrence_seq_lens_scalar_slice(%h0: tensor<3xf32>, %x: tensor<4xf32>, %lens: tensor<3xi32>) -> tensor<3xf32> {
  // expected-error @+1 {{with seq_lens expects the step slice of sequence input #0 to have a leading batch dimension, got 'tensor<f32>'}}
  %r = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4xf32>) seq_lens(%lens : tensor<3xi32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<f32>):
    recur.yield %h : tensor<3xf32>
  }
  return %r : tensor<3xf32>
}

// -----

// With time_axis = 1 the batch is dimension 0 of the sequence too.
func.func @recurrence_seq_lens_slice_batch(%h0: tensor<3xf32>, %x: tensor<4x3xf32>, %lens: tensor<3xi64>) -> tensor<3xf32> {
  // expected-error @+1 {{with seq_lens of 3 entries expects the step slice of sequence input #0 to have batch dimension 3, got 'tensor<4xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) seq_lens(%lens : tensor<3xi64>) {time_axis = 1} -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<4xf32>):
    recur.yield %h : tensor<3xf32>
  }
  return %r : tensor<3xf32>
}

// -----

func.func @recurrence_body_arg_count(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %w: tensor<2x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects the body to take 3 arguments (1 states, 1 step slices, 1 captures), got 2}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) captures(%w : tensor<2x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_body_state_type(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects body argument #0 (state) to have type 'tensor<2xf32>', got 'tensor<2xf64>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf64>, %xt: tensor<2xf32>):
    recur.yield %xt : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// The step slice drops the time axis (here axis 1).
func.func @recurrence_body_slice_type(%h0: tensor<2xf32>, %x: tensor<2x4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects body argument #1 (step slice of sequence input #0) to have type 'tensor<2xf32>', got 'tensor<4xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<2x4xf32>) {time_axis = 1} -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<4xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_body_capture_type(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %a: f32) -> tensor<2xf32> {
  // expected-error @+1 {{expects body argument #2 (capture #0) to have type 'f32', got 'tensor<f32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) captures(%a : f32) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>, %ac: tensor<f32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_yield_count(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %r:2 = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32>, tensor<4x2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    // expected-error @+1 {{'recur.yield' op expects 2 values (1 next states, 1 step outputs), got 1}}
    recur.yield %h : tensor<2xf32>
  }
  return %r#1 : tensor<4x2xf32>
}

// -----

func.func @recurrence_next_state_type(%h0: tensor<2xf32>, %x: tensor<4x3xf32>) -> tensor<2xf32> {
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x3xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<3xf32>):
    // expected-error @+1 {{'recur.yield' op expects next state #0 to have type 'tensor<2xf32>', got 'tensor<3xf32>'}}
    recur.yield %xt : tensor<3xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_step_output_not_tensor(%x: tensor<4x2xf32>, %a: f32) -> tensor<4x2xf32> {
  %r = recur.recurrence seq(%x : tensor<4x2xf32>) captures(%a : f32) -> tensor<4x2xf32> {
  ^bb0(%xt: tensor<2xf32>, %ac: f32):
    // expected-error @+1 {{'recur.yield' op expects step output #0 to be a ranked tensor, got 'f32'}}
    recur.yield %ac : f32
  }
  return %r : tensor<4x2xf32>
}

// -----

// A rank-0 step output cannot be stacked along axis 1.
func.func @recurrence_step_output_rank(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{time_axis 1 is out of range for step output #0 of type 'tensor<f32>'}}
  %r = recur.recurrence seq(%x : tensor<2x4xf32>) {time_axis = 1} -> tensor<2x4xf32> {
  ^bb0(%xt: tensor<2xf32>):
    %c = arith.constant dense<0.0> : tensor<f32>
    recur.yield %c : tensor<f32>
  }
  return %r : tensor<2x4xf32>
}

// -----

func.func @recurrence_stacked_type(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{expects stacked output #0 to have type 'tensor<4x2xf32>' (step output type 'tensor<2xf32>' stacked along the time axis), got 'tensor<4x3xf32>'}}
  %r = recur.recurrence seq(%x : tensor<4x2xf32>) -> tensor<4x3xf32> {
  ^bb0(%xt: tensor<2xf32>):
    recur.yield %xt : tensor<2xf32>
  }
  return %r : tensor<4x3xf32>
}

// -----

func.func @recurrence_stacked_element_type(%x: tensor<4x2xf32>) -> tensor<4x2xf16> {
  // expected-error @+1 {{expects stacked output #0 to have type 'tensor<4x2xf32>'}}
  %r = recur.recurrence seq(%x : tensor<4x2xf32>) -> tensor<4x2xf16> {
  ^bb0(%xt: tensor<2xf32>):
    recur.yield %xt : tensor<2xf32>
  }
  return %r : tensor<4x2xf16>
}

// -----

func.func @recurrence_seq_lens_step_output(%x: tensor<4x3x2xf32>, %lens: tensor<3xi32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{with seq_lens of 3 entries expects step output #0 to have batch dimension 3, got 'tensor<2xf32>'}}
  %r = recur.recurrence seq(%x : tensor<4x3x2xf32>) seq_lens(%lens : tensor<3xi32>) -> tensor<4x2xf32> {
  ^bb0(%xt: tensor<3x2xf32>):
    %c = arith.constant dense<0.0> : tensor<2xf32>
    recur.yield %c : tensor<2xf32>
  }
  return %r : tensor<4x2xf32>
}

// -----

func.func @recurrence_seq_lens_scalar_step_output(%x: tensor<4x3xf32>, %lens: tensor<3xi32>) -> tensor<4xf32> {
  // expected-error @+1 {{with seq_lens expects step output #0 to have a leading batch dimension, got 'tensor<f32>'}}
  %r = recur.recurrence seq(%x : tensor<4x3xf32>) seq_lens(%lens : tensor<3xi32>) -> tensor<4xf32> {
  ^bb0(%xt: tensor<3xf32>):
    %c = arith.constant dense<0.0> : tensor<f32>
    recur.yield %c : tensor<f32>
  }
  return %r : tensor<4xf32>
}

// -----

// The body must end with recur.yield, not with any other terminator.
func.func @recurrence_foreign_terminator(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'recur.recurrence' op expects the body to end with recur.yield, got llvm.unreachable}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    llvm.unreachable
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_missing_terminator(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    // expected-error @+1 {{block with no terminator}}
    %n = arith.addf %h, %xt : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_empty_body(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'recur.recurrence' op expects a non-empty block}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_no_region(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'recur.recurrence' op requires one region}}
  %r = "recur.recurrence"(%h0, %x) <{operandSegmentSizes = array<i32: 1, 1, 0, 0>}> : (tensor<2xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_two_blocks(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'recur.recurrence' op expects region #0 to have 0 or 1 blocks}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    cf.br ^bb1
  ^bb1:
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// The body is isolated from above: captures are how it reads outer values.
func.func @recurrence_not_isolated(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %w: tensor<2xf32>) -> tensor<2xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    %n = arith.addf %h, %w : tensor<2xf32>
    recur.yield %n : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_bad_segments(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{operand count (2) does not match with the total size (3) specified in attribute 'operandSegmentSizes'}}
  %r = "recur.recurrence"(%h0, %x) <{operandSegmentSizes = array<i32: 1, 2, 0, 0>}> ({
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }) : (tensor<2xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_two_seq_lens(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %l: tensor<2xi32>) -> tensor<2xf32> {
  // expected-error @+1 {{operand group starting at #2 requires 0 or 1 element, but found 2}}
  %r = "recur.recurrence"(%h0, %x, %l, %l) <{operandSegmentSizes = array<i32: 1, 1, 0, 2>}> ({
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }) : (tensor<2xf32>, tensor<4x2xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_float_seq_lens(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %l: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{must be 1D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) seq_lens(%l : tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_2d_seq_lens(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %l: tensor<2x1xi32>) -> tensor<2xf32> {
  // expected-error @+1 {{must be 1D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2x1xi32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) seq_lens(%l : tensor<2x1xi32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_unranked_sequence(%h0: tensor<2xf32>, %x: tensor<*xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{must be variadic of ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<*xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @recurrence_memref_state(%h0: memref<2xf32>, %x: tensor<4x2xf32>) {
  // expected-error @+1 {{must be variadic of ranked tensor of any type values, but got 'memref<2xf32>'}}
  %r = recur.recurrence init(%h0 : memref<2xf32>) seq(%x : tensor<4x2xf32>) -> memref<2xf32> {
  ^bb0(%h: memref<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : memref<2xf32>
  }
  return
}

// -----

func.func @recurrence_i32_time_axis(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{attribute 'time_axis' failed to satisfy constraint: 64-bit signless integer attribute}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) {time_axis = 0 : i32} -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// Assembly: as many types as operands.
func.func @recurrence_type_count(%h0: tensor<2xf32>, %c0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{number of operands and types do not match: got 2 operands and 1 types}}
  %r = recur.recurrence init(%h0, %c0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// Assembly: the written type must be the operand's.
func.func @recurrence_operand_type(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<3xf32> {
  // expected-note @-1 {{prior use here}}
  // expected-error @+1 {{use of value '%h0' expects different type than prior uses: 'tensor<3xf32>' vs 'tensor<2xf32>'}}
  %r = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x2xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<2xf32>):
    recur.yield %h : tensor<3xf32>
  }
  return %r : tensor<3xf32>
}

// -----

// Assembly: seq(...) is required.
func.func @recurrence_no_seq_keyword(%h0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expected 'seq'}}
  %r = recur.recurrence init(%h0 : tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>):
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// recur.yield
//===----------------------------------------------------------------------===//

// -----

func.func @yield_in_func(%h0: tensor<2xf32>) {
  // expected-error @+1 {{'recur.yield' op expects parent op to be one of 'recur.recurrence, recur.scan'}}
  recur.yield %h0 : tensor<2xf32>
}

// -----

func.func @yield_in_scf(%c: i1) {
  scf.if %c {
    // expected-error @+1 {{'recur.yield' op expects parent op to be one of 'recur.recurrence, recur.scan'}}
    recur.yield
  }
  return
}

// -----

// A recur.yield nested in another op inside a recurrence is still misplaced.
func.func @yield_nested_in_body(%h0: tensor<2xf32>, %x: tensor<4x2xf32>, %c: i1) -> tensor<2xf32> {
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) captures(%c : i1) -> tensor<2xf32> {
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>, %cc: i1):
    scf.if %cc {
      // expected-error @+1 {{'recur.yield' op expects parent op to be one of 'recur.recurrence, recur.scan'}}
      recur.yield %h : tensor<2xf32>
    }
    recur.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @yield_type_mismatch(%h0: tensor<2xf32>, %x: tensor<4x2xf32>) -> tensor<2xf32> {
  %r = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-note @+1 {{prior use here}}
  ^bb0(%h: tensor<2xf32>, %xt: tensor<2xf32>):
    // expected-error @+1 {{use of value '%h' expects different type than prior uses: 'tensor<4xf32>' vs 'tensor<2xf32>'}}
    recur.yield %h : tensor<4xf32>
  }
  return %r : tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// recur.scan
//===----------------------------------------------------------------------===//

// -----

func.func @scan_no_input() {
  // expected-error @+1 {{'recur.scan' op expects at least one input}}
  "recur.scan"() <{operandSegmentSizes = array<i32: 0, 0>}> ({
  ^bb0:
    recur.yield
  }) : () -> ()
  return
}

// -----

func.func @scan_init_count(%x: tensor<8x4xf32>, %y: tensor<8x4xf32>, %i: tensor<4xf32>) {
  // expected-error @+1 {{'recur.scan' op expects either no init or one per input (2), got 1}}
  %r:2 = recur.scan(%x, %y : tensor<8x4xf32>, tensor<8x4xf32>) init(%i : tensor<4xf32>) -> tensor<8x4xf32>, tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>, %d: tensor<4xf32>):
    recur.yield %a, %b : tensor<4xf32>, tensor<4xf32>
  }
  return
}

// -----

func.func @scan_exclusive_without_init(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op exclusive scan expects init values (the value of the first step)}}
  %r = recur.scan(%x : tensor<8x4xf32>) {exclusive} -> tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    recur.yield %a : tensor<4xf32>
  }
  return
}

// -----

func.func @scan_result_count(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op expects one result per input (1), got 2}}
  %r:2 = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    recur.yield %a : tensor<4xf32>
  }
  return
}

// -----

func.func @scan_time_axis(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op time_axis 2 is out of range for input #0 of type 'tensor<8x4xf32>'}}
  %r = recur.scan(%x : tensor<8x4xf32>) {time_axis = 2} -> tensor<8x4xf32> {
  ^bb0(%a: tensor<8xf32>, %e: tensor<8xf32>):
    recur.yield %a : tensor<8xf32>
  }
  return
}

// -----

func.func @scan_negative_time_axis(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op time_axis -2 is out of range for input #0}}
  %r = recur.scan(%x : tensor<8x4xf32>) {time_axis = -2} -> tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    recur.yield %a : tensor<4xf32>
  }
  return
}

// -----

func.func @scan_step_count(%x: tensor<8x4xf32>, %y: tensor<7x4xf32>) {
  // expected-error @+1 {{'recur.scan' op input #1 has 7 steps along the time axis, but an earlier one has 8}}
  %r:2 = recur.scan(%x, %y : tensor<8x4xf32>, tensor<7x4xf32>) -> tensor<8x4xf32>, tensor<7x4xf32> {
  ^bb0(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>, %d: tensor<4xf32>):
    recur.yield %a, %b : tensor<4xf32>, tensor<4xf32>
  }
  return
}

// -----

func.func @scan_result_type(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op expects result #0 to have type 'tensor<8x4xf32>', got 'tensor<?x4xf32>'}}
  %r = recur.scan(%x : tensor<8x4xf32>) -> tensor<?x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    recur.yield %a : tensor<4xf32>
  }
  return
}

// -----

func.func @scan_init_type(%x: tensor<4x8xf32>, %i: tensor<8xf32>) {
  // expected-error @+1 {{'recur.scan' op expects init #0 to have type 'tensor<4xf32>' (a step slice of input #0), got 'tensor<8xf32>'}}
  %r = recur.scan(%x : tensor<4x8xf32>) init(%i : tensor<8xf32>) {time_axis = 1} -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    recur.yield %a : tensor<4xf32>
  }
  return
}

// -----

func.func @scan_combiner_arg_count(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op expects the combiner to take 2 arguments (1 accumulated, 1 next), got 3}}
  %r = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>, %f: tensor<4xf32>):
    recur.yield %a : tensor<4xf32>
  }
  return
}

// -----

func.func @scan_yield_count(%x: tensor<8x4xf32>) {
  %r = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    // expected-error @+1 {{'recur.yield' op expects the combiner to yield 1 values, got 2}}
    recur.yield %a, %e : tensor<4xf32>, tensor<4xf32>
  }
  return
}

// -----

// Both the accumulated and the next argument are step slices.
func.func @scan_combiner_arg_type(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op expects combiner argument #1 to have type 'tensor<4xf32>' (a step slice of input #0), got 'tensor<8x4xf32>'}}
  %r = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<8x4xf32>):
    recur.yield %a : tensor<4xf32>
  }
  return
}

// -----

func.func @scan_combined_type(%x: tensor<8x4xf32>) {
  %r = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    %c = arith.constant dense<0.0> : tensor<2xf32>
    // expected-error @+1 {{'recur.yield' op expects combined value #0 to have type 'tensor<4xf32>', got 'tensor<2xf32>'}}
    recur.yield %c : tensor<2xf32>
  }
  return
}

// -----

func.func @scan_foreign_terminator(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.scan' op expects the combiner to end with recur.yield, got llvm.unreachable}}
  %r = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%a: tensor<4xf32>, %e: tensor<4xf32>):
    llvm.unreachable
  }
  return
}

//===----------------------------------------------------------------------===//
// recur.linear_scan
//===----------------------------------------------------------------------===//

// -----

func.func @linear_scan_integer(%a: tensor<8x4xi32>, %b: tensor<8x4xi32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects a floating-point element type, got 'i32'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xi32>) b(%b : tensor<8x4xi32>) -> tensor<8x4xi32>, tensor<4xi32>
  return
}

// -----

func.func @linear_scan_time_axis(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op time_axis 2 is out of range for b of type 'tensor<8x4xf32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) {time_axis = 2} -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_negative_time_axis(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op time_axis -1 is out of range for b of type 'tensor<8x4xf32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) {time_axis = -1} -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_negative_batch_dims(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op batch_dims -1 is out of range for state type 'tensor<4xf32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) {batch_dims = -1} -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_batch_dims_too_large(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op batch_dims 2 is out of range for state type 'tensor<4xf32>'}}
  %h, %l = recur.linear_scan scalar a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) {batch_dims = 2} -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

// A matrix transition needs a unit dimension after the batch dimensions.
func.func @linear_scan_dense_no_unit(%a: tensor<8x4x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op batch_dims 1 is out of range for state type 'tensor<4xf32>' (a dense transition needs a unit dimension after the batch)}}
  %h, %l = recur.linear_scan dense a(%a : tensor<8x4x4xf32>) b(%b : tensor<8x4xf32>) {batch_dims = 1} -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_low_rank_one_factor(%u: tensor<8x4x1xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op with structure identity_plus_low_rank expects 2 coefficient operand(s), got 1}}
  %h, %l = recur.linear_scan identity_plus_low_rank a(%u : tensor<8x4x1xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_dense_two_coefficients(%a: tensor<8x4x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op with structure dense expects 1 coefficient operand(s), got 2}}
  %h, %l = recur.linear_scan dense a(%a, %a : tensor<8x4x4xf32>, tensor<8x4x4xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_coefficient_time_axis(%a: tensor<8xf32>, %b: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op time_axis 1 is out of range for sequence operand #0 of type 'tensor<8xf32>'}}
  %h, %l = recur.linear_scan scalar a(%a : tensor<8xf32>) b(%b : tensor<2x8x4xf32>) {time_axis = 1} -> tensor<2x8x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @linear_scan_step_count(%a: tensor<7x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op sequence operand #1 has 8 steps along the time axis, but an earlier one has 7}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<7x4xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_coefficient_element_type(%a: tensor<8x4xf16>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects coefficient #0 to have element type 'f32', got 'tensor<8x4xf16>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf16>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_scalar_shape(%a: tensor<8x2x4xf32>, %b: tensor<8x2x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op with structure scalar expects each step of coefficient #0 to have shape [2] for state shape [2, 4] and batch_dims 1, got [2, 4]}}
  %h, %l = recur.linear_scan scalar a(%a : tensor<8x2x4xf32>) b(%b : tensor<8x2x4xf32>) {batch_dims = 1} -> tensor<8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @linear_scan_diagonal_shape(%a: tensor<8x4xf32>, %b: tensor<8x2x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op with structure diagonal expects each step of coefficient #0 to have shape [2, 4] for state shape [2, 4] and batch_dims 0, got [4]}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x2x4xf32>) -> tensor<8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @linear_scan_dense_shape(%a: tensor<8x4x3xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op with structure dense expects each step of coefficient #0 to have shape [4, 4] for state shape [4] and batch_dims 0, got [4, 3]}}
  %h, %l = recur.linear_scan dense a(%a : tensor<8x4x3xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_block_diagonal_shape(%a: tensor<8x2x2x3xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op with structure block_diagonal expects each step of coefficient #0 to have shape [2, 2, 2] for state shape [4] and batch_dims 0, got [2, 2, 3]}}
  %h, %l = recur.linear_scan block_diagonal a(%a : tensor<8x2x2x3xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_block_size_zero(%a: tensor<8x2x0x0xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects block size 0 to divide the unit dimension 4}}
  %h, %l = recur.linear_scan block_diagonal a(%a : tensor<8x2x0x0xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

// With a dynamic block count the shapes agree, but blocks of 3 do not tile 4.
func.func @linear_scan_block_size_divides(%a: tensor<8x?x3x3xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects block size 3 to divide the unit dimension 4}}
  %h, %l = recur.linear_scan block_diagonal a(%a : tensor<8x?x3x3xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_low_rank_shape(%u: tensor<8x5x1xf32>, %v: tensor<8x4x1xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op with structure identity_plus_low_rank expects each step of coefficient #0 to have shape [4, 1] for state shape [4] and batch_dims 0, got [5, 1]}}
  %h, %l = recur.linear_scan identity_plus_low_rank a(%u, %v : tensor<8x5x1xf32>, tensor<8x4x1xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_low_rank_ranks_differ(%u: tensor<8x4x1xf32>, %v: tensor<8x4x2xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects the low-rank factors u and v to have the same shape}}
  %h, %l = recur.linear_scan identity_plus_low_rank a(%u, %v : tensor<8x4x1xf32>, tensor<8x4x2xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_init_type(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>, %h0: tensor<8xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects init to have type 'tensor<4xf32>' (a step of b), got 'tensor<8xf32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) init(%h0 : tensor<8xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_states_type(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects the stacked states to have the type of b, 'tensor<8x4xf32>', got 'tensor<?x4xf32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) -> tensor<?x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_last_type(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'recur.linear_scan' op expects the last state to have type 'tensor<4xf32>', got 'tensor<8x4xf32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<8x4xf32>
  return
}

// -----

func.func @linear_scan_seq_lens_scalar_state(%a: tensor<8xf32>, %b: tensor<8xf32>, %lens: tensor<1xi32>) {
  // expected-error @+1 {{'recur.linear_scan' op with seq_lens expects the state to have a leading batch dimension, got 'tensor<f32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8xf32>) b(%b : tensor<8xf32>) seq_lens(%lens : tensor<1xi32>) -> tensor<8xf32>, tensor<f32>
  return
}

// -----

func.func @linear_scan_seq_lens_batch(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>, %lens: tensor<3xi64>) {
  // expected-error @+1 {{'recur.linear_scan' op with seq_lens of 3 entries expects the state to have batch dimension 3, got 'tensor<4xf32>'}}
  %h, %l = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) seq_lens(%lens : tensor<3xi64>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_unknown_structure(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+2 {{expected ::recur::Structure to be one of: scalar, diagonal, block_diagonal, identity_plus_low_rank, dense}}
  // expected-error @+1 {{failed to parse Recur_StructureAttr parameter 'value'}}
  %h, %l = recur.linear_scan toeplitz a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @linear_scan_one_result(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{expected ','}}
  %h = recur.linear_scan diagonal a(%a : tensor<8x4xf32>) b(%b : tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// recur.lstm, recur.gru, recur.rnn
//===----------------------------------------------------------------------===//

// -----

func.func @cell_integer_x(%x: tensor<5x2x3xi32>, %w: tensor<1x4x3xi32>, %r: tensor<1x4x4xi32>) {
  // expected-error @+1 {{'recur.rnn' op expects x to have a floating-point element type, got 'tensor<5x2x3xi32>'}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xi32>, tensor<1x4x3xi32>, tensor<1x4x4xi32>) {hidden_size = 4} -> tensor<5x1x2x4xi32>, tensor<1x2x4xi32>
  return
}

// -----

func.func @cell_x_rank(%x: tensor<5x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects x to have rank 3 ([T, B, I] or [B, T, I]), got 'tensor<5x3xf32>'}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4} -> tensor<5x1x4xf32>, tensor<1x4xf32>
  return
}

// -----

func.func @cell_layout(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects layout 0 or 1, got 2}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, layout = 2} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_hidden_size_zero(%x: tensor<5x2x3xf32>, %w: tensor<1x0x3xf32>, %r: tensor<1x0x0xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects hidden_size to be positive, got 0}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x0x3xf32>, tensor<1x0x0xf32>) {hidden_size = 0} -> tensor<5x1x2x0xf32>, tensor<1x2x0xf32>
  return
}

// -----

func.func @cell_hidden_size_negative(%x: tensor<?x?x?xf32>, %w: tensor<?x?x?xf32>, %r: tensor<?x?x?xf32>) {
  // expected-error @+1 {{'recur.gru' op expects hidden_size to be positive, got -3}}
  %y, %yh = recur.gru(%x, %w, %r : tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?x?xf32>) {hidden_size = -3} -> tensor<?x?x?x?xf32>, tensor<?x?x?xf32>
  return
}

// -----

// 2*G*H would overflow int64 and wrap around to the dynamic size, which
// every shape matches.
func.func @cell_hidden_size_overflow(%x: tensor<?x?x?xf32>, %w: tensor<?x?x?xf32>, %r: tensor<?x?x?xf32>) {
  // expected-error @+1 {{'recur.lstm' op expects hidden_size to be at most 1152921504606846975 (2 * 4 * hidden_size must fit in 64 bits), got 1152921504606846976}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?x?xf32>) {hidden_size = 1152921504606846976} -> tensor<?x?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?x?xf32>
  return
}

// -----

func.func @cell_w_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'recur.lstm' op expects w to have shape [1, 16, 3], got [1, 12, 3]}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x16x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_w_element_type(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf16>, %r: tensor<1x12x4xf32>) {
  // expected-error @+1 {{'recur.gru' op expects w to have element type 'f32', got 'tensor<1x12x3xf16>'}}
  %y, %yh = recur.gru(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x12x3xf16>, tensor<1x12x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

// Bidirectional cells have D = 2 in every weight.
func.func @cell_w_directions(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<2x12x4xf32>) {
  // expected-error @+1 {{'recur.gru' op expects w to have shape [2, 12, 3], got [1, 12, 3]}}
  %y, %yh = recur.gru(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<2x12x4xf32>) {hidden_size = 4, direction = #recur<direction bidirectional>} -> tensor<5x2x2x4xf32>, tensor<2x2x4xf32>
  return
}

// -----

func.func @cell_r_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x3xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects r to have shape [1, 4, 4], got [1, 4, 3]}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_bias_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects bias to have shape [1, 8], got [1, 4]}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) bias(%b : tensor<1x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_seq_lens_batch(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %lens: tensor<5xi32>) {
  // expected-error @+1 {{'recur.rnn' op expects seq_lens to have 2 entries (the batch), got 5}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) seq_lens(%lens : tensor<5xi32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

// With layout = 1, x is [B, T, I] and the batch is its dimension 0.
func.func @cell_seq_lens_batch_first(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'recur.rnn' op expects seq_lens to have 5 entries (the batch), got 2}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) seq_lens(%lens : tensor<2xi32>) {hidden_size = 4, layout = 1} -> tensor<5x2x1x4xf32>, tensor<5x1x4xf32>
  return
}

// -----

func.func @cell_initial_h_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %h0: tensor<2x1x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects initial_h to have shape [1, 2, 4], got [2, 1, 4]}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) initial_h(%h0 : tensor<2x1x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_y_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects result y to have shape [5, 1, 2, 4], got [5, 2, 4]}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4} -> tensor<5x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_y_batch_first(%x: tensor<2x5x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects result y to have shape [2, 5, 1, 4], got [5, 1, 2, 4]}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<2x5x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, layout = 1} -> tensor<5x1x2x4xf32>, tensor<2x1x4xf32>
  return
}

// -----

func.func @cell_y_element_type(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects result y to have element type 'f32', got 'tensor<5x1x2x4xf64>'}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf64>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_y_h_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) {
  // expected-error @+1 {{'recur.gru' op expects result y_h to have shape [1, 2, 4], got [2, 4]}}
  %y, %yh = recur.gru(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @cell_initial_c_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>, %c0: tensor<1x2x5xf32>) {
  // expected-error @+1 {{'recur.lstm' op expects initial_c to have shape [1, 2, 4], got [1, 2, 5]}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) initial_c(%c0 : tensor<1x2x5xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_peepholes_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>, %p: tensor<1x16xf32>) {
  // expected-error @+1 {{'recur.lstm' op expects peepholes to have shape [1, 12], got [1, 16]}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) peepholes(%p : tensor<1x16xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_y_c_shape(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'recur.lstm' op expects result y_c to have shape [1, 2, 4], got [1, 4, 2]}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x4x2xf32>
  return
}

// -----

func.func @cell_activation_count(%x: tensor<5x2x3xf32>, %w: tensor<2x16x3xf32>, %r: tensor<2x16x4xf32>) {
  // expected-error @+1 {{'recur.lstm' op expects 6 activations (3 per direction), got 3}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<5x2x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>) {hidden_size = 4, direction = #recur<direction bidirectional>, activations = ["Sigmoid", "Tanh", "Tanh"]} -> tensor<5x2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>
  return
}

// -----

func.func @cell_unknown_activation(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) {
  // expected-error @+1 {{'recur.gru' op unknown activation 'Swish' (expected one of Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus)}}
  %y, %yh = recur.gru(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) {hidden_size = 4, activations = ["Sigmoid", "Swish"]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_empty_activation_name(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op unknown activation ''}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, activations = [""]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

// Tanh takes no alpha: the value is left over.
func.func @cell_extra_alpha(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op has 1 activation_alpha values, but its activations take only 0}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, activation_alpha = [1.0 : f32]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

// LeakyRelu takes an alpha but no beta.
func.func @cell_extra_beta(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op has 2 activation_beta values, but its activations take only 0}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, activations = ["LeakyRelu"], activation_alpha = [0.1 : f32], activation_beta = [1.0 : f32, 2.0 : f32]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_clip_negative(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects clip to be positive, got -1}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, clip = -1.0 : f32} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_clip_nan(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'recur.rnn' op expects clip to be positive, got nan}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, clip = 0x7FC00000 : f32} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_missing_hidden_size(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{requires attribute 'hidden_size'}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_activation_not_string(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{attribute 'activations' failed to satisfy constraint: string array attribute}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, activations = [1]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_alpha_f64(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{attribute 'activation_alpha' failed to satisfy constraint: 32-bit float array attribute}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, activations = ["Affine"], activation_alpha = [1.0 : f64]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_unknown_direction(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+2 {{expected ::recur::Direction to be one of: forward, reverse, bidirectional}}
  // expected-error @+1 {{failed to parse Recur_DirectionAttr parameter 'value'}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, direction = #recur<direction sideways>} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @cell_result_count(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'recur.lstm' op expected 3 results}}
  %y, %yh = "recur.lstm"(%x, %w, %r) <{hidden_size = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>}> : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}
