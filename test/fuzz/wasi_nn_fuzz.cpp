// libFuzzer target: the WASI-NN guest ABI (wasi_ephemeral_nn and the legacy
// wasi_nn module) driven by random call sequences against the fake backend
// (test/nn/fake_backend, built with FAKE_NO_DELAY), on a 64 KiB guest memory.
// The input is a program: one op byte, then its arguments. Arguments that
// name a graph or context usually pick one the sequence created, otherwise a
// raw value; pointers are raw 16-bit values, so some lie past the memory.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "wasmnn/wasi_nn/guest_abi.h"
#include "wasmnn/wasi_nn/nn_host.h"

using namespace wasmnn::nn;

namespace {

constexpr size_t kMemory = 1 << 16;
constexpr uint8_t kModel[] = {'W', 'N', 'N', 'F', 'A', 'K', 'E', '1'};

class Program {
 public:
  Program(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ >= end_; }
  uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  uint32_t u16() { return u8() | uint32_t(u8()) << 8; }
  uint32_t u32() { return u16() | u16() << 16; }
  // A handle the program made (most of the time) or any value.
  uint32_t handle(const std::vector<uint32_t>& made) {
    uint8_t pick = u8();
    if (pick < 0xf0 && !made.empty()) return made[pick % made.size()];
    return pick == 0xff ? u32() : pick;
  }
  std::pair<const uint8_t*, size_t> bytes(size_t max) {
    size_t n = std::min<size_t>(u8() % (max + 1), size_t(end_ - p_));
    const uint8_t* at = p_;
    p_ += n;
    return {at, n};
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

std::shared_ptr<NnHost> makeHost() {
  auto host = std::make_shared<NnHost>();
  host->backends().addDir(FUZZ_FAKE_BACKEND_DIR);
  host->setLimits(8, 16);
  // load_by_name: one real model, and one whose file is missing.
  std::string path = "/tmp/wasmnn_fuzz_model_" + std::to_string(getpid());
  std::vector<uint8_t> model(kModel, kModel + sizeof kModel);
  model.resize(model.size() + 12, 0);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(model.data()), std::streamsize(model.size()));
  auto fake = parsePreloadSpec("fake:tensorflow:cpu:" + path);
  auto gone = parsePreloadSpec("gone:tensorflow:cpu:/nonexistent/model.fake");
  if (!fake || !gone || !host->models().add(*fake) || !host->models().add(*gone)) std::abort();
  return host;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<NnHost> host = makeHost();
  std::vector<uint8_t> memory(kMemory);
  wasmnn::GuestMemory mem(memory.data(), memory.size());
  NnInstance nn(host);
  std::vector<uint32_t> graphs, contexts;
  Program in(data, size);
  auto keep = [&](std::vector<uint32_t>& list, uint32_t err, uint32_t outPtr) {
    if (err == 0 && outPtr + 4 <= kMemory) {
      uint32_t h;
      std::memcpy(&h, memory.data() + outPtr, 4);
      list.push_back(h);
    }
  };
  for (int steps = 0; !in.done() && steps < 64; ++steps) {
    switch (in.u8() % 18) {
      case 0: {  // guest writes bytes
        uint32_t at = in.u16();
        auto [p, n] = in.bytes(64);
        if (at + n <= kMemory) std::memcpy(memory.data() + at, p, n);
        break;
      }
      case 1: {  // a fake model, scale and bias from the input
        uint32_t at = in.u16() % (kMemory - 20);
        std::memcpy(memory.data() + at, kModel, sizeof kModel);
        uint32_t scale = in.u32(), bias = in.u32(), delay = in.u32();
        std::memcpy(memory.data() + at + 8, &scale, 4);
        std::memcpy(memory.data() + at + 12, &bias, 4);
        std::memcpy(memory.data() + at + 16, &delay, 4);
        break;
      }
      case 2: {
        uint32_t b = in.u16(), n = in.u8() % 4, enc = in.u8() % 16, target = in.u8() % 5, out = in.u16();
        keep(graphs, nn.load(mem, b, n, enc, target, out), out);
        break;
      }
      case 3: {
        uint32_t name = in.u16(), len = in.u8(), out = in.u16();
        keep(graphs, nn.loadByName(mem, name, len, out), out);
        break;
      }
      case 4: {
        uint32_t name = in.u16(), len = in.u8(), cfg = in.u16(), cfgLen = in.u8(), out = in.u16();
        keep(graphs, nn.loadByNameWithConfig(mem, name, len, cfg, cfgLen, out), out);
        break;
      }
      case 5: {
        uint32_t g = in.handle(graphs), out = in.u16();
        keep(contexts, nn.initExecutionContext(mem, g, out), out);
        break;
      }
      case 6: {
        uint32_t c = in.handle(contexts), index = in.u8() % 6, tensor = in.u16();
        nn.setInput(mem, c, index, tensor);
        break;
      }
      case 7: nn.compute(in.handle(contexts)); break;
      case 8: {
        uint32_t c = in.handle(contexts), index = in.u8() % 4, out = in.u16(), max = in.u16(), used = in.u16();
        nn.getOutput(mem, c, index, out, max, used);
        break;
      }
      case 9: nn.computeSingle(in.handle(contexts)); break;
      case 10: {
        uint32_t c = in.handle(contexts), index = in.u8() % 4, out = in.u16(), max = in.u16(), used = in.u16();
        nn.getOutputSingle(mem, c, index, out, max, used);
        break;
      }
      case 11: nn.finiSingle(in.handle(contexts)); break;
      case 12: nn.unload(in.handle(graphs)); break;
      case 13: nn.finalizeExecutionContext(in.handle(contexts)); break;
      case 14: {
        uint32_t b = in.u16(), enc = in.u8() % 8, target = in.u8() % 4, out = in.u16();
        keep(graphs, nn.legacyLoad(mem, b, enc, target, out), out);
        break;
      }
      case 15: {
        uint32_t c = in.handle(contexts), index = in.u8() % 6, tensor = in.u16();
        nn.legacySetInput(mem, c, index, tensor);
        break;
      }
      case 16: {
        uint32_t c = in.handle(contexts), index = in.u8() % 4, out = in.u16(), sizePtr = in.u16();
        nn.legacyGetOutput(mem, c, index, out, sizePtr);
        break;
      }
      case 17: {  // a u32 the guest stores (builder records, tensor records, dims)
        uint32_t at = in.u16(), v = in.u32();
        if (at + 4 <= kMemory) std::memcpy(memory.data() + at, &v, 4);
        break;
      }
    }
  }
  return 0;
}
