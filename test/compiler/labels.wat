;; No fusion reaches across a branch target: another path arrives there
;; without running the instruction before it. Each function below has a block
;; whose value comes both from a branch and from a last instruction that a
;; fusion would otherwise rewrite: the add before a load, the compare before
;; an `if`, the mul before a local.set. All three stay apart.
(module
  (memory 1)
  (data (i32.const 8) "\2a\2b\2c\2d\2e")
  (func $add_load (param i32 i32) (result i32)
    (block (result i32)
      (drop (br_if 0 (i32.const 8) (local.get 1)))
      (i32.add (local.get 0) (i32.const 4)))
    (i32.load8_u))
  (func $cmp_if (param i32 i32) (result i32)
    (block (result i32)
      (drop (br_if 0 (i32.const 1) (local.get 1)))
      (i32.lt_s (local.get 0) (i32.const 5)))
    (if (result i32) (then (i32.const 10)) (else (i32.const 20))))
  (func $mul_set (param i32) (result i32) (local i32)
    (if (result i32) (local.get 0) (then (i32.add (local.get 0) (i32.const 1))) (else (i32.mul (local.get 0) (i32.const 3))))
    (local.set 1)
    (local.get 1))
  ;; check i32: (call $add_load (i32.const 8) (i32.const 1))
  ;; check i32: (call $add_load (i32.const 6) (i32.const 0))
  ;; check i32: (call $cmp_if (i32.const 0) (i32.const 0))
  ;; check i32: (call $cmp_if (i32.const 9) (i32.const 0))
  ;; check i32: (call $cmp_if (i32.const 9) (i32.const 1))
  ;; check i32: (call $mul_set (i32.const 0))
  ;; check i32: (call $mul_set (i32.const 5))
)
