;; An i32.add computing a load's address folds into the load: two slots
;; (<load>Add) or a slot and a constant (<load>AddI), the sum wrapping in 32
;; bits as the add would before the offset is added in 64. A constant address
;; becomes <load>Abs with the offset already added (no wrap).
(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (func $slots (param i32 i32) (result i32) (i32.load offset=4 (i32.add (local.get 0) (local.get 1))))
  (func $imm (param i32) (result i32) (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 2))))
  (func $wraps (param i32) (result i64) (i64.load (i32.add (local.get 0) (i32.const 8))))
  (func $const (result i32) (i32.load16_s offset=6 (i32.const 8)))
  (func $sub_addr (param i32) (result i32) (i32.load8_s (i32.sub (local.get 0) (i32.const 4))))
  ;; check i32: (call $slots (i32.const 1) (i32.const 2))
  ;; check i32: (call $slots (i32.const -8) (i32.const 4))
  ;; check i32: (call $imm (i32.const 3))
  ;; check i64: (call $wraps (i32.const -8))
  ;; check i64: (call $wraps (i32.const 65530))
  ;; check i32: (call $const)
  ;; check i32: (call $sub_addr (i32.const 18))
  ;; check i32: (call $sub_addr (i32.const 2))
)
