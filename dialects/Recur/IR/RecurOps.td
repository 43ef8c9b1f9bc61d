//===- RecurOps.td - recur dialect operations -----------------*- tablegen -*-===//
//
// The ops of the recur dialect: the general recurrence, the associative scan,
// the linear scan with a declared transition structure, and the named ONNX
// cells. Every op here has an exact sequential meaning, given by
// --recur-lower-to-loops.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_OPS_TD
#define RECUR_OPS_TD

include "dialects/Recur/IR/RecurDialect.td"
include "dialects/Recur/IR/RecurInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

class Recur_Op<string mnemonic, list<Trait> traits = []>
    : Op<Recur_Dialect, mnemonic, traits>;

// Sequence lengths: one signless integer per batch entry.
def Recur_SeqLens : 1DTensorOf<[I32, I64]>;

//===----------------------------------------------------------------------===//
// recur.yield
//===----------------------------------------------------------------------===//

def Recur_YieldOp : Recur_Op<"yield", [Pure, Terminator, ReturnLike,
    ParentOneOf<["RecurrenceOp", "ScanOp"]>]> {
  let summary = "Ends a recur body, yielding its values";
  let description = [{
    Ends the body of `recur.recurrence` (next states, then per-step outputs)
    or the combiner of `recur.scan` (the combined values).
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ /* nothing to yield */ }]>];
}

//===----------------------------------------------------------------------===//
// recur.recurrence
//===----------------------------------------------------------------------===//

