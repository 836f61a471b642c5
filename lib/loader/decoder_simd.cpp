// SIMD instructions (0xFD prefix): sub-opcode and immediates.
#include <algorithm>

#include "wasmnn/common/simd.h"
#include "wasmnn/loader/decoder.h"

namespace wasmnn {

bool ModuleDecoder::simdInstr(Instr& in) {
  uint32_t sub = 0;
  if (!r_.u32(sub)) return false;
  if (sub >= kSimdCount || kSimdInfo[sub].shape == SimdShape::Invalid) return r_.fail("illegal opcode", in.offset);
  in.op = Op(kSimdBase + sub);
  switch (immediateOf(in.op)) {
    case Imm::MemArg: return r_.u32(in.a) && r_.u32(in.b);
    case Imm::MemArgLane: {
      uint8_t lane = 0;
      if (!r_.u32(in.a) || !r_.u32(in.b) || !r_.u8(lane)) return false;
      // Alignments this large are invalid anyway; saturating keeps them invalid.
      in.a = std::min(in.a, 0xFFFFFFu) | uint32_t(lane) << 24;
      return true;
    }
    case Imm::Lane: {
      uint8_t lane = 0;
      if (!r_.u8(lane)) return false;
      in.a = lane;
      return true;
    }
    case Imm::V128:
    case Imm::Shuffle: {
      std::span<const uint8_t> bytes;
      if (!r_.bytes(16, bytes)) return false;
      in.a = uint32_t(pool_->size());
      std::copy(bytes.begin(), bytes.end(), pool_->emplace_back().begin());
      return true;
    }
    default: return true;
  }
}

}  // namespace wasmnn
