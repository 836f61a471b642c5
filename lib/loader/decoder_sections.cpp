// Module structure: header, section order and sizes, and every section but code.
#include "wasmnn/loader/decoder.h"

namespace wasmnn {
namespace {

enum SectionId : uint8_t {
  kCustom = 0,
  kType,
  kImport,
  kFunction,
  kTable,
  kMemory,
  kGlobal,
  kExport,
  kStart,
  kElem,
  kCode,
  kData,
  kDataCount,
};

// Position of each section id in the required order (the data count section
// sits between element and code).
constexpr uint8_t kOrder[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

}  // namespace

Result<Module> ModuleDecoder::decode() {
  if (!header() || !sections() || !checkCounts()) return r_.takeError();
  if (deferred_) return std::move(*deferred_);
  return std::move(m_);
}

bool ModuleDecoder::header() {
  uint32_t magic = 0, version = 0;
  if (r_.remaining() < 4) return r_.fail("unexpected end", r_.remaining());
  r_.fixed32(magic);
  if (magic != 0x6D736100) return r_.fail("magic header not detected", 0);
  if (r_.remaining() < 4) return r_.fail("unexpected end", 4 + r_.remaining());
  r_.fixed32(version);
  return version == 1 || r_.fail("unknown binary version", 4);
}

bool ModuleDecoder::sections() {
  uint8_t lastOrder = 0;
  while (!r_.atLimit()) {
    const size_t idAt = r_.offset();
    uint8_t id = 0;
    r_.u8(id);
    if (id > kDataCount) return r_.fail("malformed section id", idAt);
    if (id != kCustom) {
      // A repeated or out-of-order section ends the module in the spec's grammar.
      if (kOrder[id] <= lastOrder) return r_.fail("unexpected content after last section", idAt);
      lastOrder = kOrder[id];
    }
    const size_t sizeAt = r_.offset();
    uint32_t size = 0;
    if (!r_.u32(size)) return false;
    if (size > r_.remaining()) return r_.fail("length out of bounds", sizeAt);
    // Like the spec interpreter, read on past the declared end and compare
    // afterwards: miscounted sections then fail with the testsuite's messages.
    const size_t end = r_.offset() + size;
    if (!section(id, end)) return false;
    if (r_.offset() != end) return r_.fail("section size mismatch", sizeAt);
  }
  return true;
}

bool ModuleDecoder::section(uint8_t id, size_t end) {
  switch (id) {
    case kCustom: return customSection(end);
    case kType: return typeSection();
    case kImport: return importSection();
    case kFunction: return functionSection();
    case kTable: return tableSection();
    case kMemory: return memorySection();
    case kGlobal: return globalSection();
    case kExport: return exportSection();
    case kStart: {
      uint32_t index = 0;
      if (!r_.u32(index)) return false;
      m_.start = index;
      return true;
    }
    case kElem: return elemSection();
    case kCode: return codeSection();
    case kData: return dataSection();
    case kDataCount: {
      uint32_t count = 0;
      if (!r_.u32(count)) return false;
      m_.dataCount = count;
      return true;
    }
  }
  return false;
}

bool ModuleDecoder::checkCounts() {
  if (m_.functions.size() != codeCount_.value_or(0))
    return r_.fail("function and code section have inconsistent lengths", r_.offset());
  if (m_.dataCount && *m_.dataCount != dataSectionCount_.value_or(0))
    return r_.fail("data count and data section have inconsistent lengths", r_.offset());
  // memory.init and data.drop name data segments, which come after the code;
  // the data count section announces them. Without any data section the
  // index is simply unknown, which the validator reports (as the testsuite's
  // text modules expect).
  if (firstDataIndexUse_ && !m_.dataCount && dataSectionCount_)
    return r_.fail("data count section required", *firstDataIndexUse_);
  return true;
}

// ---- Types ----

bool ModuleDecoder::valType(ValType& out) {
  const size_t at = r_.offset();
  uint8_t b = 0;
  if (!r_.u8(b)) return false;
  if (b & 0x80) return r_.fail("integer representation too long", at);  // type codes are s7 LEB128
  switch (b) {
    case 0x7F:
    case 0x7E:
    case 0x7D:
    case 0x7C:
    case 0x7B:
    case 0x70:
    case 0x6F: out = ValType(b); return true;
    default: return r_.fail("malformed value type", at);
  }
}

bool ModuleDecoder::refType(ValType& out) {
  const size_t at = r_.offset();
  uint8_t b = 0;
  if (!r_.u8(b)) return false;
  if (b & 0x80) return r_.fail("integer representation too long", at);
  if (b != 0x70 && b != 0x6F) return r_.fail("malformed reference type", at);
  out = ValType(b);
  return true;
}

bool ModuleDecoder::limits(Limits& out) {
  // The flag is a 1-bit LEB128 in the 2.0 grammar, hence its error messages.
  uint64_t hasMax = 0;
  const uint8_t* p = r_.pos();
  const size_t at = r_.offset();
  switch (readUnsignedLeb<1>(p, r_.limit(), hasMax)) {
    case LebStatus::Ok: break;
    case LebStatus::End: return r_.failEnd();
    case LebStatus::TooLong: return r_.fail("integer representation too long", at);
    case LebStatus::TooLarge: return r_.fail("integer too large", at);
  }
  uint8_t flag = 0;
  r_.u8(flag);  // the single byte just checked
  if (!r_.u32(out.min)) return false;
  if (hasMax) {
    uint32_t max = 0;
    if (!r_.u32(max)) return false;
    out.max = max;
  }
  return true;
}

bool ModuleDecoder::tableType(TableType& out) { return refType(out.elem) && limits(out.limits); }

bool ModuleDecoder::globalType(GlobalType& out) {
  if (!valType(out.type)) return false;
  const size_t at = r_.offset();
  uint8_t mut = 0;
  if (!r_.u8(mut)) return false;
  if (mut > 1) return r_.fail("malformed mutability", at);
  out.mut = mut == 1;
  return true;
}

// ---- Sections ----

bool ModuleDecoder::typeSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  // Vectors are sized by counts only after Reader::count checked them against
  // the bytes left, so a forged count cannot make us allocate much.
  m_.types.resize(count);
  for (FuncType& type : m_.types) {
    const size_t at = r_.offset();
    uint8_t form = 0;
    if (!r_.u8(form)) return false;
    if (form & 0x80) return r_.fail("integer representation too long", at);
    if (form != 0x60) return r_.fail("malformed function type", at);
    for (std::vector<ValType>* list : {&type.params, &type.results}) {
      uint32_t n = 0;
      if (!r_.count(n)) return false;
      list->resize(n);
      for (ValType& t : *list)
        if (!valType(t)) return false;
    }
  }
  return true;
}

bool ModuleDecoder::importSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  m_.imports.resize(count);
  for (Import& import : m_.imports) {
    if (!r_.name(import.module) || !r_.name(import.name)) return false;
    const size_t at = r_.offset();
    uint8_t kind = 0;
    if (!r_.u8(kind)) return false;
    bool ok = false;
    switch (kind) {
      case 0:
        ok = r_.u32(import.funcType);
        ++m_.importedFuncs;
        break;
      case 1:
        ok = tableType(import.table);
        ++m_.importedTables;
        break;
      case 2:
        ok = limits(import.memory.limits);
        ++m_.importedMemories;
        break;
      case 3:
        ok = globalType(import.global);
        ++m_.importedGlobals;
        break;
      default: return r_.fail("malformed import kind", at);
    }
    if (!ok) return false;
    import.kind = ExternKind(kind);
  }
  return true;
}

