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
// Operand layouts (after the two handler words):
//   Br off | BrIf/BrUnless cond off | BrTable idx n off[0..n] (off[n] = default)
//   Call func argBase | CallLocal func argBase (a function defined in this module) | CallIndirect typeId table idx
//   argBase | Ret Copy dst src | Copy2/Copy3: 2 or 3 (dst src) pairs, in order | Const32 dst imm | Const64 dst lo hi |
//   Select dst a b cond RefFunc dst func | GlobalGet dst idx | GlobalSet idx src | GlobalGetV dst idx | GlobalSetV idx
//   src (a v128: dst and src name the first of its two slots) | Simd: see simd.h TableGet dst table idx | TableSet
//   table idx val Load* dst addr offset | Load*Add dst a b offset | Load*AddI dst a imm offset Load*Abs dst lo hi |
//   Store* addr val offset | Store*Add a b val offset Store*AddI a imm val offset | Store*Abs lo hi val | MemorySize
//   dst | MemoryGrow dst delta MemoryInit seg d s n | DataDrop seg | MemoryCopy d s n | MemoryFill d v n TableInit seg
//   table d s n | ElemDrop seg | TableCopy dstTable srcTable d s n TableGrow dst table init n | TableSize dst table |
//   TableFill table i v n unary: dst a | binary: dst a b | <op>I: dst a imm(1 or 2 words) | I32XorRotlI dst a x imm
//   BrIf<cmp> a b off | BrIf<cmp>I a imm off | the same for loops' back edges: BrBack, BrIfBack, BrTableBack,
//   BrIf<cmp>Back, BrIf<cmp>IBack (xops.h)
#include <algorithm>
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

// The last emitted i32.add, for fusing into a following load's address.
struct LastAdd {
  uint32_t start = 0, end = UINT32_MAX;
  uint32_t a = 0, dst = 0;
  bool imm = false;
  uint32_t b = 0;  // slot or immediate
};

