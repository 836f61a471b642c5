// Translates a validated function body into slot-based internal code.
//
// Frame layout: slot i < numLocals is local i (params first); operand stack
// position p lives in slot numLocals + p (its "canonical" slot). The compiler
// tracks a virtual operand stack whose entries are either already in their
// canonical slot (Temp), still the value of a local (Local) or a constant
// (Const); Local and Const entries are folded into their consumer's operands
// and only copied when they must reach a canonical slot (block boundaries,
// call arguments, branch values). Every instruction writes its result straight
// into the destination slot, and a following local.set retargets it.
// Values are one 8-byte slot each, except a v128, which is two adjacent
// slots: two stack entries (the upper one marked `hi`) and two local slots
// (localSlot_ maps local indices to slots). Block, call and return arities
// count slots.
//
// Fusions (golden tests in test/compiler/): a constant operand becomes an
// immediate (<op>I); a compare feeding br_if/if becomes BrIf<cmp>; an i32.add
// computing an address folds into the load/store (<op>Add/AddI), a constant
// address becomes <op>Abs; i32.xor of a constant rotate becomes I32XorRotlI;
// back-to-back copies share one Copy2/Copy3. Each rewrites the instruction
// emitted last (`last_`), read back from the code through its shape, so no
// fusion keeps state of its own; a branch target ends every fusion (bindLabel).
// Operand layouts are declared in xops.h.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>

#include "simd.h"
#include "wasmnn/runtime/objects.h"
#include "xops.h"

