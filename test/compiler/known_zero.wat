;; Declared locals start at zero, so storing zero into one that nothing has
;; written yet emits nothing, while every path from the entry gets there (no
;; branch target passed). After a loop label, or once the local was written,
;; the zero is stored.
(module
  (func $fresh (param i32) (result i32) (local i32 i32)
    (local.set 1 (i32.const 0))
    (local.set 2 (i32.const 0))
    (i32.add (local.get 0) (i32.add (local.get 1) (local.get 2))))
  (func $rewritten (param i32) (result i32) (local i32)
    (local.set 1 (local.get 0))
    (local.set 1 (i32.const 0))
    (local.get 1))
  (func $after_label (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.const 0))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (br_if $l (i32.eqz (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
    (local.get 1))
  ;; check i32: (call $fresh (i32.const 9))
  ;; check i32: (call $rewritten (i32.const 9))
  ;; check i32: (call $after_label (i32.const 1))
)