def Recur_RecurrenceOp : Recur_Op<"recurrence", [
    RecursiveMemoryEffects, IsolatedFromAbove, SingleBlock,
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<Recur_RecurrenceOpInterface>]> {
  let summary = "The general recurrence h_t = f(h_{t-1}, x_t)";
  let description = [{
    Steps states through a sequence, like ONNX `Scan` or `jax.lax.scan`.

    Operands: initial states `init`, sequence inputs `seq` (each with a time
    axis, `time_axis`, of the same length T), captured values `captures`
    (read by every step), and optional per-batch sequence lengths
    `seq_lens`. The body is isolated from above: it sees the world only
    through its arguments, which are, in order, the current states, the
    step's slice of each sequence input (the time axis removed) and the
    captured values. It yields the next states, then the step's outputs.

    Results: the final states, then each per-step output stacked along the
    time axis (at position `time_axis`).

    With `reverse`, steps run from t = T-1 down to 0 and outputs are stored
    at the index of the step that produced them.

    With `seq_lens` (a 1-D tensor of B integers), dimension 0 of every state,
    every step slice and every step output is the batch. For batch entry b,
    only steps t < seq_lens[b] are active: an inactive step leaves the
    state of entry b unchanged and its outputs zero (ONNX's semantics; in
    reverse, entry b thus runs from t = seq_lens[b]-1 down to 0).

    Example: a running sum over 8 steps.

    ```mlir
    %sum, %ys = recur.recurrence init(%h0 : tensor<4xf32>)
        seq(%x : tensor<8x4xf32>) -> tensor<4xf32>, tensor<8x4xf32> {
    ^bb0(%h: tensor<4xf32>, %xt: tensor<4xf32>):
      %n = arith.addf %h, %xt : tensor<4xf32>
      recur.yield %n, %n : tensor<4xf32>, tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins
    Variadic<AnyRankedTensor>:$inits,
    Variadic<AnyRankedTensor>:$sequences,
    Variadic<AnyType>:$captures,
    Optional<Recur_SeqLens>:$seqLens,
    DefaultValuedAttr<I64Attr, "0">:$time_axis,
    UnitAttr:$reverse
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    (`init` `(` $inits^ `:` type($inits) `)`)?
    `seq` `(` $sequences `:` type($sequences) `)`
    (`captures` `(` $captures^ `:` type($captures) `)`)?
    (`seq_lens` `(` $seqLens^ `:` type($seqLens) `)`)?
    attr-dict `->` type($results) $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    unsigned getNumStates() { return getInits().size(); }
    unsigned getNumStepOutputs() { return getResults().size() - getNumStates(); }
    /// The final states (first results).
    ::mlir::ResultRange getFinalStates() {
      return getResults().take_front(getNumStates());
    }
    /// The stacked per-step outputs (results after the final states).
    ::mlir::ResultRange getStepOutputs() {
      return getResults().drop_front(getNumStates());
    }
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    /// The body's terminator.
    YieldOp getYield();
  }];
}

//===----------------------------------------------------------------------===//
// recur.scan
//===----------------------------------------------------------------------===//

def Recur_ScanOp : Recur_Op<"scan", [
    RecursiveMemoryEffects, IsolatedFromAbove, SingleBlock,
    AttrSizedOperandSegments]> {
  let summary = "Associative scan with a combiner region";
  let description = [{
    Scans N operands at once (a tuple of sequences, as
    `jax.lax.associative_scan` takes a pytree) along `time_axis` with the
    combiner in the body. The combiner takes 2N arguments, the accumulated
    value (N slices) then the next element (N slices), and yields N slices.
    Associativity of the combiner is the author's promise: parallel
    lowerings regroup applications freely.

    Inclusive (default): out_t = x_0 (+) x_1 (+) ... (+) x_t, or
    init (+) x_0 (+) ... (+) x_t when `init` is given.
    Exclusive (`exclusive`, needs `init`): out_0 = init and
    out_t = init (+) x_0 (+) ... (+) x_{t-1}.
    With `reverse` the scan runs from the last element to the first:
    out_t = x_{T-1} (+) ... (+) x_t (inclusive), the accumulated value
    always the combiner's first argument.

    ```mlir
    %cumsum = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
    ^bb0(%acc: tensor<4xf32>, %e: tensor<4xf32>):
      %s = arith.addf %acc, %e : tensor<4xf32>
      recur.yield %s : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins
    Variadic<AnyRankedTensor>:$inputs,
    Variadic<AnyRankedTensor>:$inits,
    DefaultValuedAttr<I64Attr, "0">:$time_axis,
    UnitAttr:$exclusive,
    UnitAttr:$reverse
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$combiner);
  let assemblyFormat = [{
    `(` $inputs `:` type($inputs) `)`
    (`init` `(` $inits^ `:` type($inits) `)`)?
    attr-dict `->` type($results) $combiner
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Block &getCombinerBlock() { return getCombiner().front(); }
    /// The combiner's terminator.
    YieldOp getYield();
  }];
}

//===----------------------------------------------------------------------===//
// recur.linear_scan
//===----------------------------------------------------------------------===//

def Recur_LinearScanOp : Recur_Op<"linear_scan", [Pure,
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<Recur_RecurrenceOpInterface>]> {
  let summary = "The linear recurrence h_t = A_t h_{t-1} + b_t";
  let description = [{
    Evaluates `h_t = A_t h_{t-1} + b_t` for every step, where `b` carries the
    time axis (`time_axis`) and each step's `b_t` has the state's shape S.
    The leading `batch_dims` dimensions of S are independent rows (A never
    mixes them); the transition acts on the rest, the unit state
    U = S[batch_dims:]. The `structure` says what A_t is and so what the
    coefficient operands `a` hold per step (each with the same time axis):

    - `scalar`: one number per unit, shape S[:batch_dims], broadcast over U
      (linear attention with a scalar decay: batch_dims = 2 over
      [B, H, dk, dv]; gated linear attention: batch_dims = 3).
    - `diagonal`: elementwise, shape S (Mamba's exp(dt*A) over [B, D, N]).
    - `block_diagonal`: shape S[:batch_dims] ++ [n/k, k, k], blocks of size k
      acting on the unit's first dimension (n = U[0]).
    - `identity_plus_low_rank`: two operands u, v of shape
      S[:batch_dims] ++ [n, r]; A_t = I + u v^T (the delta rule:
      u = -beta k, v = k).
    - `dense`: shape S[:batch_dims] ++ [n, n].

    Matrix transitions act on the unit's first dimension:
    (A h)[i, ...] = sum_j A[i, j] h[j, ...], so a matrix state [dk, dv] is
    dv independent columns.

    `init` defaults to zero. Results: every h_t stacked along the time axis
    (the shape of `b`), and the final state. `reverse` and `seq_lens` mean
    what they mean for `recur.recurrence` (inactive steps keep the state and
    output zero; dimension 0 of S is the batch).

    ```mlir
    %hs, %last = recur.linear_scan diagonal a(%a : tensor<16x4xf32>)
        b(%b : tensor<16x4xf32>) init(%h0 : tensor<4xf32>)
        -> tensor<16x4xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins
    Recur_StructureAttr:$structure,
    Variadic<AnyRankedTensor>:$coefficients,
    AnyRankedTensor:$b,
    Optional<AnyRankedTensor>:$init,
    Optional<Recur_SeqLens>:$seqLens,
    DefaultValuedAttr<I64Attr, "0">:$time_axis,
    DefaultValuedAttr<I64Attr, "0">:$batch_dims,
    UnitAttr:$reverse
  );
  let results = (outs AnyRankedTensor:$states, AnyRankedTensor:$last);
  let assemblyFormat = [{
    $structure `a` `(` $coefficients `:` type($coefficients) `)`
    `b` `(` $b `:` type($b) `)`
    (`init` `(` $init^ `:` type($init) `)`)?
    (`seq_lens` `(` $seqLens^ `:` type($seqLens) `)`)?
    attr-dict `->` type($states) `,` type($last)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Named cells: recur.lstm, recur.gru, recur.rnn
//===----------------------------------------------------------------------===//

// The attributes and optional inputs the three ONNX cells share; each cell
// adds its own (input_forget and peepholes for LSTM, linear_before_reset for
// GRU).
class Recur_CellOp<string mnemonic, string onnxName, dag extraArgs,
                   dag cellResults, string extraFormat, string equations>
    : Recur_Op<mnemonic, [Pure, AttrSizedOperandSegments,
        DeclareOpInterfaceMethods<Recur_RecurrenceOpInterface>]> {
  let summary = "The ONNX " # onnxName # " cell, with ONNX's exact semantics";
  let description = [{
    ONNX's }] # onnxName # [{ operator (opset 14) over a whole sequence. Operands
    and attributes keep ONNX's names, shapes and defaults:

    - `x`: [T, B, I] (`layout = 0`) or [B, T, I] (`layout = 1`);
    - `w`, `r`: input and recurrent weights, [D, G*H, I] and [D, G*H, H],
      gates stacked in ONNX's order; D = 2 for `bidirectional`, else 1;
    - `bias`: [D, 2*G*H] (input biases then recurrent biases), zero if absent;
    - `seq_lens`: [B], T for every entry if absent;
    - `initial_h` (and `initial_c`): [D, B, H] (`layout = 0`) or [B, D, H],
      zero if absent.

    Results: `y` ([T, D, B, H], or [B, T, D, H] with `layout = 1`; zero at
    steps past an entry's length), `y_h` (and `y_c`), the last valid states,
    [D, B, H] or [B, D, H]; an entry of length 0 gets zero `y_h` and `y_c`
    even with initial states, as ONNX Runtime does.

    Attributes: `hidden_size` (H, required), `direction`, `activations`
    (names as ONNX spells them, any case; the defaults of the cell
    repeated per direction), `activation_alpha` / `activation_beta` (consumed
    in order by the activations that take them: Affine, LeakyRelu,
    ThresholdedRelu, ScaledTanh, HardSigmoid, Elu; others use ONNX's
    defaults), `clip` (clamps every gate pre-activation to [-clip, clip]),
    `layout`.

    Equations per step (f, g, h the activations; Xt*W^T etc.):
  }] # equations;
  let arguments = !con((ins
    AnyRankedTensor:$x,
    AnyRankedTensor:$w,
    AnyRankedTensor:$r,
    Optional<AnyRankedTensor>:$bias,
    Optional<Recur_SeqLens>:$seqLens,
    Optional<AnyRankedTensor>:$initial_h), extraArgs, (ins
    I64Attr:$hidden_size,
    DefaultValuedAttr<Recur_DirectionAttr, "::recur::Direction::forward">:$direction,
    OptionalAttr<StrArrayAttr>:$activations,
    OptionalAttr<F32ArrayAttr>:$activation_alpha,
    OptionalAttr<F32ArrayAttr>:$activation_beta,
    OptionalAttr<F32Attr>:$clip,
    DefaultValuedAttr<I64Attr, "0">:$layout));
  let results = cellResults;
  let assemblyFormat = [{
    `(` $x `,` $w `,` $r `:` type($x) `,` type($w) `,` type($r) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`seq_lens` `(` $seqLens^ `:` type($seqLens) `)`)?
    (`initial_h` `(` $initial_h^ `:` type($initial_h) `)`)?
  }] # extraFormat # [{
    attr-dict `->` type(results)
  }];
  let hasVerifier = 1;
  code cellClassDeclaration = [{
    unsigned getNumDirectionsValue() {
      return getDirection() == ::recur::Direction::bidirectional ? 2 : 1;
    }
  }];
  let extraClassDeclaration = cellClassDeclaration;
}

def Recur_LSTMOp : Recur_CellOp<"lstm", "LSTM",
    (ins Optional<AnyRankedTensor>:$initial_c,
         Optional<AnyRankedTensor>:$peepholes,
         DefaultValuedAttr<BoolAttr, "false">:$input_forget),
    (outs AnyRankedTensor:$y, AnyRankedTensor:$y_h, AnyRankedTensor:$y_c),
    [{
    (`initial_c` `(` $initial_c^ `:` type($initial_c) `)`)?
    (`peepholes` `(` $peepholes^ `:` type($peepholes) `)`)?
    }],
    [{

    ```
    it = f(Xt*Wi^T + Ht-1*Ri^T + Pi (.) Ct-1 + Wbi + Rbi)
    ft = f(Xt*Wf^T + Ht-1*Rf^T + Pf (.) Ct-1 + Wbf + Rbf)   (1 - it with input_forget)
    ct = g(Xt*Wc^T + Ht-1*Rc^T + Wbc + Rbc)
    Ct = ft (.) Ct-1 + it (.) ct
    ot = f(Xt*Wo^T + Ht-1*Ro^T + Po (.) Ct + Wbo + Rbo)
    Ht = ot (.) h(Ct)
    ```

    Gates are stacked i, o, f, c in `w`, `r` and `bias` (G = 4); `peepholes`
    is [D, 3*H] in the order i, o, f. Default activations: Sigmoid, Tanh,
    Tanh.
    }]>;

def Recur_GRUOp : Recur_CellOp<"gru", "GRU",
    (ins DefaultValuedAttr<BoolAttr, "false">:$linear_before_reset),
    (outs AnyRankedTensor:$y, AnyRankedTensor:$y_h), "",
    [{

    ```
    zt = f(Xt*Wz^T + Ht-1*Rz^T + Wbz + Rbz)
    rt = f(Xt*Wr^T + Ht-1*Rr^T + Wbr + Rbr)
    ht = g(Xt*Wh^T + (rt (.) Ht-1)*Rh^T + Rbh + Wbh)        linear_before_reset = false
    ht = g(Xt*Wh^T + rt (.) (Ht-1*Rh^T + Rbh) + Wbh)        linear_before_reset = true
    Ht = (1 - zt) (.) ht + zt (.) Ht-1
    ```

    Gates are stacked z, r, h (G = 3). Default activations: Sigmoid, Tanh.
    }]>;

def Recur_RNNOp : Recur_CellOp<"rnn", "RNN", (ins),
    (outs AnyRankedTensor:$y, AnyRankedTensor:$y_h), "",
    [{

    ```
    Ht = f(Xt*Wi^T + Ht-1*Ri^T + Wbi + Rbi)
    ```

    G = 1. Default activation: Tanh.
    }]>;

#endif // RECUR_OPS_TD
