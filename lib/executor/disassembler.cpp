// The slot code as text, for `wasmnn inspect --code` and the compiler's golden
// tests (test/compiler). The code is compiled with each handler address replaced
// by its instruction's number, so what is printed is exactly the layout the
// interpreter runs; the walk reads it only through the declarations in
// xops.h and rejects anything they do not describe.
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "simd.h"
#include "wasmnn/runtime/objects.h"
#include "xops.h"

namespace wasmnn {

namespace {

// "Handler addresses" that are the instructions' numbers.
const void* const* numberLabels() {
  static const auto labels = [] {
    std::array<const void*, size_t(X::Count)> t;
    for (size_t i = 0; i < t.size(); ++i) t[i] = reinterpret_cast<const void*>(i);
    return t;
  }();
  return labels.data();
}

// One decoded instruction: where it starts, what it is, and its operand kinds.
struct Decoded {
  uint32_t start = 0, words = 0;
  X op = X::Unreachable;
  std::span<const Opd> kinds;  // handler first
};

Error corrupt(uint32_t funcIndex, uint32_t word, const std::string& what) {
  return Error{ErrorKind::Host, "internal error: the code of function " + std::to_string(funcIndex) + " at word " +
                                    std::to_string(word) + " " + what + " (declarations in lib/executor/xops.h)"};
}

// Splits `code` into instructions by their declared lengths.
Result<std::vector<Decoded>> decode(const std::vector<uint32_t>& code, uint32_t funcIndex) {
  std::vector<Decoded> out;
  for (uint32_t at = 0; at < code.size();) {
    if (code.size() - at < 2 || code[at] >= uint32_t(X::Count) || code[at + 1] != 0)
      return corrupt(funcIndex, at, "is no instruction");
    Decoded d{at, 0, X(code[at]), kShapeKinds[size_t(shapeOf(X(code[at])))]};
    uint32_t fixed = wordsOf(d.kinds);
    if (code.size() - at < fixed) return corrupt(funcIndex, at, "ends early");
    if (shapeOf(d.op) == ShapeId::BrTable && code[at + shape::BrTable::count.word] >= code.size())
      return corrupt(funcIndex, at, "has a table longer than the code");
    d.words = instructionWords(d.op, &code[at]);
    if (d.op == X::Simd) {
      uint32_t sub = code[at + shape::Simd::sub.word];
      ShapeId s = sub < kSimdCount ? simdShapeId(kSimdInfo[sub].shape) : ShapeId::Simd;
      d.kinds = kShapeKinds[size_t(s)];
      if (s == ShapeId::Simd || d.words != wordsOf(d.kinds)) return corrupt(funcIndex, at, "is a malformed Simd");
    }
    if (d.words < fixed || code.size() - at < d.words) return corrupt(funcIndex, at, "ends early");
    out.push_back(d);
    at += d.words;
  }
  return out;
}

template <typename Float> std::string shortest(Float f) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, f);
  return std::string(buf, r.ptr);
}

class Printer {
 public:
  Printer(const std::vector<uint32_t>& code, const std::vector<Decoded>& instrs) : code_(code), instrs_(instrs) {}

  // Appends one instruction's line; false if a branch target is no instruction start.
  bool print(const Decoded& d, std::string& out) {
    char head[32];
    std::snprintf(head, sizeof head, "%6u  ", d.start);
    out += head;
    out += kXNames[size_t(d.op)];
    uint32_t word = d.start + 2;
    const char* sep = " ";
    for (size_t i = 1; i < d.kinds.size(); word += wordsOf(d.kinds[i]), ++i) {
      Opd k = d.kinds[i];
      if (k == Opd::Length || k == Opd::Count)
        continue;  // Length follows from the sub-opcode; BrTable's table is printed after
      if (k == Opd::SimdOp) {
        out += sep + std::string(opName(Op(kSimdBase + code_[word])));
        continue;
      }
      out += sep;
      if (!operand(d, k, word, out)) return false;
      sep = k == Opd::Dst ? " <- " : ", ";
    }
    if (shapeOf(d.op) == ShapeId::BrTable) return table(d, out);
    out += '\n';
    return true;
  }

