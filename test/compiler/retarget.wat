;; An instruction writes its result straight into the local a following
;; local.set/local.tee names (no Copy), and a returned value straight into
;; slot 0. A stacked read of the local made before the set keeps the old
;; value (it is copied out first), and a result that is not the last
;; instruction's is copied.
(module
  (func $set (param i32 i32) (result i32) (local i32)
    (local.set 2 (i32.mul (local.get 0) (local.get 1)))
    (i32.add (local.get 2) (local.get 0)))
  (func $tee (param i32) (result i32) (local i32)
    (i32.add (local.tee 1 (i32.add (local.get 0) (i32.const 1))) (local.get 1)))
  (func $ret (param i32 i32) (result i32) (i32.xor (local.get 0) (local.get 1)))
  (func $stale (param i32) (result i32)
    (local.get 0) (local.set 0 (i32.add (local.get 0) (i32.const 100))) (local.get 0) (i32.sub))
  (func $not_last (param i32) (result i32) (local i32)
    (i32.add (local.get 0) (i32.const 1)) (i32.mul (local.get 0) (local.get 0)) (drop) (local.set 1) (local.get 1))
  ;; check i32: (call $set (i32.const 6) (i32.const 7))
  ;; check i32: (call $tee (i32.const 4))
  ;; check i32: (call $ret (i32.const 12) (i32.const 10))
  ;; check i32: (call $stale (i32.const 1))
  ;; check i32: (call $not_last (i32.const 41))
)
