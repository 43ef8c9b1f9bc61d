// RUN: recur-opt %s --recur-sim-kernels | FileCheck %s
//
// An NVVM kernel becomes host code with the sim ABI (host_abi.h,
// recur_sim_thread): special registers are loads at their offsets, shared
// variables are offsets into the block's shared memory (multiples of 16),
// barriers and shuffles call the runtime, and an exported wrapper unpacks
// the launch's argument pointers.

// CHECK:       module attributes {{{.*}}recur.sim_kernels = [{name = "k", shared = 160 : i64, sync = true}]}
// CHECK-NOT:   gpu.module
// CHECK:       llvm.func internal @__recur_sim_body_k(%[[T:.*]]: !llvm.ptr, %[[A:.*]]: !llvm.ptr, %[[N:.*]]: i64) attributes {recur.device_code}
// The shuffles' predicate slots sit in the entry block.
// CHECK:         %[[VALID1:.*]] = llvm.alloca
// CHECK:         %[[VALID0:.*]] = llvm.alloca
// tid.x, ctaid.y, ntid.z: offsets 0, 24 + 4, 12 + 8.
// CHECK:         %[[TIDP:.*]] = llvm.getelementptr %[[T]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         %[[TID:.*]] = llvm.load %[[TIDP]] : !llvm.ptr -> i32
// CHECK:         llvm.getelementptr %[[T]][28]
// CHECK:         llvm.getelementptr %[[T]][20]
// The first shared array at 0, the second after its 128 bytes.
// CHECK:         %[[SH0P:.*]] = llvm.getelementptr %[[T]][56]
// CHECK:         %[[SH0:.*]] = llvm.load %[[SH0P]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[AT0:.*]] = llvm.getelementptr %[[SH0]][0]
// CHECK:         llvm.addrspacecast %[[AT0]] : !llvm.ptr to !llvm.ptr<3>
// CHECK:         %[[SH1:.*]] = llvm.load
// CHECK:         %[[AT1:.*]] = llvm.getelementptr %[[SH1]][128]
// CHECK:         llvm.addrspacecast %[[AT1]] : !llvm.ptr to !llvm.ptr<3>
// bar.sync: barrier(sched), at offsets 72 and 64.
// CHECK:         %[[BARP:.*]] = llvm.getelementptr %[[T]][72]
// CHECK:         %[[BAR:.*]] = llvm.load %[[BARP]]
// CHECK:         %[[SCHEDP:.*]] = llvm.getelementptr %[[T]][64]
// CHECK:         %[[SCHED:.*]] = llvm.load %[[SCHEDP]]
// CHECK:         llvm.call %[[BAR]](%[[SCHED]]) : !llvm.ptr, (!llvm.ptr) -> ()
// shfl.sync.bfly on an f32: mode 2, the value's bits.
// CHECK:         %[[BITS:.*]] = llvm.bitcast %{{.*}} : f32 to i32
// CHECK:         llvm.getelementptr %[[T]][80]
// CHECK:         %[[BFLY:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK:         %[[R:.*]] = llvm.call %{{.*}}(%{{.*}}, %[[BFLY]], %[[BITS]], %{{.*}}, %{{.*}}, %{{.*}}, %[[VALID0]])
// CHECK:         llvm.bitcast %[[R]] : i32 to f32
// shfl.sync.up with the predicate: mode 0, the struct from the result and
// the slot.
// CHECK:         %[[UP:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK:         %[[R2:.*]] = llvm.call %{{.*}}(%{{.*}}, %[[UP]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[VALID1]])
// CHECK:         %[[V:.*]] = llvm.load %[[VALID1]] : !llvm.ptr -> i32
// CHECK:         %[[OK:.*]] = llvm.icmp "ne" %[[V]]
// CHECK:         llvm.insertvalue %[[R2]]
// CHECK:         llvm.insertvalue %[[OK]]
// CHECK-NOT:     nvvm.
// CHECK:         llvm.return
// CHECK:       llvm.func @__recur_sim_kernel_k(%[[T2:.*]]: !llvm.ptr, %[[ARGS:.*]]: !llvm.ptr) attributes {recur.device_code}
// CHECK:         %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[X0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1]
// CHECK:         %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[X1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> i64
// CHECK:         llvm.call @__recur_sim_body_k(%[[T2]], %[[X0]], %[[X1]])

module attributes {gpu.container_module} {
  gpu.module @recur_kernels {
    llvm.mlir.global internal @__wg_k_0() {addr_space = 3 : i32} : !llvm.array<32 x f32>
    llvm.mlir.global internal @__wg_k_1() {addr_space = 3 : i32} : !llvm.array<3 x i64>
    llvm.func @k(%a: !llvm.ptr, %n: i64) attributes {gpu.kernel, nvvm.kernel, nvvm.maxntid = array<i32: 32, 1, 1>} {
      %tid = nvvm.read.ptx.sreg.tid.x : i32
      %bid = nvvm.read.ptx.sreg.ctaid.y : i32
      %ntid = nvvm.read.ptx.sreg.ntid.z : i32
      %sh = llvm.mlir.addressof @__wg_k_0 : !llvm.ptr<3>
      %sh1 = llvm.mlir.addressof @__wg_k_1 : !llvm.ptr<3>
      %i = llvm.sext %tid : i32 to i64
      %p = llvm.getelementptr %a[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
      %v = llvm.load %p : !llvm.ptr -> f32
      %q = llvm.getelementptr %sh[0, %i] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, !llvm.array<32 x f32>
      llvm.store %v, %q : f32, !llvm.ptr<3>
      llvm.store %n, %sh1 : i64, !llvm.ptr<3>
      nvvm.barrier0
      %mask = llvm.mlir.constant(-1 : i32) : i32
      %one = llvm.mlir.constant(1 : i32) : i32
      %clamp = llvm.mlir.constant(31 : i32) : i32
      %s = nvvm.shfl.sync bfly %mask, %v, %one, %clamp : f32 -> f32
      %t = nvvm.shfl.sync up %mask, %bid, %one, %ntid {return_value_and_is_valid} : i32 -> !llvm.struct<(i32, i1)>
      llvm.store %s, %p : f32, !llvm.ptr
      llvm.return
    }
  }
}
