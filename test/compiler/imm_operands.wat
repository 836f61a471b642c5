;; A constant operand becomes the instruction's immediate (<op>I): on the
;; right, on the left of a commutative op, as a negated add for a sub, and as
;; a 64-bit immediate for i64. Not for the left of a non-commutative op, where
;; the constant is materialized into its slot (Const32/Const64).
(module
  (func $add_right (param i32) (result i32) (i32.add (local.get 0) (i32.const 5)))
  (func $mul_left (param i32) (result i32) (i32.mul (i32.const 3) (local.get 0)))
  (func $sub_right (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1)))
  (func $sub_left (param i32) (result i32) (i32.sub (i32.const 10) (local.get 0)))
  (func $shl_imm (param i32) (result i32) (i32.shl (local.get 0) (i32.const 33)))
  (func $add64_wide (param i64) (result i64) (i64.add (local.get 0) (i64.const 0x100000007)))
  (func $sub64 (param i64) (result i64) (i64.sub (local.get 0) (i64.const 3)))
  (func $sub64_left (param i64) (result i64) (i64.sub (i64.const 0x123456789) (local.get 0)))
  (func $fmul (param f32) (result f32) (f32.mul (local.get 0) (f32.const 2.5)))
  ;; check i32: (call $add_right (i32.const -7))
  ;; check i32: (call $mul_left (i32.const 0x40000001))
  ;; check i32: (call $sub_right (i32.const 0))
  ;; check i32: (call $sub_left (i32.const 13))
  ;; check i32: (call $shl_imm (i32.const 3))
  ;; check i64: (call $add64_wide (i64.const -1))
  ;; check i64: (call $sub64 (i64.const 1))
  ;; check i64: (call $sub64_left (i64.const 0x23456789))
  ;; check i32: (i32.reinterpret_f32 (call $fmul (f32.const 1.25)))
)
