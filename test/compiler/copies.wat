;; Back-to-back copies share one dispatch, up to three per instruction
;; (Copy2, Copy3): the loop variables of a Fibonacci step rotate, a block's
;; results reach their slots, and reversing four params into the results
;; takes eight copies: Copy3, Copy3, Copy2.
(module
  (func $fib (param i32) (result i64) (local i64 i64 i64)
    (local.set 2 (i64.const 1))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 3 (i64.add (local.get 1) (local.get 2)))
        (local.set 1 (local.get 2))
        (local.set 2 (local.get 3))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get 1))
  (func $four (param i32 i32 i32 i32) (result i32 i32 i32 i32)
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))
  (func $three (param i32 i32 i32) (result i32)
    (block (result i32 i32 i32) (local.get 2) (local.get 1) (local.get 0))
    (i32.sub) (i32.mul))
  ;; check i64: (call $fib (i32.const 50))
  ;; check i32: (call $three (i32.const 5) (i32.const 3) (i32.const 10))
  ;; check i32: (call $four (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)) (i32.add) (i32.add) (i32.sub)
)
