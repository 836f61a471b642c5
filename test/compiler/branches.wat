;; Branches that carry values: a br_if whose values already sit in the
;; target's slots jumps directly (BrIf<cmp> to the end); one whose values must
;; move first branches around the copies on the negated condition. A br_table
;; entry jumps directly when no value moves, else to a stub that copies then
;; branches. A constant that needs 64 bits is materialized with Const64.
(module
  (func $direct (param i32) (result i32)
    (block (result i32) (i32.add (local.get 0) (i32.const 1)) (br_if 0 (i32.gt_u (local.get 0) (i32.const 3))) (i32.const 2) (i32.mul)))
  (func $moved (param i32) (result i32)
    (block (result i32) (br_if 0 (local.get 0) (i32.gt_u (local.get 0) (i32.const 3))) (i32.const 2) (i32.mul)))
  (func $table (param i32) (result i32)
    (block $b (result i32)
      (i32.add (i32.const 1000)
        (block $a (result i32)
          (br_table $a $b $a (i32.add (local.get 0) (i32.const 70)) (local.get 0))))))
  (func $wide (result i64) (i64.const 0x123456789abcdef))
  ;; check i32: (call $direct (i32.const 3))
  ;; check i32: (call $direct (i32.const 9))
  ;; check i32: (call $moved (i32.const 3))
  ;; check i32: (call $moved (i32.const 9))
  ;; check i32: (call $table (i32.const 0))
  ;; check i32: (call $table (i32.const 1))
  ;; check i32: (call $table (i32.const 7))
  ;; check i64: (call $wide)
)