bool ModuleDecoder::functionSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  m_.functions.resize(count);
  for (Function& f : m_.functions)
    if (!r_.u32(f.type)) return false;
  return true;
}

bool ModuleDecoder::tableSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  m_.tables.resize(count);
  for (TableType& t : m_.tables)
    if (!tableType(t)) return false;
  return true;
}

bool ModuleDecoder::memorySection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  m_.memories.resize(count);
  for (MemoryType& mem : m_.memories)
    if (!limits(mem.limits)) return false;
  return true;
}

bool ModuleDecoder::globalSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  m_.globals.resize(count);
  for (Global& g : m_.globals)
    if (!globalType(g.type) || !constExpr(g.init)) return false;
  return true;
}

bool ModuleDecoder::exportSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  m_.exports.resize(count);
  for (Export& e : m_.exports) {
    if (!r_.name(e.name)) return false;
    const size_t at = r_.offset();
    uint8_t kind = 0;
    if (!r_.u8(kind)) return false;
    if (kind > 3) return r_.fail("malformed export kind", at);
    e.kind = ExternKind(kind);
    if (!r_.u32(e.index)) return false;
  }
  return true;
}

bool ModuleDecoder::elemSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  m_.elems.resize(count);
  for (ElemSegment& seg : m_.elems)
    if (!elemSegment(seg)) return false;
  return true;
}