namespace wasmnn {

namespace {

enum class Kind : uint8_t { Temp, Local, Const };

struct Entry {
  Kind kind = Kind::Temp;
  uint32_t local = 0;  // a local's slot
  uint64_t value = 0;
  bool hi = false;  // the high half of a v128 (whose low half is the entry below)
};

struct Fixup {
  uint32_t instrStart;
  uint32_t word;
};

struct Ctrl {
  Ctrl(Op o, uint32_t h, uint32_t np = 0, uint32_t nr = 0) : op(o), height(h), nParams(np), nResults(nr) {}
  Op op = Op::Block;
  uint32_t height = 0;  // operand stack height below the block's params
  uint32_t nParams = 0, nResults = 0;
  uint32_t loopStart = 0;
  std::span<const ValType> paramTypes, resultTypes;  // nParams/nResults count their slots
  std::vector<Fixup> fixups;                         // forward branches to the end
  std::optional<Fixup> elseFixup;                    // If: the jump to the else arm
  bool unreachable = false;                          // the rest of the current arm is dead code
  bool dead = false;                                 // the whole block sits in dead code
  uint32_t arity() const { return op == Op::Loop ? nParams : nResults; }
};

std::optional<X> unaryX(Op op) {
  switch (op) {
#define CASE(n) \
  case Op::n: return X::n;
    WASMNN_XOPS_UNARY(CASE)
#undef CASE
    default: return std::nullopt;
  }
}

std::optional<X> binaryX(Op op) {
  switch (op) {
#define CASE(n) \
  case Op::n: return X::n;
    WASMNN_XOPS_BINARY(CASE)
#undef CASE
    default: return std::nullopt;
  }
}

std::optional<X> immX(Op op) {
  switch (op) {
#define CASE(n) \
  case Op::n: return X::n##I;
    WASMNN_XOPS_IMM32(CASE)
    WASMNN_XOPS_IMM64(CASE)
#undef CASE
    default: return std::nullopt;
  }
}

// The compare-and-branch for `cmp`; `back` for a loop's back edge (the *Back
// forms poll the interrupt).
std::optional<X> cmpBranchX(X cmp, bool imm, bool back = false) {
  switch (cmp) {
#define CASE(n) \
  case X::n: return imm ? (back ? X::BrIf##n##IBack : X::BrIf##n##I) : (back ? X::BrIf##n##Back : X::BrIf##n);
    WASMNN_XOPS_CMPBR(CASE)
#undef CASE
    default: return std::nullopt;
  }
}

// The compare that is true exactly when `cmp` is false (for branching on false).
X negate(X cmp) {
  switch (cmp) {
    case X::I32Eq: return X::I32Ne;
    case X::I32Ne: return X::I32Eq;
    case X::I32LtS: return X::I32GeS;
    case X::I32GeS: return X::I32LtS;
    case X::I32LtU: return X::I32GeU;
    case X::I32GeU: return X::I32LtU;
    case X::I32GtS: return X::I32LeS;
    case X::I32LeS: return X::I32GtS;
    case X::I32GtU: return X::I32LeU;
    case X::I32LeU: return X::I32GtU;
    case X::I64Eq: return X::I64Ne;
    case X::I64Ne: return X::I64Eq;
    case X::I64LtS: return X::I64GeS;
    case X::I64GeS: return X::I64LtS;
    case X::I64LtU: return X::I64GeU;
    case X::I64GeU: return X::I64LtU;
    case X::I64GtS: return X::I64LeS;
    case X::I64LeS: return X::I64GtS;
    case X::I64GtU: return X::I64LeU;
    case X::I64LeU: return X::I64GtU;
    default: return cmp;
  }
}

bool commutative(Op op) {
  switch (op) {
    case Op::I32Add:
    case Op::I32Mul:
    case Op::I32And:
    case Op::I32Or:
    case Op::I32Xor:
    case Op::I32Eq:
    case Op::I32Ne:
    case Op::I64Add:
    case Op::I64Mul:
    case Op::I64And:
    case Op::I64Or:
    case Op::I64Xor:
    case Op::I64Eq:
    case Op::I64Ne: return true;
    default: return false;
  }
}

// The compare an instruction computes and whether its right operand is an
// immediate: I32LtS -> {I32LtS, false}, I32LtSI -> {I32LtS, true}.
std::optional<std::pair<X, bool>> compareOf(X x) {
  switch (x) {
#define CASE(n)                             \
  case X::n: return std::pair{X::n, false}; \
  case X::n##I: return std::pair{X::n, true};
    WASMNN_XOPS_CMPBR(CASE)
#undef CASE
    default: return std::nullopt;
  }
}

// Distance from a plain load to its fused-address forms (see xops.h).
constexpr uint16_t kAddOffset = uint16_t(X::Load32Add) - uint16_t(X::Load32);
constexpr uint16_t kAddIOffset = uint16_t(X::Load32AddI) - uint16_t(X::Load32);
constexpr uint16_t kStoreAddOffset = uint16_t(X::Store8Add) - uint16_t(X::Store8);
constexpr uint16_t kStoreAddIOffset = uint16_t(X::Store8AddI) - uint16_t(X::Store8);
constexpr uint16_t kAbsOffset = uint16_t(X::Load32Abs) - uint16_t(X::Load32);
constexpr uint16_t kStoreAbsOffset = uint16_t(X::Store8Abs) - uint16_t(X::Store8);

class Compiler {
 public:
  Compiler(const wasmnn_module& module, uint32_t definedIndex, const void* const* labels)
      : m_(module.ast), module_(module), fn_(module.ast.functions[definedIndex]), labels_(labels) {
    const FuncType& type = m_.types[fn_.type];
    // Each local starts at its first slot; a v128 local takes two.
    uint32_t slot = 0;
    auto addLocal = [&](ValType t) {
      localSlot_.push_back(slot);
      localWide_.push_back(t == ValType::V128);
      slot += slotsOf(t);
    };
    for (ValType t : type.params) addLocal(t);
    out_.numParams = slot;
    for (ValType t : fn_.locals) addLocal(t);
    out_.numLocals = slot;
    out_.numResults = slotsOf(type.results);
    knownZero_.assign(out_.numLocals, true);
    std::fill_n(knownZero_.begin(), out_.numParams, false);
  }

  CompiledFunc run() {
    ctrls_.emplace_back(Op::Block, 0, 0, out_.numResults);
    for (const Instr& in : fn_.code) {
      if (ctrls_.empty()) break;
      if (ctrls_.back().unreachable) {
        compileDead(in);
      } else {
        compile(in);
      }
    }
    checkLength();
    out_.frameSlots = out_.numLocals + maxHeight_;
    out_.code.resize(end_);
    out_.code.shrink_to_fit();
    return std::move(out_);
  }

 private:
  // The instruction emitted last, while nothing follows it and no branch
  // target separates it from what comes next: the one a fusion may rewrite.
  struct Last {
    uint32_t start;
    X op;
    bool retargetable;  // a following local.set or return may rewrite its destination
  };

  // ---- emission
  // Appends `op` with the operand values of shape S, which must be the shape
  // xops.h declares for `op` (X::Simd takes any Simd* shape).
  template <class S> uint32_t emit(X op, const typename S::Words& operands) {
    if (shapeOf(op) != S::id && !(op == X::Simd && isSimdShape(S::id))) layoutError(op);
    return append<S::words - 2>(op, &operands);
  }
  template <X op> uint32_t emit(const typename Operands<op>::Words& operands) {
    return append<Operands<op>::words - 2>(op, &operands);
  }
  template <uint32_t N> uint32_t append(X op, const void* operands) {
    checkLength();
    uint32_t start = end_;
    uint32_t* at = grow(2 + N);
    uint64_t handler = reinterpret_cast<uintptr_t>(labels_[size_t(op)]);
    at[0] = uint32_t(handler);
    at[1] = uint32_t(handler >> 32);
    std::memcpy(at + 2, operands, 4 * N);
    last_ = Last{start, op, false};
    unchecked_ = last_;
    return start;
  }
  // Appends n words (their values to be written) and returns the first.
  // The code vector grows ahead of end_, so most instructions cost no
  // allocation or zero-fill (compiling is part of start-up).
  uint32_t* grow(uint32_t n) {
    if (out_.code.size() - end_ < n) out_.code.resize(std::max<size_t>(2 * out_.code.size(), end_ + n + 64));
    end_ += n;
    return &out_.code[end_ - n];
  }
  // The previous instruction must end exactly where its declaration says
  // (BrTable's table and Simd's length included). Checked in every build: a
  // misplaced word would send the interpreter to a wrong handler address.
  void checkLength() const {
    if (unchecked_ && unchecked_->start + instructionWords(unchecked_->op, &out_.code[unchecked_->start]) != here())
      layoutError(unchecked_->op);
  }
  [[noreturn]] static void layoutError(X op) {
    std::fprintf(stderr, "wasmnn: internal error: %s emitted against its layout in lib/executor/xops.h\n",
                 kXNames[size_t(op)]);
    std::abort();
  }
  uint32_t here() const { return end_; }
  // An operand of the last instruction, read back from the code.
  uint32_t lastOperand(Operand o) const { return out_.code[last_->start + o.word]; }
  uint64_t lastOperand64(Operand o) const {
    return lastOperand(o) | uint64_t(out_.code[last_->start + o.word + 1]) << 32;
  }
  bool lastIs(X op) const { return last_ && last_->op == op; }
  // Removes the last instruction, which a fusion replaces.
  void dropLast() {
    end_ = last_->start;
    last_.reset();
    unchecked_.reset();
  }
  void markRetargetable() {
    if (dstWord(last_->op) == 0) layoutError(last_->op);  // it writes no slot
    last_->retargetable = true;
  }
  // The last instruction writes `slot` and may be made to write elsewhere.
  bool retargetable(uint32_t slot) const {
    return last_ && last_->retargetable && out_.code[last_->start + dstWord(last_->op)] == slot;
  }
  void retarget(uint32_t slot) { out_.code[last_->start + dstWord(last_->op)] = slot; }
  // A branch target: nothing emitted before it may be rewritten.
  void bindLabel() {
    entryRegion_ = false;
    last_.reset();
  }
  void patch(const Fixup& f, uint32_t target) { out_.code[f.word] = target - f.instrStart; }

  // ---- virtual operand stack
  uint32_t slotOf(uint32_t pos) const { return out_.numLocals + pos; }
  uint32_t height() const { return uint32_t(stack_.size()); }
  void push(Entry e) {
    stack_.push_back(e);
    maxHeight_ = std::max(maxHeight_, height());
  }
  uint32_t pushTemp() {
    push(Entry{});
    return slotOf(height() - 1);
  }
  void emitConst(uint32_t dst, uint64_t v) {
    if (v <= UINT32_MAX) {
      emit<X::Const32>({dst, uint32_t(v)});
    } else {
      emit<X::Const64>({dst, v});
    }
  }
  // Emits code that puts entry `e` (at stack position pos) into slot dst.
  void emitMove(uint32_t dst, const Entry& e, uint32_t pos) {
    uint32_t src = 0;
    switch (e.kind) {
      case Kind::Const: emitConst(dst, e.value); return;
      case Kind::Local: src = e.local; break;
      case Kind::Temp: src = slotOf(pos); break;
    }
    if (src == dst) return;
    emitCopy(dst, src);
  }
  // Back-to-back copies (e.g. rotating loop variables) share a dispatch,
  // up to three per instruction.
  void emitCopy(uint32_t dst, uint32_t src) {
    if (lastIs(X::Copy)) {
      uint32_t d = lastOperand(shape::Copy::dst), s = lastOperand(shape::Copy::src);
      dropLast();
      emit<X::Copy2>({d, s, dst, src});
    } else if (lastIs(X::Copy2)) {
      using C = shape::Copy2;
      uint32_t d = lastOperand(C::dst), s = lastOperand(C::src), d2 = lastOperand(C::dst2), s2 = lastOperand(C::src2);
      dropLast();
      emit<X::Copy3>({d, s, d2, s2, dst, src});
    } else {
      emit<X::Copy>({dst, src});
    }
  }
  void materialize(uint32_t pos) {
    Entry& e = stack_[pos];
    if (e.kind == Kind::Temp) return;
    emitMove(slotOf(pos), e, pos);
    e = Entry{.hi = e.hi};
  }
  // Pushes fresh temporaries for values of `types` (two for a v128).
  void pushTemps(std::span<const ValType> types) {
    for (ValType t : types) {
      pushTemp();
      if (t == ValType::V128) push(Entry{.hi = true});
    }
  }
  // Pops a v128 operand and returns the first of the two adjacent slots holding it.
  uint32_t popV128() {
    uint32_t pos = height() - 2;
    const Entry &lo = stack_[pos], &hi = stack_[pos + 1];
    uint32_t slot = slotOf(pos);
    if (lo.kind == Kind::Local && hi.kind == Kind::Local && hi.local == lo.local + 1) {
      slot = lo.local;
    } else {
      materialize(pos);
      materialize(pos + 1);
    }
    stack_.resize(pos);
    return slot;
  }
  // Types of a block's params and results (a single value type points into kValueTypes).
  std::pair<std::span<const ValType>, std::span<const ValType>> blockTypes(const BlockType& bt) const {
    static constexpr ValType kValueTypes[] = {ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
                                              ValType::V128, ValType::FuncRef, ValType::ExternRef};
    switch (bt.kind) {
      case BlockType::Kind::Empty: return {};
      case BlockType::Kind::Value:
        for (const ValType& t : kValueTypes)
          if (uint8_t(t) == bt.valType) return {{}, {&t, 1}};
        return {};
      case BlockType::Kind::TypeIndex: {
        const FuncType& t = m_.types[bt.typeIndex];
        return {t.params, t.results};
      }
    }
    return {};
  }
  static uint32_t slotCount(std::span<const ValType> types) {
    uint32_t n = 0;
    for (ValType t : types) n += slotsOf(t);
    return n;
  }
  ValType globalType(uint32_t index) const {
    if (index >= m_.importedGlobals) return m_.globals[index - m_.importedGlobals].type.type;
    for (const Import& im : m_.imports)
      if (im.kind == ExternKind::Global && index-- == 0) return im.global.type;
    return ValType::I32;
  }
  void materializeFrom(uint32_t pos) {
    for (uint32_t p = pos; p < height(); ++p) materialize(p);
  }
  // Pops an operand and returns the slot holding it.
  uint32_t popSlot() {
    uint32_t pos = height() - 1;
    Entry e = stack_.back();
    stack_.pop_back();
    switch (e.kind) {
      case Kind::Temp: return slotOf(pos);
      case Kind::Local: return e.local;
      case Kind::Const: emitConst(slotOf(pos), e.value); return slotOf(pos);
    }
    return slotOf(pos);
  }
  // Pops N operands and returns their slots in push order.
  template <size_t N> std::array<uint32_t, N> popSlots() {
    std::array<uint32_t, N> slots;
    for (size_t i = N; i > 0; --i) slots[i - 1] = popSlot();
    return slots;
  }
  Ctrl& label(uint32_t depth) { return ctrls_[ctrls_.size() - 1 - depth]; }
  bool isFunctionLabel(uint32_t depth) const { return depth == ctrls_.size() - 1; }
  void markUnreachable() {
    Ctrl& c = ctrls_.back();
    stack_.resize(c.height);
    c.unreachable = true;
  }

  // ---- branches
  bool branchNeedsCopies(const Ctrl& t) const {
    uint32_t arity = t.arity(), from = height() - arity;
    for (uint32_t i = 0; i < arity; ++i) {
      const Entry& e = stack_[from + i];
      if (e.kind != Kind::Temp || from + i != t.height + i) return true;
    }
    return false;
  }
  // Moves the branch values into the target's slots without changing the
  // virtual stack (the fall-through path still sees it unchanged). Sources
  // sit at or above their destinations, so an ascending copy is safe.
  void emitBranchCopies(const Ctrl& t) {
    uint32_t arity = t.arity(), from = height() - arity;
    for (uint32_t i = 0; i < arity; ++i) emitMove(slotOf(t.height + i), stack_[from + i], from + i);
  }
  // Aims the branch target word `f` at label `t`: a loop's start now, a
  // block's end when the end is reached.
  void jumpTo(Ctrl& t, const Fixup& f) {
    if (t.op == Op::Loop) {
      patch(f, t.loopStart);
    } else {
      t.fixups.push_back(f);
    }
  }
  void emitBranch(uint32_t depth) {
    if (isFunctionLabel(depth)) return emitReturn();
    Ctrl& t = label(depth);
    emitBranchCopies(t);
    uint32_t start = t.op == Op::Loop ? emit<X::BrBack>({0}) : emit<X::Br>({0});
    jumpTo(t, {start, start + shape::Jump::target.word});
  }
  // Results go to slots 0..n-1. Locals among the sources that a result copy
  // could overwrite are first saved to their canonical slots.
  void emitReturn() {
    uint32_t n = out_.numResults, from = height() - n;
    if (n == 1 && stack_.back().kind == Kind::Temp && retargetable(slotOf(from))) {
      retarget(0);
    } else {
      std::vector<uint32_t> src(n);
      for (uint32_t i = 0; i < n; ++i) {
        const Entry& e = stack_[from + i];
        if (e.kind == Kind::Local && e.local < n && e.local != i) {
          emitCopy(slotOf(from + i), e.local);
          src[i] = slotOf(from + i);
        } else if (e.kind == Kind::Local) {
          src[i] = e.local;
        } else {
          src[i] = slotOf(from + i);
        }
      }
      for (uint32_t i = 0; i < n; ++i) {
        const Entry& e = stack_[from + i];
        if (e.kind == Kind::Const) {
          emitConst(i, e.value);
        } else if (src[i] != i) {
          emitCopy(i, src[i]);
        }
      }
    }
    emit<X::Ret>({});
  }
  // A compare that produced the condition on top, for a branch to test
  // directly: the compare (I32LtS, ...), its left slot and its right slot or
  // immediate.
  struct Compare {
    X op;
    uint32_t a;
    uint64_t b;
    bool imm;
  };
  // If the condition on top was just computed by a compare, removes that
  // compare and returns it. eqz is a compare with 0.
  std::optional<Compare> takeCompare() {
    if (stack_.back().kind != Kind::Temp || !last_) return std::nullopt;
    std::optional<Compare> c;
    if (lastIs(X::I32Eqz) || lastIs(X::I64Eqz)) {
      c = Compare{lastIs(X::I32Eqz) ? X::I32Eq : X::I64Eq, lastOperand(shape::Unary::a), 0, true};
    } else if (auto cmp = compareOf(last_->op); cmp && !cmp->second) {
      c = Compare{cmp->first, lastOperand(shape::Binary::a), lastOperand(shape::Binary::b), false};
    } else if (cmp) {
      bool wide = shapeOf(last_->op) == ShapeId::BinaryImm64;
      uint64_t imm = wide ? lastOperand64(shape::BinaryImm64::imm) : lastOperand(shape::BinaryImm::imm);
      // BrIf<cmp>I has room for 32 bits, sign-extended for an i64 compare.
      if (wide && int64_t(imm) != int64_t(int32_t(imm))) return std::nullopt;
      c = Compare{cmp->first, lastOperand(shape::BinaryImm::a), imm, true};
    }
    if (!c || out_.code[last_->start + dstWord(last_->op)] != slotOf(height() - 1)) return std::nullopt;
    dropLast();
    stack_.pop_back();
    return c;
  }
  // Emits "branch if (cond == onTrue)" and returns the instruction start and
  // the target word for the caller to aim; `back` when it closes a loop.
  Fixup emitCondBranch(bool onTrue, bool back = false) {
    if (auto c = takeCompare()) {
      X op = onTrue ? c->op : negate(c->op);
      uint32_t start = c->imm ? emit<shape::CmpJumpImm>(*cmpBranchX(op, true, back), {c->a, uint32_t(c->b), 0})
                              : emit<shape::CmpJump>(*cmpBranchX(op, false, back), {c->a, uint32_t(c->b), 0});
      return {start, start + shape::CmpJump::target.word};
    }
    uint32_t cond = popSlot();
    uint32_t start = emit<shape::CondJump>(back ? X::BrIfBack : onTrue ? X::BrIf : X::BrUnless, {cond, 0});
    return {start, start + shape::CondJump::target.word};
  }

  // ---- instruction groups
  void compileDead(const Instr& in) {
    Ctrl& c = ctrls_.back();
    switch (in.op) {
      case Op::Block:
      case Op::Loop:
      case Op::If: {
        Ctrl d(in.op, height());
        d.unreachable = d.dead = true;
        ctrls_.push_back(std::move(d));
        return;
      }
      case Op::Else:
        if (!c.dead) elseArm();
        return;
      case Op::End:
        if (c.dead) {
          ctrls_.pop_back();
        } else {
          endBlock();
        }
        return;
      default: return;
    }
  }

  void elseArm() {
    Ctrl& c = ctrls_.back();
    if (!c.unreachable) {
      materializeFrom(c.height);
      uint32_t start = emit<X::Br>({0});
      c.fixups.push_back({start, start + shape::Jump::target.word});
    }
    bindLabel();
    if (c.elseFixup) patch(*c.elseFixup, here());
    c.elseFixup.reset();
    stack_.resize(c.height);
    pushTemps(c.paramTypes);
    c.unreachable = false;
  }

  void endBlock() {
    Ctrl& c = ctrls_.back();
    if (ctrls_.size() == 1) {
      if (!c.unreachable) emitReturn();
      ctrls_.pop_back();
      return;
    }
    if (!c.unreachable) materializeFrom(c.height);
    bindLabel();
    for (const Fixup& f : c.fixups) patch(f, here());
    if (c.elseFixup) patch(*c.elseFixup, here());
    stack_.resize(c.height);
    std::span<const ValType> results = c.resultTypes;
    ctrls_.pop_back();
    pushTemps(results);
  }

  void localSet(uint32_t local, bool tee) {
    uint32_t pos = height() - 1;
    // Stacked reads of this local must keep the old value.
    for (uint32_t p = 0; p < pos; ++p)
      if (stack_[p].kind == Kind::Local && stack_[p].local == local) materialize(p);
    Entry e = stack_.back();
    if (entryRegion_ && knownZero_[local] && e.kind == Kind::Const && e.value == 0) {
      // Compilers re-zero fresh locals; the frame setup already did.
    } else if (e.kind == Kind::Temp && retargetable(slotOf(pos))) {
      retarget(local);
    } else {
      emitMove(local, e, pos);
    }
    if (e.kind != Kind::Const || e.value != 0) knownZero_[local] = false;
    stack_.pop_back();
    if (tee) push(Entry{Kind::Local, local, 0});
  }

  void localSetV128(uint32_t slot, bool tee) {
    localSet(slot + 1, false);
    localSet(slot, false);
    if (tee) {
      push(Entry{Kind::Local, slot, 0});
      push(Entry{Kind::Local, slot + 1, 0, true});
    }
  }

  // Selects each half with the same condition; the first write (the low
  // half of a's canonical pair) is no input of the second.
  void selectV128() {
    uint32_t cond = popSlot(), b = popV128(), a = popV128();
    uint32_t dst = slotOf(height());
    for (uint32_t half = 0; half < 2; ++half) emit<X::Select>({dst + half, a + half, b + half, cond});
    pushTemps(std::span(&kV128, 1));
  }

  // One X::Simd instruction with the sub-shape S: the sub-opcode and S's
  // length, then `operands`.
  template <class S, class... Ts> void emitSimd(uint32_t sub, Ts... operands) {
    emit<S>(X::Simd, {sub, S::words, operands...});
  }
  // v128 operands are popped as slot pairs, scalars as single slots, in
  // reverse push order.
  void simd(const Instr& in) {
    const SimdInfo& info = simdInfo(in.op);
    if (info.shape == SimdShape::Const) {
      uint64_t lo = 0, hi = 0;
      std::memcpy(&lo, fn_.v128Pool[in.a].data(), 8);
      std::memcpy(&hi, fn_.v128Pool[in.a].data() + 8, 8);
      push(Entry{Kind::Const, 0, lo});
      push(Entry{Kind::Const, 0, hi, true});
      return;
    }
    const SimdOperands sig = simdOperands(info.shape);
    if (sig.in.empty() && sig.out == '-') {  // not a shape that validates
      emit<X::Unreachable>({});
      return;
    }
    std::array<uint32_t, 3> s{};
    for (size_t i = sig.in.size(); i-- > 0;) s[i] = sig.in[i] == 'v' ? popV128() : popSlot();
    const uint32_t dst = slotOf(height()), sub = uint32_t(in.op) - kSimdBase, lane = in.a >> 24;
    switch (info.shape) {
      case SimdShape::Unary:
      case SimdShape::Test:
      case SimdShape::Splat: emitSimd<shape::SimdUnary>(sub, dst, s[0]); break;
      case SimdShape::Binary: emitSimd<shape::SimdBinary>(sub, dst, s[0], s[1]); break;
      case SimdShape::Ternary: emitSimd<shape::SimdTernary>(sub, dst, s[0], s[1], s[2]); break;
      case SimdShape::Shift: emitSimd<shape::SimdShift>(sub, dst, s[0], s[1]); break;
      case SimdShape::Extract: emitSimd<shape::SimdExtract>(sub, dst, s[0], in.a); break;
      case SimdShape::Replace: emitSimd<shape::SimdReplace>(sub, dst, s[0], s[1], in.a); break;
      case SimdShape::Load: emitSimd<shape::SimdLoad>(sub, dst, s[0], in.b); break;
      case SimdShape::Store: emitSimd<shape::SimdStore>(sub, s[0], s[1], in.b); break;
      case SimdShape::LoadLane: emitSimd<shape::SimdLoadLane>(sub, dst, s[0], s[1], in.b, lane); break;
      case SimdShape::StoreLane: emitSimd<shape::SimdStoreLane>(sub, s[0], s[1], in.b, lane); break;
      case SimdShape::Shuffle: {
        std::array<uint32_t, 4> lanes;
        std::memcpy(lanes.data(), fn_.v128Pool[in.a].data(), 16);
        emitSimd<shape::SimdShuffle>(sub, dst, s[0], s[1], lanes);
        break;
      }
      default: break;
    }
    if (sig.out == 'v') pushTemps(std::span(&kV128, 1));
    if (sig.out == 's') pushTemp();
  }

  // Arguments go to the callee's frame, which starts at the first argument's
  // canonical slot; the results come back there.
  uint32_t callArgs(const FuncType& type) {
    uint32_t from = height() - slotsOf(type.params);
    materializeFrom(from);
    return slotOf(from);
  }
  void callResults(const FuncType& type, uint32_t args) {
    stack_.resize(args - out_.numLocals);
    pushTemps(type.results);
  }

  void unary(X op) {
    uint32_t a = popSlot();
    emit<shape::Unary>(op, {slotOf(height()), a});
    pushTemp();
    markRetargetable();
  }

  void binary(Op op, X x) {
    std::optional<X> withImm = immX(op);
    if (op == Op::I32Sub || op == Op::I64Sub) withImm = op == Op::I32Sub ? X::I32AddI : X::I64AddI;
    bool constRight = stack_.back().kind == Kind::Const;
    // A constant left operand of a commutative op can serve as the immediate.
    bool constLeft = !constRight && commutative(op) && stack_[height() - 2].kind == Kind::Const;
    if (withImm && (constRight || constLeft)) {
      uint64_t b = 0;
      uint32_t a = 0;
      if (constRight) {
        b = stack_.back().value;
        stack_.pop_back();
        a = popSlot();
      } else {
        a = popSlot();
        b = stack_.back().value;
        stack_.pop_back();
      }
      if (op == Op::I32Sub) b = uint32_t(0u - uint32_t(b));
      if (op == Op::I64Sub) b = 0 - b;
      uint32_t dst = slotOf(height());
      if (shapeOf(*withImm) == ShapeId::BinaryImm64) {
        emit<shape::BinaryImm64>(*withImm, {dst, a, b});
      } else {
        emit<shape::BinaryImm>(*withImm, {dst, a, uint32_t(b)});
      }
    } else if (op == Op::I32Xor && fuseXorRotl()) {
      return;
    } else {
      uint32_t b = popSlot(), a = popSlot();
      emit<shape::Binary>(x, {slotOf(height()), a, b});
    }
    pushTemp();
    markRetargetable();
  }

  // i32.xor of a value and a just-rotated one (either operand, the other not
  // a constant) becomes one I32XorRotlI.
  bool fuseXorRotl() {
    if (!lastIs(X::I32RotlI) && !lastIs(X::I32RotrI)) return false;
    uint32_t rotated = lastOperand(shape::BinaryImm::a), by = lastOperand(shape::BinaryImm::imm) & 31;
    uint32_t left = lastIs(X::I32RotlI) ? by : (32 - by) & 31;
    uint32_t rotDst = lastOperand(shape::BinaryImm::dst), top = height() - 1;
    uint32_t other = 0;
    if (stack_[top].kind == Kind::Temp && rotDst == slotOf(top)) {
      const Entry& o = stack_[top - 1];
      if (o.kind == Kind::Const) return false;
      other = o.kind == Kind::Local ? o.local : slotOf(top - 1);
    } else if (stack_[top - 1].kind == Kind::Temp && rotDst == slotOf(top - 1) && stack_[top].kind == Kind::Local) {
      other = stack_[top].local;  // the other operand is a local: no code after the rotate
    } else {
      return false;
    }
    dropLast();
    stack_.pop_back();
    stack_.pop_back();
    emit<X::I32XorRotlI>({slotOf(height()), other, rotated, left});
    pushTemp();
    markRetargetable();
    return true;
  }

  void compile(const Instr& in) {
    switch (in.op) {
      case Op::Unreachable:
        emit<X::Unreachable>({});
        markUnreachable();
        return;
      case Op::Nop: return;
      case Op::Block:
      case Op::Loop: {
        auto [pt, rt] = blockTypes(in.blockType);
        uint32_t np = slotCount(pt), nr = slotCount(rt);
        materializeFrom(0);
        Ctrl c(in.op, height() - np, np, nr);
        c.paramTypes = pt;
        c.resultTypes = rt;
        if (in.op == Op::Loop) {
          bindLabel();
          c.loopStart = here();
        }
        ctrls_.push_back(std::move(c));
        return;
      }
      case Op::If: {
        auto [pt, rt] = blockTypes(in.blockType);
        uint32_t np = slotCount(pt), nr = slotCount(rt);
        // Stacked values must be in canonical slots before the arms split.
        uint32_t condPos = height() - 1;
        for (uint32_t p = 0; p < condPos; ++p) materialize(p);
        Fixup f = emitCondBranch(false);
        Ctrl c(in.op, height() - np, np, nr);
        c.paramTypes = pt;
        c.resultTypes = rt;
        c.elseFixup = f;
        ctrls_.push_back(std::move(c));
        return;
      }
      case Op::Else: elseArm(); return;
      case Op::End: endBlock(); return;
      case Op::Br:
        emitBranch(in.a);
        markUnreachable();
        return;
      case Op::BrIf: {
        if (!isFunctionLabel(in.a)) {
          // Decide with the condition still stacked: the values are below it.
          Entry cond = stack_.back();
          stack_.pop_back();
          bool direct = !branchNeedsCopies(label(in.a));
          stack_.push_back(cond);
          if (direct) return jumpTo(label(in.a), emitCondBranch(true, label(in.a).op == Op::Loop));
        }
        Fixup skip = emitCondBranch(false);
        emitBranch(in.a);
        bindLabel();
        patch(skip, here());
        return;
      }
      case Op::BrTable: {
        uint32_t idx = popSlot();
        uint32_t n = in.b - 1;
        bool toLoop = false;  // an entry that jumps straight back to a loop's start
        for (uint32_t i = 0; i <= n; ++i) {
          uint32_t depth = fn_.brTableTargets[in.a + i];
          toLoop |= !isFunctionLabel(depth) && label(depth).op == Op::Loop && !branchNeedsCopies(label(depth));
        }
        uint32_t start = toLoop ? emit<X::BrTableBack>({idx, n}) : emit<X::BrTable>({idx, n});
        uint32_t table = here();
        std::fill_n(grow(n + 1), n + 1, 0);
        for (uint32_t i = 0; i <= n; ++i) {
          uint32_t depth = fn_.brTableTargets[in.a + i];
          Fixup entry{start, table + i};
          if (!isFunctionLabel(depth) && !branchNeedsCopies(label(depth))) {
            jumpTo(label(depth), entry);
          } else {  // the entry jumps to code that moves the values first
            bindLabel();
            patch(entry, here());
            emitBranch(depth);
          }
        }
        markUnreachable();
        return;
      }
      case Op::Return:
        emitReturn();
        markUnreachable();
        return;
      case Op::Call: {
        const FuncType& t = m_.types[m_.funcTypeIndex(in.a)];
        uint32_t args = callArgs(t);
        emit<shape::Call>(in.a >= m_.importedFuncs ? X::CallLocal : X::Call, {in.a, args});
        callResults(t, args);
        return;
      }
      case Op::CallIndirect: {
        uint32_t idx = popSlot();
        const FuncType& t = m_.types[in.a];
        uint32_t args = callArgs(t);
        emit<X::CallIndirect>({module_.typeIds[in.a], in.b, idx, args});
        callResults(t, args);
        return;
      }
      case Op::RefNull: push(Entry{Kind::Const, 0, 0}); return;
      case Op::RefFunc: emit<X::RefFunc>({pushTemp(), in.a}); return;
      case Op::Drop:
        if (stack_.back().hi) stack_.pop_back();
        stack_.pop_back();
        return;
      case Op::Select:
      case Op::SelectT: {
        if (stack_[height() - 2].hi) return selectV128();
        auto [a, b, cond] = popSlots<3>();
        emit<X::Select>({slotOf(height()), a, b, cond});
        pushTemp();
        markRetargetable();
        return;
      }
      case Op::LocalGet:
        push(Entry{Kind::Local, localSlot_[in.a], 0});
        if (localWide_[in.a]) push(Entry{Kind::Local, localSlot_[in.a] + 1, 0, true});
        return;
      case Op::LocalSet:
      case Op::LocalTee:
        if (localWide_[in.a]) return localSetV128(localSlot_[in.a], in.op == Op::LocalTee);
        return localSet(localSlot_[in.a], in.op == Op::LocalTee);
      case Op::GlobalGet:
        if (globalType(in.a) == ValType::V128) {
          emit<X::GlobalGetV>({slotOf(height()), in.a});
          pushTemps(std::span(&kV128, 1));
          return;
        }
        emit<X::GlobalGet>({slotOf(height()), in.a});
        pushTemp();
        markRetargetable();
        return;
      case Op::GlobalSet:
        if (globalType(in.a) == ValType::V128) {
          emit<X::GlobalSetV>({in.a, popV128()});
          return;
        }
        emit<X::GlobalSet>({in.a, popSlot()});
        return;
      case Op::TableGet: {
        uint32_t idx = popSlot();
        emit<X::TableGet>({slotOf(height()), in.a, idx});
        pushTemp();
        return;
      }
      case Op::TableSet: {
        auto [idx, v] = popSlots<2>();
        emit<X::TableSet>({in.a, idx, v});
        return;
      }
      case Op::I32Load:
      case Op::F32Load:
      case Op::I64Load32U: return load(X::Load32, in.b);
      case Op::I64Load:
      case Op::F64Load: return load(X::Load64, in.b);
      case Op::I32Load8S: return load(X::Load8S32, in.b);
      case Op::I32Load8U:
      case Op::I64Load8U: return load(X::Load8U, in.b);
      case Op::I32Load16S: return load(X::Load16S32, in.b);
      case Op::I32Load16U:
      case Op::I64Load16U: return load(X::Load16U, in.b);
      case Op::I64Load8S: return load(X::Load8S64, in.b);
      case Op::I64Load16S: return load(X::Load16S64, in.b);
      case Op::I64Load32S: return load(X::Load32S64, in.b);
      case Op::I32Store8:
      case Op::I64Store8: return store(X::Store8, in.b);
      case Op::I32Store16:
      case Op::I64Store16: return store(X::Store16, in.b);
      case Op::I32Store:
      case Op::F32Store:
      case Op::I64Store32: return store(X::Store32, in.b);
      case Op::I64Store:
      case Op::F64Store: return store(X::Store64, in.b);
      case Op::MemorySize: emit<X::MemorySize>({pushTemp()}); return;
      case Op::MemoryGrow: {
        uint32_t delta = popSlot();
        emit<X::MemoryGrow>({pushTemp(), delta});
        return;
      }
      case Op::I32Const:
      case Op::F32Const: push(Entry{Kind::Const, 0, uint32_t(in.u64)}); return;
      case Op::I64Const:
      case Op::F64Const: push(Entry{Kind::Const, 0, in.u64}); return;
      // Reinterpretations do not change the bits in a slot.
      case Op::I32ReinterpretF32:
      case Op::I64ReinterpretF64:
      case Op::F32ReinterpretI32:
      case Op::F64ReinterpretI64: return;
      case Op::MemoryInit: {
        auto [d, s, n] = popSlots<3>();
        emit<X::MemoryInit>({in.a, d, s, n});
        return;
      }
      case Op::DataDrop: emit<X::DataDrop>({in.a}); return;
      case Op::MemoryCopy: {
        auto [d, s, n] = popSlots<3>();
        emit<X::MemoryCopy>({d, s, n});
        return;
      }
      case Op::MemoryFill: {
        auto [d, v, n] = popSlots<3>();
        emit<X::MemoryFill>({d, v, n});
        return;
      }
      case Op::TableInit: {
        auto [d, s, n] = popSlots<3>();
        emit<X::TableInit>({in.a, in.b, d, s, n});
        return;
      }
      case Op::ElemDrop: emit<X::ElemDrop>({in.a}); return;
      case Op::TableCopy: {
        auto [d, s, n] = popSlots<3>();
        emit<X::TableCopy>({in.a, in.b, d, s, n});
        return;
      }
      case Op::TableFill: {
        auto [i, v, n] = popSlots<3>();
        emit<X::TableFill>({in.a, i, v, n});
        return;
      }
      case Op::TableSize: emit<X::TableSize>({pushTemp(), in.a}); return;
      case Op::TableGrow: {
        auto [init, n] = popSlots<2>();
        emit<X::TableGrow>({pushTemp(), in.a, init, n});
        return;
      }
      default: break;
    }
    if (auto x = unaryX(in.op)) return unary(*x);
    if (auto x = binaryX(in.op)) return binary(in.op, *x);
    if (isSimd(in.op)) return simd(in);
    // Every validated opcode is handled above; anything else cannot run.
    emit<X::Unreachable>({});
  }

  // The last instruction if it is an i32.add that wrote `dst`, as the
  // address operands it gives a fused load or store: a, and b (a slot, or
  // with imm an immediate).
  struct AddressAdd {
    uint32_t a, b;
    bool imm;
  };
  std::optional<AddressAdd> lastAddInto(uint32_t dst) const {
    using B = shape::Binary;
    using BI = shape::BinaryImm;
    if (lastIs(X::I32Add) && lastOperand(B::dst) == dst) return AddressAdd{lastOperand(B::a), lastOperand(B::b), false};
    if (lastIs(X::I32AddI) && lastOperand(BI::dst) == dst)
      return AddressAdd{lastOperand(BI::a), lastOperand(BI::imm), true};
    return std::nullopt;
  }

  // Loads fold an i32.add that computed their address just before.
  void load(X op, uint32_t offset) {
    uint32_t dst = slotOf(height() - 1);
    if (stack_.back().kind == Kind::Const) {
      // A constant address: the effective address is known (no 32-bit wrap).
      uint64_t ea = uint32_t(stack_.back().value) + uint64_t(offset);
      stack_.pop_back();
      emit<shape::LoadAbs>(X(uint16_t(op) + kAbsOffset), {dst, ea});
    } else if (auto add = stack_.back().kind == Kind::Temp ? lastAddInto(dst) : std::nullopt) {
      dropLast();
      stack_.pop_back();
      if (add->imm) {
        emit<shape::LoadAddImm>(X(uint16_t(op) + kAddIOffset), {dst, add->a, add->b, offset});
      } else {
        emit<shape::LoadAdd>(X(uint16_t(op) + kAddOffset), {dst, add->a, add->b, offset});
      }
    } else {
      uint32_t addr = popSlot();
      emit<shape::Load>(op, {dst, addr, offset});
    }
    pushTemp();
    markRetargetable();
  }
  // Stores fold the address's i32.add when the value needs no code of its
  // own (a local or a constant), so the add was the last instruction. A
  // constant is written to the value's slot, which must not be an input of
  // the add (its right operand may have lived there).
  void store(X op, uint32_t offset) {
    uint32_t valPos = height() - 1;
    const Entry& v = stack_[valPos];
    auto add = stack_[valPos - 1].kind == Kind::Temp ? lastAddInto(slotOf(valPos - 1)) : std::nullopt;
    if (add && (v.kind == Kind::Local ||
                (v.kind == Kind::Const && add->a != slotOf(valPos) && (add->imm || add->b != slotOf(valPos))))) {
      dropLast();
      uint32_t val = popSlot();
      stack_.pop_back();
      if (add->imm) {
        emit<shape::StoreAddImm>(X(uint16_t(op) + kStoreAddIOffset), {add->a, add->b, val, offset});
      } else {
        emit<shape::StoreAdd>(X(uint16_t(op) + kStoreAddOffset), {add->a, add->b, val, offset});
      }
    } else if (stack_[valPos - 1].kind == Kind::Const) {
      uint64_t ea = uint32_t(stack_[valPos - 1].value) + uint64_t(offset);
      uint32_t val = popSlot();
      stack_.pop_back();
      emit<shape::StoreAbs>(X(uint16_t(op) + kStoreAbsOffset), {ea, val});
    } else {
      auto [addr, val] = popSlots<2>();
      emit<shape::Store>(op, {addr, val, offset});
    }
  }

  const Module& m_;
  const wasmnn_module& module_;
  const Function& fn_;
  const void* const* labels_;
  CompiledFunc out_;  // out_.code holds the words before end_, then room to grow
  uint32_t end_ = 0;
  std::vector<Entry> stack_;
  std::vector<Ctrl> ctrls_;
  uint32_t maxHeight_ = 0;
  std::optional<Last> last_;       // the fusion candidate (see Last)
  std::optional<Last> unchecked_;  // the instruction whose length checkLength() checks next
  // Declared locals not yet written, while no branch target has been passed
  // (so every path from the entry got here).
  std::vector<bool> knownZero_;
  std::vector<uint32_t> localSlot_;  // first slot of each local (params first)
  std::vector<bool> localWide_;      // the local is a v128 (two slots)
  static constexpr ValType kV128 = ValType::V128;
  bool entryRegion_ = true;
};

}  // namespace

CompiledFunc compileFunction(const wasmnn_module& module, uint32_t definedIndex, const void* const* labels) {
  return Compiler(module, definedIndex, labels).run();
}

const CompiledFunc& compiledCode(const wasmnn_func* func) {
  wasmnn_module& module = *func->instance->module;
  uint32_t defined = func->index - module.ast.importedFuncs;
  // Code for an instance whose memory has guard pages skips load/store checks.
  bool guard = func->instance->mem0->mem.guarded();
  CodeSlot* slots = guard ? module.guardCode.load(std::memory_order_acquire) : module.code.get();
  if (slots && slots[defined].ready.load(std::memory_order_acquire)) return slots[defined].code;

  std::lock_guard lock(module.compileMutex);
  if (!slots) {
    slots = module.guardCode.load(std::memory_order_relaxed);
    if (!slots) {
      slots = new CodeSlot[module.ast.functions.size()];
      module.guardCode.store(slots, std::memory_order_release);
    }
  }
  CodeSlot& slot = slots[defined];
  if (!slot.ready.load(std::memory_order_relaxed)) {
    slot.code = compileFunction(module, defined, interpreterLabels(guard));
    slot.ready.store(true, std::memory_order_release);
  }
  return slot.code;
}

}  // namespace wasmnn
