;; i32.xor of a value and a constant rotate (rotl or rotr, either operand
;; order) becomes one I32XorRotlI, the rotr as the equal rotl. Not fused: a
;; rotate by a variable amount, and xor with a constant (which takes the
;; immediate form instead).
(module
  (func $rotl_right (param i32 i32) (result i32) (i32.xor (local.get 1) (i32.rotl (local.get 0) (i32.const 7))))
  (func $rotr_left (param i32 i32) (result i32) (i32.xor (i32.rotr (local.get 0) (i32.const 7)) (local.get 1)))
  (func $sigma (param i32) (result i32)
    (i32.xor (i32.xor (i32.rotr (local.get 0) (i32.const 2)) (i32.rotr (local.get 0) (i32.const 13)))
             (i32.rotr (local.get 0) (i32.const 22))))
  (func $variable (param i32 i32) (result i32) (i32.xor (local.get 1) (i32.rotl (local.get 0) (local.get 1))))
  (func $const (param i32) (result i32) (i32.xor (i32.const 0x55) (i32.rotl (local.get 0) (i32.const 3))))
  ;; check i32: (call $rotl_right (i32.const 0x80000001) (i32.const 0xff))
  ;; check i32: (call $rotr_left (i32.const 0x12345678) (i32.const -1))
  ;; check i32: (call $sigma (i32.const 0x6a09e667))
  ;; check i32: (call $variable (i32.const 0x12345678) (i32.const 36))
  ;; check i32: (call $const (i32.const 0xf0000000))
)
