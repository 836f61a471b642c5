// llama.cpp's own greedy generation, for scripts/run.sh's demo:
//   llamacpp_native_generate MODEL.gguf PROMPT N   → the generated text
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "native.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: llamacpp_native_generate MODEL.gguf PROMPT N\n");
    return 2;
  }
  try {
    wasmnn::test::llama::initOnce(LLAMACPP_LIB_DIR);
    auto model = wasmnn::test::llama::loadModel(argv[1]);
    std::printf("%s\n", wasmnn::test::llama::greedy(model.get(), argv[2], 256, std::atoi(argv[3])).text().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llamacpp_native_generate: %s\n", e.what());
    return 1;
  }
  return 0;
}