bool ModuleDecoder::elemKind() {
  const size_t at = r_.offset();
  uint8_t kind = 0;
  if (!r_.u8(kind)) return false;
  return kind == 0 || r_.fail("malformed element kind", at);
}

// The eight encodings: bit 0 = passive or declarative, bit 1 = explicit table
// index (active) or declarative (otherwise), bit 2 = expressions instead of
// function indices.
bool ModuleDecoder::elemSegment(ElemSegment& seg) {
  const size_t at = r_.offset();
  uint32_t flags = 0;
  if (!r_.u32(flags)) return false;
  if (flags > 7) return r_.fail("malformed elements segment kind", at);
  const bool passiveOrDeclarative = flags & 1, bit1 = flags & 2, useExprs = flags & 4;
  if (!passiveOrDeclarative) {
    seg.mode = SegmentMode::Active;
    if (bit1 && !r_.u32(seg.table)) return false;
    if (!constExpr(seg.offset)) return false;
  } else {
    seg.mode = bit1 ? SegmentMode::Declarative : SegmentMode::Passive;
  }
  // Encodings 0 and 4 have an implicit funcref type; the others spell it out.
  if (passiveOrDeclarative || bit1) {
    if (useExprs ? !refType(seg.type) : !elemKind()) return false;
  }
  uint32_t n = 0;
  if (!r_.count(n)) return false;
  seg.init.resize(n);
  for (ConstExpr& e : seg.init) {
    if (useExprs) {
      if (!constExpr(e)) return false;
    } else {
      e.kind = ConstExpr::Kind::RefFunc;
      e.offset = uint32_t(r_.offset());
      uint32_t index = 0;
      if (!r_.u32(index)) return false;
      e.value = index;
    }
  }
  return true;
}

bool ModuleDecoder::dataSection() {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  dataSectionCount_ = count;
  m_.datas.resize(count);
  for (DataSegment& seg : m_.datas)
    if (!dataSegment(seg)) return false;
  return true;
}

bool ModuleDecoder::dataSegment(DataSegment& seg) {
  const size_t at = r_.offset();
  uint32_t flags = 0;
  if (!r_.u32(flags)) return false;
  switch (flags) {
    case 0: break;
    case 1: seg.mode = SegmentMode::Passive; break;
    case 2:
      if (!r_.u32(seg.memory)) return false;
      break;
    default: return r_.fail("malformed data segment kind", at);
  }
  if (seg.mode == SegmentMode::Active && !constExpr(seg.offset)) return false;
  uint32_t size = 0;
  std::span<const uint8_t> bytes;
  if (!r_.u32(size) || !r_.bytes(size, bytes)) return false;
  seg.bytes.assign(bytes.begin(), bytes.end());
  return true;
}

bool ModuleDecoder::customSection(size_t end) {
  CustomSection custom;
  if (!r_.name(custom.name)) return false;
  if (r_.offset() > end) return r_.failEnd();
  std::span<const uint8_t> payload;
  r_.bytes(end - r_.offset(), payload);
  if (custom.name == "name") nameSection(payload);
  custom.bytes.assign(payload.begin(), payload.end());
  m_.customs.push_back(std::move(custom));
  return true;
}

// Function names only; a malformed name section is ignored, as the spec allows.
void ModuleDecoder::nameSection(std::span<const uint8_t> payload) {
  Reader r(payload);
  while (!r.atLimit()) {
    uint8_t id = 0;
    uint32_t size = 0;
    if (!r.u8(id) || !r.u32(size) || size > r.remaining()) break;
    const uint8_t* outer = r.pushLimit(size);
    if (id == 1) {
      uint32_t count = 0;
      if (!r.count(count)) break;
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t index = 0;
        std::string name;
        if (!r.u32(index) || !r.name(name)) break;
        m_.functionNames[index] = std::move(name);
      }
      if (r.failed() || !r.atLimit()) break;
    } else {
      std::span<const uint8_t> skipped;
      r.bytes(size, skipped);
    }
    r.restoreLimit(outer);
  }
  if (r.failed() || !r.atLimit()) m_.functionNames.clear();
}

}  // namespace wasmnn
