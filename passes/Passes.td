//===- Passes.td - recur passes --------------------------------*- tablegen -*-===//
//
// Every recur pass: its flag, a summary, a description with a small
// before/after example, and its options. `recur-opt --help` shows these.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_TD
#define RECUR_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurDecomposeCells : Pass<"recur-decompose-cells"> {
  let summary = "Rewrite recur.lstm/gru/rnn into generic recur.recurrence ops";
  let description = [{
    Replaces each named cell by one `recur.recurrence` per direction whose
    body spells out ONNX's equations with `linalg`, `arith` and `math` ops on
    tensors: weights are transposed and captured, gates are slices of one
    matmul, activations are expanded (sigmoid as 1 / (1 + exp(-x))), clip is
    a clamp of every gate pre-activation. Bidirectional cells become two
    recurrences whose results are stacked along ONNX's direction axis.

    ```mlir
    %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>,
                                     tensor<1x4x4xf32>) {hidden_size = 4 : i64}
        -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
    ```
    becomes
    ```mlir
    %hT, %ys = recur.recurrence init(%h0 : tensor<2x4xf32>)
        seq(%x : tensor<5x2x3xf32>) captures(%wT, %rT, %bias : ...)
        -> tensor<2x4xf32>, tensor<5x2x4xf32> { ... tanh(x W^T + h R^T + b) ... }
    ```
    followed by reshapes into ONNX's result layout.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def RecurLowerToLoops : Pass<"recur-lower-to-loops"> {
  let summary = "Lower every recur op to sequential loops (the reference)";
  let description = [{
    Gives every recur op its exact sequential meaning as an `scf.for` over
    time on tensors: each step extracts its slices, runs the body (inlined)
    and inserts its outputs. Named cells are decomposed first
    (--recur-decompose-cells). Sequence lengths become per-batch masks
    (`arith.select`) on the states and outputs. This is the reference every
    parallel rewrite is compared against, so it does nothing clever.

    ```mlir
    %hT, %ys = recur.recurrence init(%h0 : tensor<4xf32>)
        seq(%x : tensor<8x4xf32>) -> tensor<4xf32>, tensor<8x4xf32> {...}
    ```
    becomes
    ```mlir
    %r:2 = scf.for %t = %c0 to %c8 step %c1
        iter_args(%h = %h0, %ys = %empty) -> (tensor<4xf32>, tensor<8x4xf32>) {
      %xt = tensor.extract_slice %x[%t, 0] [1, 4] [1, 1] ...
      ... body ...
      %ys2 = tensor.insert_slice %y into %ys[%t, 0] [1, 4] [1, 1] ...
      scf.yield %hn, %ys2 : tensor<4xf32>, tensor<8x4xf32>
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def RecurHoistInvariants : Pass<"recur-hoist-invariants"> {
  let summary = "Move state-independent work out of recurrence bodies";
  let description = [{
    Splits every `recur.recurrence` with states by a forward walk from the
    state arguments (uses inside nested regions count):

    - ops that depend on captures and constants only run once, before the
      recurrence, and their results are captured;
    - ops that depend on step slices but not on the states run for all steps
      first, in a stateless `recur.recurrence` (a map over the same
      sequences and captures, same `time_axis`, no `reverse` and no
      `seq_lens`: every step is computed, and the recurrence still masks its
      states and outputs), whose stacked outputs become new sequence inputs;
    - the rest stays. Only values the rest reads cross over; constants,
      scalars, shapes (`tensor.dim`), `tensor.empty`, `linalg.fill`, views
      (`extract_slice`, reshapes, casts) and broadcasts of captures are
      recomputed where needed instead. Sequences and captures nobody reads
      any more are dropped. A value that cannot be stacked over time (not a
      ranked tensor, or without a batch dimension under `seq_lens`) stays.

    Then, in every stateless recurrence, an input projection -- a
    `linalg.matmul` of a step slice [B, I] (a sequence [T, B, I] or
    [B, T, I]) by a captured or constant matrix [I, N] onto a constant fill,
    plus optionally a broadcast captured bias row -- becomes one matmul over
    all steps: the sequence collapsed to [T*B, I], one `linalg.matmul`, the
    result expanded back to [T, B, N] (`tensor.expand_shape`; a
    `tensor.reshape` when T and B are both dynamic, which LLVM 22's
    expand-strided-metadata cannot lower as an expand_shape) and read as a
    new sequence. A map left yielding only its inputs disappears.

    ```mlir
    // before: x_t W computed inside the loop, step by step
    %hT, %hs = recur.recurrence init(%h0) seq(%x) captures(%W) {
    ^bb0(%h, %xt, %w):
      %p = linalg.matmul ins(%xt, %w) ...
      %hn = ... %p ... %h ...
    }
    // after: one matmul over all T*B rows, then the recurrence reads p_t
    %rows = tensor.collapse_shape %x [[0, 1], [2]]
    %pr = linalg.matmul ins(%rows, %W) ...
    %p = tensor.expand_shape %pr [[0, 1], [2]] ...
    %hT, %hs = recur.recurrence init(%h0) seq(%p) {
    ^bb0(%h, %pt):
      %hn = ... %pt ... %h ...
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def RecurFuseGates : Pass<"recur-fuse-gates"> {
  let summary = "Fuse sibling matmuls that share an operand, and gate math";
  let description = [{
    Sibling `linalg.matmul`s in one block that multiply the same left-hand
    side by different matrices become one matmul by the matrices
    concatenated along their columns (`tensor.concat` along dim 1), then one
    `tensor.extract_slice` per original result. In a recurrence body the
    matrices must be captures or constants (state-independent; the
    left-hand side may depend on the state: h R_z, h R_r, h R_h fuse): they
    are concatenated outside the recurrence and the concatenation is
    captured. Outside recurrences any matrices defined before the first
    sibling qualify (x W_z, x W_r, x W_h after --recur-hoist-invariants).
    Accumulators that are fills of one constant become one fill; others are
    concatenated.

    Then (with `fuse-elementwise`, the default) the elementwise gate math:
    every elementwise `arith`/`math` op on ranked tensors, in recurrence
    bodies and outside, becomes a `linalg.generic`
    (`linalg::populateElementwiseToLinalgConversionPatterns`), and a generic
    whose results a single generic of the same block reads is fused into it
    (`linalg::populateElementwiseOpsFusionPatterns`), repeatedly, so a chain
    of gate math ends as one region. A producer read by two different ops is
    not fused into either (that would compute it twice); it joins once its
    readers have merged. Matmuls, fills, broadcasts and slices are not fused
    into the regions, so gates sliced out of one wide pre-activation
    (decomposed cells) fuse per slice. Analyses that look for arith ops on
    tensors (affine decomposition) should run before this, or use
    `fuse-elementwise=false`.

    ```mlir
    %z = linalg.matmul ins(%x, %Wz) ...   %h = linalg.matmul ins(%x, %Wh) ...
    // becomes
    %W = tensor.concat dim(1) %Wz, %Wh
    %zh = linalg.matmul ins(%x, %W) ...
    %z = tensor.extract_slice %zh[0, 0] [%m, 4] [1, 1]
    %h = tensor.extract_slice %zh[0, 4] [%m, 4] [1, 1]
    ```
  }];
  let options = [
    Option<"fuseElementwise", "fuse-elementwise", "bool", /*default=*/"true",
           "Also fuse the elementwise math into linalg.generic regions">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def RecurLinearize : Pass<"recur-linearize"> {
  let summary = "Rewrite recurrences that are affine in their state as linear scans";
  let description = [{
    Uses the affine decomposition analysis (passes/Analysis): a
    `recur.recurrence` whose next states are `A(x_t) h + b(x_t)` becomes

    - a stateless `recur.recurrence` (a map over the same sequences and
      captures) computing, for every step, the coefficients of `A_t` --
      built exactly from the linear operator the analysis tracked (factors
      of the body's state-independent values), not by differencing -- and
      `b_t`, the body evaluated with the states at zero (work that is exactly
      linear in the state is skipped there);
    - one `recur.linear_scan` per linear system (states that feed each other
      form one system), with the detected structure (`scalar`, `diagonal`,
      `identity_plus_low_rank`, `dense`) and `batch_dims`, and the original
      `init`, `reverse`, `time_axis` and `seq_lens`. A system whose matrix
      acts on a dimension after one its coefficients depend on gets its
      state dimensions permuted; coupled states of one shape are stacked
      along a new dimension (a small dense block per element). Inits and
      results are reshaped in and out;
    - for step outputs: an output that is a next state is the scan's stacked
      states; any other is a second map computing it from h_t (the scanned
      states) and, when it reads them, h_{t-1} (the scanned states shifted
      by one step, `init` first -- last in reverse, and at each entry's own
      first step under `seq_lens`). That map carries `seq_lens`, so inactive
      steps output zero, as in the original.

    Recurrences that are not affine, or whose structure `recur.linear_scan`
    cannot express, are left alone (--recur-explain says why).

    ```mlir
    // before: h_next = (1 - z_t) * h + z_t * c_t
    %hT, %hs = recur.recurrence init(%h0) seq(%x) captures(%wz, %wh) {
      ... %keep = arith.subf %ones, %z   %old = arith.mulf %keep, %h ...
    }
    // after
    %ab:2 = recur.recurrence seq(%x) captures(%wz, %wh) {
      ... recur.yield %keep, %new   // a_t = 1 - z_t, b_t = z_t * c_t
    }
    %hs, %hT = recur.linear_scan diagonal a(%ab#0) b(%ab#1) init(%h0)
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def RecurNewton : Pass<"recur-newton", "::mlir::ModuleOp"> {
  let summary = "Nonlinear recurrences by Newton's method: each step a "
                "linear scan";
  let description = [{
    A `recur.recurrence` whose Jacobian J_t = d h_t / d h_{t-1} can be
    derived (passes/Analysis/Jacobian.h) becomes a loop of Newton steps over
    the whole sequence (as in DEER and ParaRNN): from the guess h_t = h0,
    each iteration evaluates, for all steps at once in one map, F_t =
    f(h_{t-1}, x_t), the Jacobian (or, for a dense one with
    `jacobian=diagonal`, its diagonal: quasi-Newton) and B_t = F_t - J_t
    h_{t-1}; stops when |h - F| <= atol + rtol |F| at every element (or a
    NaN); else solves the
    linear recurrence h_t = J_t h_{t-1} + B_t with `recur.linear_scan`
    (diagonal per state; coupled states stacked along a new last dimension
    with dense k x k blocks; a dense J over the states stacked along their
    last dimension) and repeats. After `max-iterations` steps without
    convergence the recurrence runs as written, sequentially, so the answer
    is never an unconverged one. With `report`, each solve ends with a call
    `@__recur_newton_report(site, iterations, converged)` (i64 each), which
    --recur-host-abi connects to the runtime.

    Without `force`, a cost model decides (work of the expected iterations
    against `parallelism`; docs/passes.md); with it, a recurrence Newton
    cannot evaluate (seq_lens, an underivable op, ...) is an error.

    ```mlir
    %hT, %hs = recur.recurrence init(%h0) seq(%x) { ...tanh... }
    // becomes
    %r:N = scf.while (%H = broadcast(%h0), %k = 0) {
      %P = h_{t-1} of %H
      %F, %A, %B, %Y = recur.recurrence seq(%P, %x) { body; J_t; F - J P }
      scf.condition(not converged and %k < max) ...
    } do {
      %H2, %last = recur.linear_scan diagonal a(%A) b(%B) init(%h0)
      scf.yield %H2, %k + 1
    }
    %out = scf.if %converged { F at the last step, Y } else { the original }
    ```
  }];
  let options = [
    Option<"force", "force", "bool", /*default=*/"false",
           "Newton for every nonlinear recurrence (an error where it cannot)">,
    Option<"maxIterations", "max-iterations", "int64_t", /*default=*/"32",
           "Newton steps before falling back to sequential evaluation">,
    Option<"atol", "atol", "double", /*default=*/"-1",
           "Absolute tolerance on |h - f(h)| (negative: 1e-5 for f32, "
           "1e-10 for f64)">,
    Option<"rtol", "rtol", "double", /*default=*/"-1",
           "Relative tolerance, times |f(h)| (negative: as atol)">,
    Option<"jacobian", "jacobian", "std::string", /*default=*/"\"auto\"",
           "Dense Jacobians: exact, diagonal (quasi-Newton) or auto">,
    Option<"damping", "damping", "double", /*default=*/"0",
           "Scale the Jacobians by 1 / (1 + damping)">,
    Option<"parallelism", "parallelism", "int64_t", /*default=*/"8",
           "The cost model's parallel width of the target (0: never chosen "
           "without force)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Call @__recur_newton_report after each solve">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def RecurLowerScans : Pass<"recur-lower-scans"> {
  let summary = "Lower linear scans and scans to a chunked two-level parallel scan";
  let description = [{
    Splits the time axis into chunks of `chunk-size` steps. Phase 1 scans
    every chunk independently (in parallel, `scf.forall`), from the identity,
    keeping each chunk's summary (its composed transition and its final
    value). Phase 2 scans the chunk summaries sequentially (T / chunk-size
    steps). Phase 3 fixes every chunk up with the carry from the chunks before
    it (in parallel). Correct for any T (1, primes, T < chunk-size), reverse,
    initial states and sequence lengths. No loop over all T steps remains.
    Work inside a chunk is expressed with recur ops on chunk slices, marked
    `recur.chunk_local` (the pass leaves them alone; --recur-lower-to-loops
    lowers them). An op whose type shows T <= chunk-size is left as it is.

    With `fuse-coefficients`, a linear scan's coefficients that come from a
    map (a stateless recur.recurrence along the same time axis, no
    sequence lengths) read only by linear scans are computed again in
    phases 1 and 3, by a chunk-local copy of the map over the chunk's steps
    of its inputs: the map's work is done twice, but its [T, ...] results
    are neither written nor read back (recur-compile's host targets; a
    minGRU scan moves 2.5x fewer bytes).

    With `sequential-min-state=N` (N > 0), a scalar or diagonal linear scan
    whose state has at least N elements that the types know (dynamic
    dimensions count as 1) is not chunked but becomes one sequential
    `recur.recurrence` (marked chunk-local) that computes `h = a_t * h +
    b_t` into its state in place each step. The maps that make its
    coefficients (as above, but with or without an init) run inside its
    body, and so do the maps that read its stacked states (a readout such
    as Mamba's `y_t = sum_n h_t C_t`; not under `seq_lens`, and only maps
    whose other operands are defined before the scan). Each input is read
    once and each output written once, where a chunked scan passes over the
    data twice, and the [T, ...] states are not stored unless something
    else reads them. Maps with side effects are left as they are; under
    `seq_lens`, a scan with a step slice that has no batch dimension stays
    chunked. A CPU with a few cores gains nothing from splitting the time
    axis of a memory-bound scan (recur-compile's host targets use N = 32).

    ```mlir
    %hs, %hT = recur.linear_scan diagonal a(%a) b(%b) init(%h0) ...
    // becomes
    scf.forall (%c) in (%numChunks) { ... scf.for over the chunk's steps ... }
    scf.for %c = 0 to %numChunks { ... carries ... }
    scf.forall (%c) in (%numChunks) { ... fix-up ... }
    ```
  }];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"64",
           "Steps per chunk (the sequential work of one parallel task)">,
    Option<"fuseCoefficients", "fuse-coefficients", "bool",
           /*default=*/"false",
           "Compute a linear scan's coefficients inside each chunk from the "
           "inputs of the map that makes them, instead of reading them "
           "from a buffer of all steps (when only linear scans read that "
           "map)">,
    Option<"sequentialMinState", "sequential-min-state", "int64_t",
           /*default=*/"0",
           "Scalar and diagonal linear scans whose state has at least this "
           "many statically known elements become one sequential "
           "recurrence with their coefficient maps fused (0: never)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def RecurExplain : Pass<"recur-explain"> {
  let summary = "Report, per recurrence, its classification and strategy";
  let description = [{
    Emits one remark per recurrence-like op (every op with the
    RecurrenceOpInterface), at the op, and changes nothing. The format is
    stable; each remark is one of

    ```
    recurrence: linear, structure=S, batch_dims=N[, rank=R][, permutation=[..]]
        [, stacked at dim D], strategy=scan (WHAT)
    recurrence: linear, systems=K, strategy=scan (states [..]: structure=S,
        batch_dims=N; states [..]: ...)
    recurrence: linear, structure=unsupported, strategy=sequential (WHY)
    recurrence: linear, strategy=sequential (the body has side effects)
    recurrence: nonlinear (OP at FILE:LINE:COL depends on state #I[: DETAIL]),
        strategy=newton (structure=S[, jacobian=J], max_iterations=N,
        atol=A, rtol=R; REASON)
    recurrence: nonlinear (...), strategy=sequential (REASON)
    recurrence: stateless, strategy=map (no state carried between steps)
    ```

    (each on one line). With `host-wide-scan=N`, a scalar or diagonal system
    (or `recur.linear_scan`) with at least N known state elements adds `; on
    the host sequential in time: E state elements >= --host-wide-scan=N`
    inside the parentheses (host targets do not chunk it; see
    recur-lower-scans' sequential-min-state).
    S is a `recur.linear_scan` structure, N its
    `batch_dims`; WHAT spells the transition (`h_next = a(x_t) * h + b(x_t),
    elementwise` for diagonal, and so on); OP is the first operation, in body
    order, where a value that depends on state #I enters something that is
    not linear in it. `recur.linear_scan` reports its own structure
    (`strategy=scan (already a linear scan)`); the named cells report
    `nonlinear (recur.lstm: activation sigmoid of a gate that depends on the
    hidden state)` (an RNN whose activations are all Affine is linear).

    ```
    model.mlir:12:8: remark: recurrence: linear, structure=diagonal,
        batch_dims=0, strategy=scan (h_next = a(x_t) * h + b(x_t), elementwise)
    ```
  }];
  let options = [
    Option<"force", "force", "bool", /*default=*/"false",
           "As --recur-newton's: --strategy=newton">,
    Option<"maxIterations", "max-iterations", "int64_t", /*default=*/"32",
           "As --recur-newton's">,
    Option<"atol", "atol", "double", /*default=*/"-1",
           "As --recur-newton's">,
    Option<"rtol", "rtol", "double", /*default=*/"-1",
           "As --recur-newton's">,
    Option<"jacobian", "jacobian", "std::string", /*default=*/"\"auto\"",
           "As --recur-newton's">,
    Option<"damping", "damping", "double", /*default=*/"0",
           "As --recur-newton's">,
    Option<"parallelism", "parallelism", "int64_t", /*default=*/"8",
           "As --recur-newton's">,
    Option<"hostWideScan", "host-wide-scan", "int64_t", /*default=*/"0",
           "Say which scans host targets run sequentially in time: scalar "
           "and diagonal ones with at least this many known state elements "
           "(--recur-lower-scans' sequential-min-state; 0: not said)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def RecurTestAffineDecomposition : Pass<"recur-test-affine-decomposition"> {
  let summary = "Test pass: print the affine decomposition of each recurrence";
  let description = [{
    Emits remarks per `recur.recurrence` with what the state-dependence and
    affine-decomposition analyses found, for lit tests of the analyses
    (-verify-diagnostics):

    ```
    state #I: depends on states [..]; affine, K linear term(s)
    state #I: depends on states [..]; not affine (OBSTACLE)
    output #K: depends on states [..]
    system [..]: structure=S, batch_dims=N[, rank=R][, permutation=[..]][, stacked at dim D]
    system [..]: unsupported (WHY)
    ```
  }];
}

def RecurTestJacobian : Pass<"recur-test-jacobian"> {
  let summary = "Test pass: print the Jacobian structure of each recurrence";
  let description = [{
    Emits one remark per `recur.recurrence` with the structure of
    J_t = d h_t / d h_{t-1} found by the Jacobian analysis
    (passes/Analysis/Jacobian.h), for lit tests (-verify-diagnostics):

    ```
    jacobian: structure=diagonal
    jacobian: structure=block_diagonal, block=K
    jacobian: structure=dense
    jacobian: unsupported (OP at LOC: WHY)
    ```
  }];
}

def RecurMaterializeJacobian
    : Pass<"recur-materialize-jacobian", "::mlir::ModuleOp"> {
  let summary = "Test utility: a function computing each recurrence's "
                "Jacobian at one step";
  let description = [{
    For the N-th `recur.recurrence` (N counted from 0, in order) of a
    function @F, defines `@F_jacobian` (N = 0) or `@F_jacobian_N`: its
    arguments are the body's (states h_{t-1}, the step's slices x_t,
    captures), its results J_t = d h_t / d h_{t-1} by the forward-mode
    derivative of the body, in the layout of the structure found:

    - diagonal: one tensor per state, like the state (d h_t[e] / d h_{t-1}[e]);
    - block_diagonal: per group of k coupled states of shape S a tensor
      S x k x k, [e, i, j] = d next_i[e] / d state_j[e] (a state in a group
      of one: like the state);
    - dense (n states of one shape [H] or [B, H]): [nH, nH] or
      [B, nH, nH], [b, i H + e, j H + f] = d next_i[b, e] / d state_j[b, f]
      (batch rows assumed not to mix).

    A private declaration of that name and type in the module is given the
    body, so a test's @main can call it. The recurrences are left as they
    are. For numeric tests of the derivatives (--recur-newton builds the
    same J_t inside its map).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

//===----------------------------------------------------------------------===//
// Host target: the contract of runtime/include/recur/host_abi.h
//===----------------------------------------------------------------------===//

def RecurOutlineHostParallel
    : Pass<"recur-outline-host-parallel", "::mlir::ModuleOp"> {
  let summary = "Outline outermost parallel loops for the host runtime's "
                "parallel_for";
  let description = [{
    Runs on bufferized IR (after `scf-forall-to-parallel` and
    `convert-linalg-to-parallel-loops`). Every outermost `scf.parallel`
    without reductions (one nested in scf.for, scf.if... counts) becomes

    - `func.func private @__recur_par_body_N(%begin: index, %end: index,
      captures...)`: an `scf.for` over iterations [begin, end) of the loop
      linearized over all its dimensions (row-major, the last dimension
      fastest), each index taken apart into the original induction
      variables with the loop's lower bounds and steps, and the loop's body;
    - a call to the declaration `func.func private
      @__recur_par_launch_N(%n: index, captures...)`, where `%n` is the
      product of the trip counts (computed at run time; 0 when any is 0).

    With two or more dimensions, a work item runs a tile of the innermost
    one (up to 256 iterations; the whole dimension when it has at most 512)
    in an inner `scf.for`, so that the index is taken apart once per tile;
    a tile holds at most 4096 estimated operations, so a body that is a
    loop itself (a matmul's register tile over its reduction) is a work
    item of its own and the column tiles of a matrix-vector product spread
    over the threads.

    Captures are the values defined above the loop that it reads (memrefs,
    indices, scalars, vectors), and the bounds the body needs to rebuild the
    induction variables (all but the first upper bound); constants are
    cloned into the body instead. The launch declaration names its body in
    `recur.host_parallel_body`, which keeps the body alive until
    --recur-host-abi calls it. --recur-host-abi gives the launch a body
    that calls the runtime's `parallel_for` with the body. Loops nested in
    the outlined one stay `scf.parallel` (sequential after
    convert-scf-to-cf). Left alone: loops with reductions (`scf.reduce` with
    operands), loops in functions that are called from inside a parallel
    loop (host_abi.h: bodies do not call parallel_for again), and loops
    capturing a value of another type.

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%m, %c4) step (%c1, %c1) {
      memref.store %x, %buf[%i, %j] : memref<?x4xf32>
    }
    ```
    becomes
    ```mlir
    %rows = arith.maxsi %m, %c0 : index
    %n = arith.muli %c4, %rows : index    // trip counts: max(m, 0) and 4
    call @__recur_par_launch_0(%n, %x, %buf) : (index, f32, memref<?x4xf32>) -> ()
    ...
    func.func private @__recur_par_launch_0(index, f32, memref<?x4xf32>)
        attributes {recur.host_parallel_body = @__recur_par_body_0}
    func.func private @__recur_par_body_0(%begin: index, %end: index,
        %x: f32, %buf: memref<?x4xf32>) {
      scf.for %k = %begin to %end step %c1 {
        %j = arith.remui %k, %c4 : index
        %i = arith.divui %k, %c4 : index
        memref.store %x, %buf[%i, %j] : memref<?x4xf32>
      }
      return
    }
    ```

    Small loops are not worth a trip through the thread pool. The pass
    estimates the work of one iteration (ops of the body, nested loops'
    bodies times their trip counts, 16 for a dynamic one) and, when fewer
    than `min-parallel-work` / that estimate iterations would be below the
    threshold, records the smallest worthwhile `n` as
    `recur.host_parallel_min_iterations` on the launch; --recur-host-abi's
    launch runs smaller loops on the calling thread.
  }];
  let options = [
    Option<"minParallelWork", "min-parallel-work", "int64_t",
           /*default=*/"32768",
           "Estimated ops (iterations times body size) below which a launch "
           "runs its loop inline instead of through parallel_for (0: always "
           "parallel)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def RecurHostExpandCopies : Pass<"recur-host-expand-copies"> {
  let summary = "Turn strided memref copies into linalg.copy for host code";
  let description = [{
    finalize-memref-to-llvm lowers a `memref.copy` between memrefs that are
    not both contiguous (a copy into a subview, as bufferized
    `tensor.insert_slice` makes) to a call to `memrefCopy`, a function of
    MLIR's runner library that a host shared object cannot import. Those
    copies become `linalg.copy`, lowered like every linalg op (to parallel
    loops, which --recur-outline-host-parallel hands to the runtime).
    Contiguous copies stay `memref.copy` (an `llvm.memcpy`).

    ```mlir
    memref.copy %a, %sv : memref<?x4xf32> to memref<?x4xf32, strided<[4, 1], offset: ?>>
    // becomes
    linalg.copy ins(%a : memref<?x4xf32>)
                outs(%sv : memref<?x4xf32, strided<[4, 1], offset: ?>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def RecurHostMarkEntries
    : Pass<"recur-host-mark-entries", "::mlir::ModuleOp"> {
  let summary = "Check the host entry points' signatures and request their "
                "C interfaces";
  let description = [{
    Every public function with a body is an entry point of the host shared
    object: it must take and return only ranked memrefs with the identity
    layout (what a host_abi.h descriptor describes), or this pass fails with
    an error at the function. Each gets `llvm.emit_c_interface`, so that
    func-to-llvm emits `_mlir_ciface_<f>`, the pointer-to-descriptor wrapper
    that --recur-host-abi calls. Private functions (the outlined loop bodies
    and launches among them) keep the plain calling convention.

    ```mlir
    func.func @f(%x: memref<?x4xf32>) -> memref<?x4xf32>
    // becomes
    func.func @f(%x: memref<?x4xf32>) -> memref<?x4xf32>
        attributes {llvm.emit_c_interface}
    ```
  }];
}

def RecurHostABI : Pass<"recur-host-abi", "::mlir::ModuleOp"> {
  let summary = "Implement the host ABI (host_abi.h) on the LLVM dialect";
  let description = [{
    Runs after everything is lowered to the LLVM dialect, with
    `_mlir_ciface_<f>` wrappers for the public functions
    (--recur-host-mark-entries). Adds:

    - for each `@__recur_par_launch_N` declaration (--recur-outline-host-
      parallel): its body, which stores its arguments after `n` and the
      env in a stack struct and calls `env->parallel_for(env->ctx, n,
      @__recur_par_thunk_N, &struct)`, env being read from the thread-local
      `@__recur_env` (with no env, the loop runs on the calling thread);
      and `@__recur_par_thunk_N(ptr data, i64 begin, i64 end)`, which loads
      the fields, makes the struct's env its thread's `@__recur_env` and
      calls `@__recur_par_body_N(begin, end, fields...)`, then restores it;
    - for each public function `@f`: the exported
      `void @__recur_entry_f(ptr env, ptr operands, ptr results)`, which sets
      `@__recur_env` for the call and calls `_mlir_ciface_f` with
      `operands[i]` as the i-th descriptor pointer and, when `@f` has
      results, `results` as the result pointer (one descriptor, or several
      laid out one after the other);
    - for each `@__recur_gpu_launch_N` declaration (--recur-gpu-collect-
      kernels): its body, which stores each kernel parameter in a stack slot
      and calls `env->launch(env->ctx, kernel, grid, block, shared, args,
      n)`;
    - with `device-memory` (GPU targets): every malloc, aligned_alloc and
      free outside device code calls env->device_alloc / device_free;
      without it (host targets): malloc, aligned_alloc with an alignment of
      at most 64, and free call `@__recur_host_alloc` / `@__recur_host_free`,
      which call env->host_alloc / host_free, or aligned_alloc / free when
      there is no env or no callback;
    - the exported `i32 @__recur_host_abi_version()`, returning
      RECUR_HOST_ABI_VERSION (4).

    Every other definition (user functions, C wrappers, loop bodies, thunks,
    launches, globals) gets internal linkage, so the shared object exports
    only the entries and the version; declarations (malloc, free, libm) stay
    external. A public function whose lowered signature is not made of
    memref descriptors is an error at the function.

    ```mlir
    llvm.func @f(...) -> !llvm.struct<(ptr, ptr, i64, array<1 x i64>, ...)>
    llvm.func @_mlir_ciface_f(%res: !llvm.ptr, %x: !llvm.ptr)
    // gains
    llvm.func @__recur_entry_f(%env: !llvm.ptr, %operands: !llvm.ptr,
                               %results: !llvm.ptr) {
      ... store %env to @__recur_env
      %x = load operands[0]
      llvm.call @_mlir_ciface_f(%results, %x)
      ...
    }
    ```
  }];
  let options = [
    Option<"deviceMemory", "device-memory", "bool", /*default=*/"false",
           "Allocations of host code are device memory (GPU targets)">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

//===----------------------------------------------------------------------===//
// Host code quality (passes/Transforms/HostOptimize.cpp)
//===----------------------------------------------------------------------===//

def RecurHostFuseElementwise
    : Pass<"recur-host-fuse-elementwise", "::mlir::ModuleOp"> {
  let summary = "Fuse elementwise linalg ops on tensors, producers with "
                "several uses included";
  let description = [{
    Upstream elementwise fusion (`linalg::populateElementwiseOpsFusionPatterns`:
    producer generics into consumer generics, `linalg.fill` and splat
    constants into the bodies that read them), except that a producer with
    several consumers is fused into each of them (and kept only while
    something else reads it): recomputing a few flops per element is cheaper
    than a trip through memory and, on the host, one more parallel launch.
    Two exceptions: a producer with several consumers is not recomputed
    inside a consumer with reduction loops (those stay scalar code, so
    Mamba's readout sum would evaluate the state update's `exp` again,
    unvectorized), and a producer whose body reads its own outputs is not
    fused into a consumer that reads it broadcast over more dimensions
    (upstream would keep that output under a map that is not injective and
    update it once per broadcast element). Runs on tensors, before
    bufferization.

    ```mlir
    %s = linalg.generic ins(%x) outs(%e0) { exp ... }   // sigmoid
    %a = linalg.generic ins(%s) outs(%e1) { 1 - s }
    %b = linalg.generic ins(%s, %y) outs(%e2) { s * y }
    // becomes
    %a = linalg.generic ins(%x) outs(%e1) { 1 - sigmoid(x) }
    %b = linalg.generic ins(%x, %y) outs(%e2) { sigmoid(x) * y }
    ```

    Before fusing: a `linalg.matmul` on a zero fill whose result only an
    elementwise op reads, adding it to other terms through a chain of
    `addf` up to its yield, accumulates into those terms instead (the
    op minus the matmul's term becomes the matmul's init; the sum is
    reassociated, within a few units in the last place), which drops the
    fill and a pass over the output (only in the matmul's own block, so a
    hoisted matmul stays out of its loop, and only when its operands have
    the output's element type); `linalg.broadcast` becomes a generic
    and `tensor.splat` a `linalg.fill`, so that both fuse into their
    readers.

    ```mlir
    %mm = linalg.matmul ins(%h, %r) outs(%zero_fill)
    %g = linalg.generic ins(%x_t, %mm, %bias) { x + (mm + bias) }
    // becomes
    %init = linalg.generic ins(%x_t, %bias) { x + bias }
    %g = linalg.matmul ins(%h, %r) outs(%init)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def RecurHostApproximateMath : Pass<"recur-host-approximate-math"> {
  let summary = "Transcendental f32 math as inline polynomials the loop "
                "vectorizer can widen";
  let description = [{
    A call to libm's `expf` or `tanhf` per element keeps LLVM from
    vectorizing the loop around it, and the gate math of an LSTM or GRU
    step, the sigmoid of a minGRU scan, Mamba's `exp(dt*A)` are such
    loops. This pass rewrites f32 `math.exp`, `math.expm1`, `math.tanh`,
    `math.log`, `math.log1p`, `math.log2` and `math.erf` into MLIR's
    polynomial approximations (arith ops and `math.fma`), which vectorize.
    Accuracy, measured by test/E2E/gpu-math.test over [-12, 12] and edge
    values against float64: relative error <= 2.2e-7 where |f(x)| > 1e-6,
    absolute <= 3.5e-7 elsewhere (the test holds them to 1e-6 + 1e-6
    |want|). Subnormals are flushed (exp below -87.3 is 0; log and log2 of
    a subnormal are those of the smallest normal). f64 and the other math
    ops keep their libm calls.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def RecurHostMatmulKernels
    : Pass<"recur-host-matmul-kernels", "::mlir::func::FuncOp"> {
  let summary = "f32 matmuls on buffers as register-blocked vector loops";
  let description = [{
    Takes `linalg.matmul` and generics with a matmul's indexing maps and a
    plain `mulf`/`addf` body, on f32 buffers whose right-hand side and
    output have contiguous rows, and rewrites them into an scf.parallel
    over tiles of `rows` x `cols` output elements (`cols` = four vectors
    of `vector-bits`; `rows` = 4 with 512-bit vectors, 3 below). A tile's
    output rows are vector values carried through the reduction loop; each
    reduction step loads one row segment of the right-hand side and
    multiply-adds it into every row with a broadcast element of the
    left-hand side:

    ```mlir
    linalg.matmul ins(%a, %b : memref<?x256xf32>, memref<256x1024xf32>)
                  outs(%c : memref<?x1024xf32>)
    // becomes (vector-bits=512)
    // %tiles: %b's whole column tiles as [16, 256, 64] (packed or a view)
    scf.parallel (%j, %i) = (%c0, %c0) to (%cols, %m) step (%c64, %c4) {
      // 4 rows of vector<64xf32> loaded from %c, then
      // scf.for %k: load %tiles[%j / 64, %k, 0], broadcast %a[%i + r, %k],
      // mulf, addf; the 4 rows stored back; rows past %m one at a time
    }
    // columns past the last whole tile: a linalg.matmul of the subviews
    ```

    The output is read and written once per tile instead of once per
    reduction step, which is what keeps a recurrent matvec (one row, the
    B=1 case) and a projection off the load/store ports. Column tiles are
    the outer dimension, so a thread's share of the work items is a range
    of columns: its slice of a recurrent weight, the same every step.

    The right-hand side's whole column tiles are read as
    `[n / cols, k, cols]`: packed once before the outermost loop that only
    reads it (a recurrent weight), packed right before a matmul in no loop
    with 16 rows or more (decided at run time for dynamic rows), else a
    strided view of it. When an elementwise generic writes all of the
    output right before the matmul (a bias broadcast, a step's projection
    plus a bias; only pure ops between, inputs views of other allocations
    or of function arguments, a known column count that is a multiple of
    `cols`), the
    tile's accumulators start as that generic's body evaluated on vectors
    and the generic is erased.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"256",
           "Width of the target's vector registers: 128, 256 or 512">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def RecurHostVectorizeElementwise
    : Pass<"recur-host-vectorize-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Elementwise generics on buffers as vector loops";
  let description = [{
    Takes `linalg.generic`s on buffers whose loops are all parallel, whose
    body is arith and the math ops LLVM has instructions for (run it after
    --recur-host-approximate-math), and whose operands either end with the
    innermost loop (contiguous rows) or do not use it. Each becomes an
    scf.parallel over the outer loops and whole vectors of
    `vector-bits / 32` lanes of the innermost one: vector loads (or one
    element broadcast), the body on vectors, vector stores. The rest of the
    innermost dimension stays a copy of the generic on subviews.

    LLVM's loop vectorizer would have to prove that no two of the operands
    overlap, with a run-time check per pair; an LSTM's gate math reads six
    views of one buffer and writes a seventh, more checks than it emits, so
    without this pass the loop stays scalar.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"256",
           "Width of the target's vector registers: 128, 256 or 512">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def RecurHostInterchangeContractions
    : Pass<"recur-host-interchange-contractions", "::mlir::func::FuncOp"> {
  let summary = "Put the reductions of matmul-like ops on buffers outside "
                "the output's contiguous dimension";
  let description = [{
    `convert-linalg-to-parallel-loops` keeps a linalg op's loop order, and a
    matmul's is (i, j, k): the innermost loop is the reduction, a serial
    chain of scalar fmas LLVM cannot vectorize without reassociation. This
    pass takes such ops (on buffers, innermost loop a reduction, the
    output's last index one parallel loop `j` that every input reading it
    has as its last index too: matmul, batch_matmul, not matvec), tiles
    them into an scf.parallel over 8x256 tiles of the output (batch
    dimensions one at a time), and reorders each tile's generic to (k, i,
    j): the reductions outside, `j` innermost. The inner loop then streams
    along contiguous rows of the output tile (8 KiB, in L1) and of the
    right-hand side, which LLVM vectorizes, and each right-hand-side row is
    read once per tile instead of once per output row.

    ```mlir
    linalg.matmul ins(%a, %b : memref<?x256xf32>, memref<256x512xf32>)
                  outs(%c : memref<?x512xf32>)
    // becomes
    scf.parallel (%i, %j) = (%c0, %c0) to (%m, %c512) step (%c8, %c256) {
      ... subviews of the tile ...
      linalg.generic {iterator_types = ["reduction", "parallel", "parallel"]}
        // (k, i, j)
    }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def RecurHostHoistLoopBuffers
    : Pass<"recur-host-hoist-loop-buffers", "::mlir::func::FuncOp"> {
  let summary = "Allocate the per-iteration buffers of scf.for loops once";
  let description = [{
    After bufferization and the deallocation pipeline, a temporary of a
    sequential loop's body is a `memref.alloc` at the top of the body and a
    `memref.dealloc` at its end, so every step calls malloc and free. When
    the alloc's sizes are defined outside the loop and the buffer is freed
    unconditionally in the same block (so nothing of it survives the
    iteration), this pass allocates it before the loop and frees it after,
    innermost loops first, through as many `scf.for` levels as the sizes
    allow. It never crosses `scf.parallel` or `scf.forall`, whose iterations
    need buffers of their own. Sizes read from a loop-carried buffer
    (`memref.dim %state`) count as defined outside when every iteration
    yields a buffer of the same size: the carried buffer itself, one
    allocated with its own dim, or one allocated with the very size value
    the initial buffer was made with.

    ```mlir
    scf.for %t = %c0 to %n step %c1 {
      %tmp = memref.alloc(%b) : memref<?x256xf32>
      ...
      memref.dealloc %tmp : memref<?x256xf32>
    }
    // becomes
    %tmp = memref.alloc(%b) : memref<?x256xf32>
    scf.for %t = %c0 to %n step %c1 {
      ...
    }
    memref.dealloc %tmp : memref<?x256xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// GPU targets (cuda, sim): the driver on the host, the work in kernels
//===----------------------------------------------------------------------===//

def RecurGPUMap : Pass<"recur-gpu-map", "::mlir::func::FuncOp"> {
  let summary = "Put every access to tensor data into a gpu.launch";
  let description = [{
    Runs where the host pipeline would outline parallel loops (bufferized,
    after `convert-linalg-to-parallel-loops` and `scf-forall-to-parallel`).
    A GPU target's host code is a driver that only computes sizes and
    launches kernels (runtime/include/recur/host_abi.h), so:

    - every outermost `scf.parallel` without reductions becomes a
      `gpu.launch` with one thread per iteration (the iterations
      linearized, the last dimension fastest) in blocks of 256 threads,
      guarded by `scf.if` so that an empty loop launches nothing; loops
      nested in it run sequentially in the thread; buffers it allocates per
      iteration become slices of one buffer allocated before the launch;
    - every other host-level op that reads or writes tensor data (a loop
      without parallel loops inside counts as one op) runs in a launch of
      one thread; one whose result the host needs is an error;
    - `memref.get_global` (small constants the compiler left in the code)
      becomes a device buffer written by a kernel at the function's start;
    - shape buffers of `memref.reshape` become stack buffers of the driver.

    ```mlir
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %x, %buf[%i] : memref<?xf32>
    }
    ```
    becomes
    ```mlir
    scf.if %nonempty {
      gpu.launch blocks(%bx, ...) in (%g = ceildiv(%n, 256), ...)
                 threads(%tx, ...) in (%b = 256, ...) {
        %i = bx * 256 + tx
        scf.if %i < %n { memref.store %x, %buf[%i] : memref<?xf32> }
        gpu.terminator
      }
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def RecurGPUHostReads : Pass<"recur-gpu-host-reads", "::mlir::ModuleOp"> {
  let summary = "GPU targets: device scalars that decide the driver's "
                "control flow, copied to the host";
  let description = [{
    On buffers, before --recur-gpu-map. A `memref.load` of a float outside
    parallel loops from device memory whose value reaches, through scalar ops, the
    condition of an `scf.condition` or an `scf.if` (Newton's convergence
    test) becomes a call `@__recur_device_read(host, device, bytes)` into a
    stack slot of the driver and a load from there. --recur-host-abi makes
    the call env->device_read (host ABI 3). Other host reads of device data
    stay errors of --recur-gpu-map.

    ```mlir
    %r = memref.load %residual[] : memref<f32>
    scf.condition(%r_ok) ...
    // becomes
    %slot = memref.alloca() : memref<f32>
    func.call @__recur_device_read(%slot_ptr, %residual_ptr, %c4_i64)
    %r = memref.load %slot[] : memref<f32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect"
  ];
}

def RecurGPUCollectKernels
    : Pass<"recur-gpu-collect-kernels", "::mlir::ModuleOp"> {
  let summary = "One kernel module; launches become calls naming a kernel "
                "number";
  let description = [{
    After `gpu-kernel-outlining`: moves every kernel into one `gpu.module
    @recur_kernels` (renaming on clashes), records the kernels' names in the
    module attribute `recur.gpu_kernels` (the launch callback's kernel
    numbers are indices into it), and replaces each `gpu.launch_func` with a
    call of a private declaration `@__recur_gpu_launch_N(grid x, y, z,
    block x, y, z, dynamic shared bytes, kernel operands...)` carrying the
    kernel number in `recur.gpu_kernel`. --recur-host-abi gives those
    declarations bodies that call the env's `launch`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect"
  ];
}

def RecurGPUExpandMath : Pass<"recur-gpu-expand-math"> {
  let summary = "Math in kernels without libdevice";
  let description = [{
    Rewrites math ops into arith (MLIR's expansions, then its polynomial
    approximations: exp, log, tanh, erf, ...) and the ones PTX has
    instructions for (sqrt, fma, abs, floor, ceil, copysign) into LLVM
    intrinsics, so that convert-gpu-to-nvvm finds no op it would send to
    libdevice. A math op left over is an error at its location. Run it on
    the kernel module.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def RecurSimKernels : Pass<"recur-sim-kernels", "::mlir::ModuleOp"> {
  let summary = "The NVVM kernel module as host code for the sim device";
  let description = [{
    Takes `gpu.module @recur_kernels` after convert-gpu-to-nvvm and makes
    its kernels host functions with the sim ABI of host_abi.h: special
    registers (`nvvm.read.ptx.sreg.*`) are loads from the
    `recur_sim_thread` passed first, `nvvm.barrier0` and `nvvm.shfl.sync`
    call the runtime through it, shared variables (address space 3 globals)
    are offsets into the block's shared memory (laid out here at multiples
    of 16; dynamic shared memory after them). Each kernel `k` gets the
    exported wrapper `__recur_sim_kernel_k(thread, args)`. The functions
    move into the host module, the kernel module disappears, and
    `recur.sim_kernels` on the module lists each kernel's static shared
    bytes and whether it synchronizes. Any other NVVM op is an error.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def RecurGPUScans : Pass<"recur-gpu-scans", "::mlir::ModuleOp"> {
  let summary = "Diagonal and scalar linear scans as calls of GPU scan "
                "kernels (GPU targets, on tensors)";
  let description = [{
    Replaces each `recur.linear_scan` with a `diagonal` or `scalar`
    transition (f32; diagonal on any time axis, scalar on axis 0; sequence
    lengths when the state past dimension 0 is static) by a call of a
    private declaration `@__recur_gpu_scan_N(a, b, h0) -> (states, last)`
    whose arguments are `bufferization.access = "read"` (a missing `init`
    becomes zeros). A coefficient (a of a diagonal scan, or b) that a
    stateless `recur.recurrence` computes elementwise from its sequences (a
    tree of identity-map `linalg.generic` ops, f32, no captures) is fused:
    the call takes those sequences, and a private scalar function
    `@__recur_gpu_scan_N_a` / `_b` computes one element from one element of
    each, called in the kernel's loads. Bufferization treats the call as opaque;
    --recur-gpu-scan-kernels gives the declaration its body afterwards.
    Other scans are left to --recur-lower-scans.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
}

def RecurGPUScanKernels
    : Pass<"recur-gpu-scan-kernels", "::mlir::ModuleOp"> {
  let summary = "Bodies of the GPU scan declarations: block-level scans";
  let description = [{
    After bufferization, each `@__recur_gpu_scan_N` declaration of
    --recur-gpu-scans gets a body: the results allocated, and one
    `gpu.launch` with a block of 256 threads per state element that walks
    the sequence in tiles of 1024 steps: each thread composes its 4 steps
    `h -> A h + B` sequentially, a warp scans the (A, B) pairs with
    `gpu.shuffle up`, warp totals meet in shared memory (workgroup
    attributions) between barriers, and each thread writes its states from
    the carried state through its prefix. The kernel is an ordinary
    gpu.launch from then on (outlined, lowered to NVVM; on sim its threads
    run as fibers). With at least `wide-threshold` state elements (known at
    run time) a second kernel runs instead: one thread per element walking
    its sequence, so that a warp's loads and stores are coalesced.
  }];
  let options = [
    Option<"wideThreshold", "wide-threshold", "int64_t", /*default=*/"32768",
           "State elements from which a scan runs one thread per element "
           "instead of one block per element">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

#endif // RECUR_PASSES_TD