 private:
  bool operand(const Decoded& d, Opd k, uint32_t word, std::string& out) const {
    uint32_t v = code_[word];
    // The immediates of F32*/F64* instructions are floats.
    bool isFloat = kXNames[size_t(d.op)][0] == 'F';
    if (isFloat && (k == Opd::Imm || k == Opd::Imm64)) {
      uint64_t bits = k == Opd::Imm ? v : v | uint64_t(code_[word + 1]) << 32;
      out += k == Opd::Imm ? shortest(std::bit_cast<float>(uint32_t(bits))) : shortest(std::bit_cast<double>(bits));
      return true;
    }
    char buf[48] = "";
    switch (k) {
      case Opd::Dst:
      case Opd::Slot: std::snprintf(buf, sizeof buf, "s%u", v); break;
      case Opd::Base: std::snprintf(buf, sizeof buf, "s%u..", v); break;
      case Opd::Imm:
      case Opd::Lane: std::snprintf(buf, sizeof buf, "%" PRId32, int32_t(v)); break;
      case Opd::Imm64: std::snprintf(buf, sizeof buf, "%" PRId64, int64_t(v | uint64_t(code_[word + 1]) << 32)); break;
      case Opd::Offset: std::snprintf(buf, sizeof buf, "+%u", v); break;
      case Opd::Target: return target(d.start, v, out);
      case Opd::Func: std::snprintf(buf, sizeof buf, "f%u", v); break;
      case Opd::Global: std::snprintf(buf, sizeof buf, "g%u", v); break;
      case Opd::Table: std::snprintf(buf, sizeof buf, "t%u", v); break;
      case Opd::Elem: std::snprintf(buf, sizeof buf, "elem%u", v); break;
      case Opd::Data: std::snprintf(buf, sizeof buf, "data%u", v); break;
      case Opd::TypeId: std::snprintf(buf, sizeof buf, "type%u", v); break;
      case Opd::Lanes: {
        uint8_t lanes[16];
        std::memcpy(lanes, &code_[word], 16);
        out += '[';
        for (int i = 0; i < 16; ++i) out += std::to_string(lanes[i]) + (i < 15 ? " " : "]");
        return true;
      }
      case Opd::Handler:
      case Opd::SimdOp:
      case Opd::Length:
      case Opd::Count: break;  // not printed as operands
    }
    out += buf;
    return true;
  }
  // A branch target as the word it lands on, which must start an instruction.
  bool target(uint32_t start, uint32_t offset, std::string& out) const {
    uint32_t to = start + offset;
    auto it =
        std::lower_bound(instrs_.begin(), instrs_.end(), to, [](const Decoded& d, uint32_t w) { return d.start < w; });
    if (it == instrs_.end() || it->start != to) return false;
    out += '@' + std::to_string(to);
    return true;
  }
  // BrTable's n + 1 targets after its fixed part, the last the default.
  bool table(const Decoded& d, std::string& out) const {
    uint32_t first = d.start + shape::BrTable::words, n = code_[d.start + shape::BrTable::count.word];
    out += " [";
    for (uint32_t i = 0; i < n; ++i) {
      if (i) out += ", ";
      if (!target(d.start, code_[first + i], out)) return false;
    }
    out += "] default ";
    if (!target(d.start, code_[first + n], out)) return false;
    out += '\n';
    return true;
  }

  const std::vector<uint32_t>& code_;
  const std::vector<Decoded>& instrs_;
};

}  // namespace

Result<std::string> disassemble(const wasmnn_module& module, uint32_t funcIndex) {
  const Module& m = module.ast;
  if (funcIndex < m.importedFuncs)
    return Error{ErrorKind::Host, "function " + std::to_string(funcIndex) + " is imported: it has no code"};
  if (funcIndex - m.importedFuncs >= m.functions.size())
    return Error{ErrorKind::Host, "function " + std::to_string(funcIndex) + " does not exist (the module has " +
                                      std::to_string(m.importedFuncs + m.functions.size()) + ")"};
  CompiledFunc f = compileFunction(module, funcIndex - m.importedFuncs, numberLabels());
  auto instrs = decode(f.code, funcIndex);
  if (!instrs) return instrs.error();
  std::string out = "func " + std::to_string(funcIndex) + " " + m.functionName(funcIndex) + " (slots: params " +
                    std::to_string(f.numParams) + ", locals " + std::to_string(f.numLocals) + ", frame " +
                    std::to_string(f.frameSlots) + ", results " + std::to_string(f.numResults) + ")\n";
  Printer printer(f.code, *instrs);
  for (const Decoded& d : *instrs)
    if (!printer.print(d, out)) return corrupt(funcIndex, d.start, "branches to no instruction start");
  return out;
}

}  // namespace wasmnn