// The last emitted compare, for fusing with a following branch.
struct LastCmp {
  uint32_t start = 0, end = UINT32_MAX;
  X op = X::I32Eq;
  uint32_t a = 0, dst = 0;
  bool imm = false;
  uint64_t b = 0;  // slot or immediate
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

bool isCompare(X x) { return cmpBranchX(x, false).has_value(); }

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
    out_.frameSlots = out_.numLocals + maxHeight_;
    out_.code.shrink_to_fit();
    return std::move(out_);
  }

 private:
  // ---- emission
  uint32_t emit(X op) {
    uint32_t start = uint32_t(code().size());
    lastOpStart_ = start;
    uint64_t p = reinterpret_cast<uintptr_t>(labels_[size_t(op)]);
    code().push_back(uint32_t(p));
    code().push_back(uint32_t(p >> 32));
    return start;
  }
  void word(uint32_t w) { code().push_back(w); }
  uint32_t lastOpStart() const { return lastOpStart_; }
  std::vector<uint32_t>& code() { return out_.code; }
  uint32_t here() const { return uint32_t(out_.code.size()); }
  // Marks the just-emitted instruction's destination word (at dstWord) as retargetable.
  void producedAt(uint32_t dstWord) {
    lastDstWord_ = dstWord;
    lastEnd_ = here();
  }
  bool retargetable(uint32_t slot) const { return lastEnd_ == here() && out_.code[lastDstWord_] == slot; }
  // A branch target: nothing emitted before it may be rewritten.
  void bindLabel() {
    entryRegion_ = false;
    forgetLast();
  }
  // After a label or after removing an instruction for a fusion: nothing
  // emitted so far may be rewritten.
  void forgetLast() {
    lastEnd_ = UINT32_MAX;
    lastCmp_.end = UINT32_MAX;
    lastAdd_.end = UINT32_MAX;
    lastRot_.end = UINT32_MAX;
    lastCopyEnd_ = UINT32_MAX;
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
      emit(X::Const32);
      word(dst);
      word(uint32_t(v));
    } else {
      emit(X::Const64);
      word(dst);
      word(uint32_t(v));
      word(uint32_t(v >> 32));
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
    if (lastCopyEnd_ == here() && pendingCopies_ < 3) {
      out_.code.resize(lastCopyStart_);
      pendingCopy_[2 * pendingCopies_] = dst;
      pendingCopy_[2 * pendingCopies_ + 1] = src;
      ++pendingCopies_;
    } else {
      pendingCopy_[0] = dst;
      pendingCopy_[1] = src;
      pendingCopies_ = 1;
    }
    static constexpr X kCopies[] = {X::Copy, X::Copy2, X::Copy3};
    lastCopyStart_ = emit(kCopies[pendingCopies_ - 1]);
    for (uint32_t i = 0; i < 2 * pendingCopies_; ++i) word(pendingCopy_[i]);
    lastCopyEnd_ = here();
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
  void jumpTo(Ctrl& t, uint32_t start) {
    if (t.op == Op::Loop) {
      word(t.loopStart - start);
    } else {
      t.fixups.push_back({start, here()});
      word(0);
    }
  }
  void emitBranch(uint32_t depth) {
    if (isFunctionLabel(depth)) return emitReturn();
    Ctrl& t = label(depth);
    emitBranchCopies(t);
    jumpTo(t, emit(t.op == Op::Loop ? X::BrBack : X::Br));
  }
  // Results go to slots 0..n-1. Locals among the sources that a result copy
  // could overwrite are first saved to their canonical slots.
  void emitReturn() {
    uint32_t n = out_.numResults, from = height() - n;
    if (n == 1 && stack_.back().kind == Kind::Temp && retargetable(slotOf(from))) {
      out_.code[lastDstWord_] = 0;
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
    emit(X::Ret);
  }
  // If the condition on top was just computed by a compare, removes that
  // compare and returns it so the branch can test it directly.
  std::optional<LastCmp> takeCompare() {
    if (stack_.back().kind != Kind::Temp || lastCmp_.end != here() || lastCmp_.dst != slotOf(height() - 1))
      return std::nullopt;
    LastCmp c = lastCmp_;
    if (c.imm && isI64Cmp(c.op) && int64_t(c.b) != int64_t(int32_t(c.b))) return std::nullopt;
    out_.code.resize(c.start);
    stack_.pop_back();
    lastCmp_.end = UINT32_MAX;
    lastEnd_ = UINT32_MAX;
    return c;
  }
  static bool isI64Cmp(X x) { return x >= X::I64Eq && x <= X::I64GeU; }
  // Emits "branch if (cond == onTrue)" and returns the instruction start and
  // the offset word for the caller to fill; `back` when it closes a loop.
  Fixup emitCondBranch(bool onTrue, bool back = false) {
    if (auto c = takeCompare()) {
      X op = onTrue ? c->op : negate(c->op);
      uint32_t start = emit(*cmpBranchX(op, c->imm, back));
      word(c->a);
      word(uint32_t(c->b));
      Fixup f{start, here()};
      word(0);
      return f;
    }
    uint32_t cond = popSlot();
    uint32_t start = emit(back ? X::BrIfBack : onTrue ? X::BrIf : X::BrUnless);
    word(cond);
    Fixup f{start, here()};
    word(0);
    return f;
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
      uint32_t start = emit(X::Br);
      c.fixups.push_back({start, here()});
      word(0);
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
      out_.code[lastDstWord_] = local;
      forgetLast();  // the fusion trackers still name the old destination
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
    for (uint32_t half = 0; half < 2; ++half) {
      emit(X::Select);
      word(dst + half);
      word(a + half);
      word(b + half);
      word(cond);
    }
    pushTemps(std::span(&kV128, 1));
  }

  // One X::Simd instruction (layout in simd.h): v128 operands are popped as
  // slot pairs, scalars as single slots, in reverse push order.
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
      emit(X::Unreachable);
      return;
    }
    uint32_t slots[3] = {};
    for (size_t i = sig.in.size(); i-- > 0;) slots[i] = sig.in[i] == 'v' ? popV128() : popSlot();
    uint32_t dst = slotOf(height());
    emit(X::Simd);
    word(uint32_t(in.op) - kSimdBase);
    word(4 + simdOperandWords(info.shape));
    word(dst);
    for (size_t i = 0; i < sig.in.size(); ++i) word(slots[i]);
    switch (info.shape) {
      case SimdShape::Extract:
      case SimdShape::Replace: word(in.a); break;
      case SimdShape::Load:
      case SimdShape::Store: word(in.b); break;
      case SimdShape::LoadLane:
      case SimdShape::StoreLane:
        word(in.b);
        word(in.a >> 24);
        break;
      case SimdShape::Shuffle:
        for (uint32_t i = 0; i < 4; ++i) {
          uint32_t w = 0;
          std::memcpy(&w, fn_.v128Pool[in.a].data() + 4 * i, 4);
          word(w);
        }
        break;
      default: break;
    }
    if (sig.out == 'v') pushTemps(std::span(&kV128, 1));
    if (sig.out == 's') pushTemp();
  }

  void call(const FuncType& type, X op, std::initializer_list<uint32_t> operands, uint32_t calleeWord) {
    uint32_t n = slotsOf(type.params);
    uint32_t from = height() - n;
    materializeFrom(from);
    emit(op);
    word(calleeWord);
    for (uint32_t w : operands) word(w);
    word(slotOf(from));
    stack_.resize(from);
    pushTemps(type.results);
  }

  void unary(X op) {
    uint32_t a = popSlot();
    uint32_t dst = slotOf(height());
    emit(op);
    word(dst);
    word(a);
    pushTemp();
    producedAt(here() - 2);
  }

  void binary(Op op, X x) {
    std::optional<X> withImm = immX(op);
    if (op == Op::I32Sub || op == Op::I64Sub) withImm = op == Op::I32Sub ? X::I32AddI : X::I64AddI;
    bool constRight = stack_.back().kind == Kind::Const;
    // A constant left operand of a commutative op can serve as the immediate.
    bool constLeft = !constRight && commutative(op) && stack_[height() - 2].kind == Kind::Const;
    uint32_t start = 0, a = 0, dst = 0;
    bool imm = false;
    uint64_t b = 0;
    if (withImm && (constRight || constLeft)) {
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
      dst = slotOf(height());
      start = emit(*withImm);
      word(dst);
      word(a);
      word(uint32_t(b));
      if (*withImm >= X::I64AddI && *withImm <= X::F64DivI) word(uint32_t(b >> 32));
      imm = true;
      x = *withImm;
    } else if (op == Op::I32Xor && fuseXorRotl()) {
      return;
    } else {
      uint32_t bs = popSlot();
      a = popSlot();
      dst = slotOf(height());
      start = emit(x);
      word(dst);
      word(a);
      word(bs);
      b = bs;
    }
    pushTemp();
    producedAt(start + 2);
    X plain = imm ? baseOf(op) : x;
    if (isCompare(plain)) lastCmp_ = LastCmp{start, here(), plain, a, dst, imm, b};
    if (x == X::I32Add || x == X::I32AddI) lastAdd_ = LastAdd{start, here(), a, dst, imm, uint32_t(b)};
    if (x == X::I32RotlI || x == X::I32RotrI) {
      uint32_t left = x == X::I32RotlI ? uint32_t(b) & 31 : (32 - (uint32_t(b) & 31)) & 31;
      lastRot_ = LastAdd{start, here(), a, dst, true, left};
    }
  }
  static X baseOf(Op op) { return *binaryX(op); }

  // i32.xor of a value and a just-rotated one (either operand, the other not
  // a constant) becomes one I32XorRotlI.
  bool fuseXorRotl() {
    uint32_t top = height() - 1;
    if (lastRot_.end != here()) return false;
    uint32_t rotPos = 0;
    if (stack_[top].kind == Kind::Temp && lastRot_.dst == slotOf(top)) {
      rotPos = top;
    } else if (stack_[top - 1].kind == Kind::Temp && lastRot_.dst == slotOf(top - 1) &&
               stack_[top].kind == Kind::Local) {
      rotPos = top - 1;  // the other operand is a local: no code after the rotate
    } else {
      return false;
    }
    uint32_t other = stack_[top].local;
    if (rotPos == top) {
      const Entry& o = stack_[top - 1];
      if (o.kind == Kind::Const) return false;
      other = o.kind == Kind::Local ? o.local : slotOf(top - 1);
    }
    LastAdd rot = lastRot_;
    out_.code.resize(rot.start);
    forgetLast();
    stack_.pop_back();
    stack_.pop_back();
    uint32_t dst = slotOf(height());
    emit(X::I32XorRotlI);
    word(dst);
    word(other);
    word(rot.a);
    word(rot.b);
    pushTemp();
    producedAt(here() - 4);
    return true;
  }

  void compile(const Instr& in) {
    switch (in.op) {
      case Op::Unreachable:
        emit(X::Unreachable);
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
          if (direct) {
            Fixup f = emitCondBranch(true, label(in.a).op == Op::Loop);
            Ctrl& t = label(in.a);
            if (t.op == Op::Loop) {
              out_.code[f.word] = t.loopStart - f.instrStart;
            } else {
              t.fixups.push_back(f);
            }
            return;
          }
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
        uint32_t start = emit(toLoop ? X::BrTableBack : X::BrTable);
        word(idx);
        word(n);
        uint32_t table = here();
        for (uint32_t i = 0; i <= n; ++i) word(0);
        for (uint32_t i = 0; i <= n; ++i) {
          uint32_t depth = fn_.brTableTargets[in.a + i];
          Ctrl& t = label(depth);
          if (!isFunctionLabel(depth) && !branchNeedsCopies(t)) {
            if (t.op == Op::Loop) {
              out_.code[table + i] = t.loopStart - start;
            } else {
              t.fixups.push_back({start, table + i});
            }
          } else {
            out_.code[table + i] = here() - start;
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
        call(t, in.a >= m_.importedFuncs ? X::CallLocal : X::Call, {}, in.a);
        return;
      }
      case Op::CallIndirect: {
        uint32_t idx = popSlot();
        call(m_.types[in.a], X::CallIndirect, {in.b, idx}, module_.typeIds[in.a]);
        return;
      }
      case Op::RefNull: push(Entry{Kind::Const, 0, 0}); return;
      case Op::RefFunc: {
        uint32_t dst = pushTemp();
        emit(X::RefFunc);
        word(dst);
        word(in.a);
        return;
      }
      case Op::Drop:
        if (stack_.back().hi) stack_.pop_back();
        stack_.pop_back();
        return;
      case Op::Select:
      case Op::SelectT: {
        if (stack_[height() - 2].hi) return selectV128();
        uint32_t cond = popSlot(), b = popSlot(), a = popSlot();
        uint32_t dst = slotOf(height());
        emit(X::Select);
        word(dst);
        word(a);
        word(b);
        word(cond);
        pushTemp();
        producedAt(here() - 4);
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
      case Op::GlobalGet: {
        if (globalType(in.a) == ValType::V128) {
          emit(X::GlobalGetV);
          word(slotOf(height()));
          word(in.a);
          pushTemps(std::span(&kV128, 1));
          return;
        }
        uint32_t dst = slotOf(height());
        emit(X::GlobalGet);
        word(dst);
        word(in.a);
        pushTemp();
        producedAt(here() - 2);
        return;
      }
      case Op::GlobalSet: {
        if (globalType(in.a) == ValType::V128) {
          uint32_t src = popV128();
          emit(X::GlobalSetV);
          word(in.a);
          word(src);
          return;
        }
        uint32_t src = popSlot();
        emit(X::GlobalSet);
        word(in.a);
        word(src);
        return;
      }
      case Op::TableGet: {
        uint32_t idx = popSlot();
        uint32_t dst = slotOf(height());
        emit(X::TableGet);
        word(dst);
        word(in.a);
        word(idx);
        pushTemp();
        return;
      }
      case Op::TableSet: {
        uint32_t v = popSlot(), idx = popSlot();
        emit(X::TableSet);
        word(in.a);
        word(idx);
        word(v);
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
      case Op::MemorySize: {
        uint32_t dst = pushTemp();
        emit(X::MemorySize);
        word(dst);
        return;
      }
      case Op::MemoryGrow: {
        uint32_t delta = popSlot();
        uint32_t dst = pushTemp();
        emit(X::MemoryGrow);
        word(dst);
        word(delta);
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
      case Op::MemoryInit: return bulk(X::MemoryInit, {in.a}, 3);
      case Op::DataDrop: return bulk(X::DataDrop, {in.a}, 0);
      case Op::MemoryCopy: return bulk(X::MemoryCopy, {}, 3);
      case Op::MemoryFill: return bulk(X::MemoryFill, {}, 3);
      case Op::TableInit: return bulk(X::TableInit, {in.a, in.b}, 3);
      case Op::ElemDrop: return bulk(X::ElemDrop, {in.a}, 0);
      case Op::TableCopy: return bulk(X::TableCopy, {in.a, in.b}, 3);
      case Op::TableFill: return bulk(X::TableFill, {in.a}, 3);
      case Op::TableSize: {
        uint32_t dst = pushTemp();
        emit(X::TableSize);
        word(dst);
        word(in.a);
        return;
      }
      case Op::TableGrow: {
        uint32_t n = popSlot(), init = popSlot();
        uint32_t dst = pushTemp();
        emit(X::TableGrow);
        word(dst);
        word(in.a);
        word(init);
        word(n);
        return;
      }
      default: break;
    }
    if (auto x = unaryX(in.op)) {
      unary(*x);
      if (in.op == Op::I32Eqz || in.op == Op::I64Eqz) {
        // eqz is "== 0": lets a following branch fuse with it.
        uint32_t start = here() - 4;
        lastCmp_ = LastCmp{
            start, here(), in.op == Op::I32Eqz ? X::I32Eq : X::I64Eq, out_.code[start + 3], out_.code[start + 2],
            true,  0};
      }
      return;
    }
    if (auto x = binaryX(in.op)) return binary(in.op, *x);
    if (isSimd(in.op)) return simd(in);
    // Every validated opcode is handled above; anything else cannot run.
    emit(X::Unreachable);
  }

  // Loads fold an i32.add that computed their address just before.
  void load(X op, uint32_t offset) {
    uint32_t dst = slotOf(height() - 1);
    if (stack_.back().kind == Kind::Const) {
      // A constant address: the effective address is known (no 32-bit wrap).
      uint64_t ea = uint32_t(stack_.back().value) + uint64_t(offset);
      stack_.pop_back();
      emit(X(uint16_t(op) + kAbsOffset));
      word(dst);
      word(uint32_t(ea));
      word(uint32_t(ea >> 32));
      pushTemp();
      producedAt(lastOpStart() + 2);
      return;
    }
    if (stack_.back().kind == Kind::Temp && lastAdd_.end == here() && lastAdd_.dst == dst) {
      LastAdd add = lastAdd_;
      out_.code.resize(add.start);
      forgetLast();
      stack_.pop_back();
      emit(X(uint16_t(op) + (add.imm ? kAddIOffset : kAddOffset)));
      word(dst);
      word(add.a);
      word(add.b);
    } else {
      uint32_t addr = popSlot();
      emit(op);
      word(dst);
      word(addr);
    }
    word(offset);
    pushTemp();
    producedAt(lastOpStart() + 2);
  }
  // Stores fold the address's i32.add when the value needs no code of its
  // own (a local or a constant), so the add was the last instruction. A
  // constant is written to the value's slot, which must not be an input of
  // the add (its right operand may have lived there).
  void store(X op, uint32_t offset) {
    uint32_t valPos = height() - 1;
    const Entry& v = stack_[valPos];
    const LastAdd& add = lastAdd_;
    bool valueFree = v.kind == Kind::Local ||
                     (v.kind == Kind::Const && add.a != slotOf(valPos) && (add.imm || add.b != slotOf(valPos)));
    if (valueFree && stack_[valPos - 1].kind == Kind::Temp && add.end == here() && add.dst == slotOf(valPos - 1)) {
      LastAdd fused = add;
      out_.code.resize(fused.start);
      forgetLast();
      uint32_t val = popSlot();
      stack_.pop_back();
      emit(X(uint16_t(op) + (fused.imm ? kStoreAddIOffset : kStoreAddOffset)));
      word(fused.a);
      word(fused.b);
      word(val);
      word(offset);
      return;
    }
    if (stack_[valPos - 1].kind == Kind::Const) {
      uint64_t ea = uint32_t(stack_[valPos - 1].value) + uint64_t(offset);
      uint32_t val = popSlot();
      stack_.pop_back();
      emit(X(uint16_t(op) + kStoreAbsOffset));
      word(uint32_t(ea));
      word(uint32_t(ea >> 32));
      word(val);
      return;
    }
    uint32_t val = popSlot(), addr = popSlot();
    emit(op);
    word(addr);
    word(val);
    word(offset);
  }
  // Ops with immediates followed by `popped` stack operands in push order.
  void bulk(X op, std::initializer_list<uint32_t> imms, uint32_t popped) {
    uint32_t slots[3];
    for (uint32_t i = popped; i > 0; --i) slots[i - 1] = popSlot();
    emit(op);
    for (uint32_t w : imms) word(w);
    for (uint32_t i = 0; i < popped; ++i) word(slots[i]);
  }

  const Module& m_;
  const wasmnn_module& module_;
  const Function& fn_;
  const void* const* labels_;
  CompiledFunc out_;
  std::vector<Entry> stack_;
  std::vector<Ctrl> ctrls_;
  uint32_t maxHeight_ = 0;
  uint32_t lastDstWord_ = 0, lastEnd_ = UINT32_MAX, lastOpStart_ = 0;
  uint32_t lastCopyStart_ = 0, lastCopyEnd_ = UINT32_MAX, pendingCopies_ = 0, pendingCopy_[6] = {};
  LastCmp lastCmp_;
  LastAdd lastAdd_;
  LastAdd lastRot_;  // the last i32.rotl by a constant (b = the rotate count)
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
