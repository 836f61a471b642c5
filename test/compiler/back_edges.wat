;; The branches that jump back to a loop's start are the *Back forms, which
;; poll the store's interrupt (one more iteration); every other branch keeps
;; its plain form, so forward branches and loop bodies pay nothing. A br to a
;; loop is BrBack, a br_if on a plain condition BrIfBack, a compare fused
;; into it BrIf<cmp>Back / BrIf<cmp>IBack. A br_if whose values must move
;; first skips the copies on the negated condition (forward, plain) and then
;; jumps back with BrBack. A br_table is BrTableBack when an entry jumps
;; straight to a loop's start, plain BrTable when none does.
(module
  (func $countdown (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (local.get 1))
  (func $compare (param i32 i32) (result i32) (local i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (i32.const 3)))
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get 0) (local.get 1))))
    (local.get 2))
  (func $compare_imm (param i64) (result i64)
    (loop $l
      (local.set 0 (i64.mul (local.get 0) (i64.const 3)))
      (br_if $l (i64.lt_u (local.get 0) (i64.const 1000))))
    (local.get 0))
  (func $exit_forward (param i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get 0) (i32.const 50)))
        (local.set 0 (i32.add (local.get 0) (i32.const 7)))
        (br $l)))
    (local.get 0))
  (func $loop_param (param i32) (result i32) (local i32)
    (i32.const 1)
    (loop $l (param i32) (result i32)
      (local.set 1 (i32.mul (i32.const 2)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 1) (local.get 0))))
  (func $table_back (param i32) (result i32) (local i32)
    (block $out
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_table $l $out (i32.eqz (local.get 0)))))
    (local.get 1))
  (func $table_forward (param i32) (result i32)
    (block $b
      (block $a
        (br_table $a $b (local.get 0)))
      (return (i32.const 10)))
    (i32.const 20))
  ;; check i32: (call $countdown (i32.const 5))
  ;; check i32: (call $compare (i32.const 0) (i32.const 4))
  ;; check i32: (call $compare (i32.const 9) (i32.const 4))
  ;; check i64: (call $compare_imm (i64.const 2))
  ;; check i32: (call $exit_forward (i32.const 1))
  ;; check i32: (call $loop_param (i32.const 5))
  ;; check i32: (call $table_back (i32.const 4))
  ;; check i32: (call $table_forward (i32.const 0))
  ;; check i32: (call $table_forward (i32.const 1))
)
