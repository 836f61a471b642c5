;; A store folds the add of its address (<store>Add, <store>AddI) when the
;; value needs no code of its own, so the add is the last instruction: a local,
;; or a constant whose slot is not an input of the add. A constant address
;; becomes <store>Abs. Not fused: a value computed after the add, and a
;; constant value that would overwrite the add's right operand.
(module
  (memory 1)
  (func $slots (param i32 i32 i32) (result i32)
    (i32.store (i32.add (local.get 0) (local.get 1)) (local.get 2))
    (i32.load (i32.add (local.get 0) (local.get 1))))
  (func $imm_const (param i32) (result i32)
    (i32.store16 offset=2 (i32.add (local.get 0) (i32.const 6)) (i32.const 0x1234))
    (i32.load offset=8 (local.get 0)))
  (func $abs (param i64) (result i64)
    (i64.store offset=16 (i32.const 8) (local.get 0))
    (i64.load (i32.const 24)))
  (func $computed (param i32 i32) (result i32)
    (i32.store8 (i32.add (local.get 0) (i32.const 1)) (i32.mul (local.get 1) (local.get 1)))
    (i32.load8_u offset=1 (local.get 0)))
  (func $clash (param i32) (result i32)
    (i32.store (i32.add (local.get 0) (i32.load (i32.const 0))) (i32.const 7))
    (i32.load (i32.add (local.get 0) (i32.load (i32.const 0)))))
  ;; check i32: (call $slots (i32.const 100) (i32.const 4) (i32.const -9))
  ;; check i32: (call $imm_const (i32.const 0))
  ;; check i64: (call $abs (i64.const 0x0102030405060708))
  ;; check i32: (call $computed (i32.const 40) (i32.const 12))
  ;; check i32: (call $clash (i32.const 200))
  ;; check i32: (call $slots (i32.const 65534) (i32.const 0) (i32.const 1))
)
