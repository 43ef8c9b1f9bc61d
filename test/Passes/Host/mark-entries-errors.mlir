// RUN: recur-opt %s --split-input-file --recur-host-mark-entries -verify-diagnostics
//
// Host entry points take and return ranked memrefs with the identity layout
// only: what a host_abi.h descriptor describes.

// expected-error @+1 {{host entry point @tensor_operand: operand #0 has type 'tensor<4xf32>'; entry points take and return only ranked memrefs with the identity layout}}
func.func @tensor_operand(%x: tensor<4xf32>) {
  return
}

// -----

// expected-error @+1 {{host entry point @scalar_operand: operand #1 has type 'index'}}
func.func @scalar_operand(%x: memref<?xf32>, %n: index) {
  return
}

// -----

// expected-error @+1 {{host entry point @unranked_result: result #0 has type 'memref<*xf32>'}}
func.func @unranked_result(%x: memref<4xf32>) -> memref<*xf32> {
  %u = memref.cast %x : memref<4xf32> to memref<*xf32>
  return %u : memref<*xf32>
}

// -----

// expected-error @+1 {{host entry point @strided_result: result #0 has type 'memref<2xf32, strided<[2]>>'}}
func.func @strided_result(%x: memref<4xf32>) -> memref<2xf32, strided<[2]>> {
  %s = memref.subview %x[0] [2] [2] : memref<4xf32> to memref<2xf32, strided<[2]>>
  return %s : memref<2xf32, strided<[2]>>
}
