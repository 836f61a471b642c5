/*
 * openvino-classify — the image classification guest of the Wasmtime and WasmEdge
 * WASI-NN examples, in C: an OpenVINO IR classifier given as two graph
 * builders (the .xml and its .bin weights), one raw f32 [1,3,224,224] tensor
 * read from a file, target cpu, and the top-5 of the [1,1001] scores, whose
 * entry 0 is the "background" class (the ImageNet classes are 1..1000).
 *
 *   openvino-classify MODEL.xml MODEL.bin TENSOR
 *
 * Prints one line per step, then "   N.) [CLASS](SCORE)" for the top 5, with
 * CLASS the ImageNet class index (score index - 1).
 */
#include "nn_util.h"

#define CLASSES 1001 /* background + the 1000 ImageNet classes */

static int fail(const char* what, wasi_nn_error err) {
  fprintf(stderr, "openvino-classify: %s failed: %s (%d)\n", what, wasi_nn_error_name(err), (int)err);
  return 1;
}

/* The index of the highest score not yet in `taken`, skipping the background. */
static int next_best(const float* scores, const int* taken, int ntaken) {
  int best = -1;
  for (int i = 1; i < CLASSES; ++i) {
    int used = 0;
    for (int k = 0; k < ntaken; ++k) used |= taken[k] == i;
    if (!used && (best < 0 || scores[i] > scores[best])) best = i;
  }
  return best;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: openvino-classify MODEL.xml MODEL.bin TENSOR\n");
    return 2;
  }
  uint32_t xml_size = 0, bin_size = 0, tensor_size = 0;
  uint8_t* xml = nn_read_file(argv[1], &xml_size);
  uint8_t* bin = nn_read_file(argv[2], &bin_size);
  uint8_t* tensor_data = nn_read_file(argv[3], &tensor_size);
  if (!xml || !bin || !tensor_data) return 1;
  printf("Read graph XML, size in bytes: %u\n", xml_size);
  printf("Read graph weights, size in bytes: %u\n", bin_size);

  wasi_nn_graph_builder builders[2] = {{xml, xml_size}, {bin, bin_size}};
  wasi_nn_graph graph;
  wasi_nn_error err = wasi_nn_load(builders, 2, WASI_NN_ENCODING_OPENVINO, WASI_NN_TARGET_CPU, &graph);
  if (err) return fail("load", err);
  printf("Loaded graph into wasi-nn with ID: %u\n", graph);
  free(xml);
  free(bin);

  wasi_nn_context ctx;
  if ((err = wasi_nn_init_execution_context(graph, &ctx))) return fail("init_execution_context", err);
  printf("Created wasi-nn execution context with ID: %u\n", ctx);

  uint32_t dims[4] = {1, 3, 224, 224};
  printf("Read input tensor, size in bytes: %u\n", tensor_size);
  wasi_nn_tensor tensor = {dims, 4, WASI_NN_TYPE_F32, tensor_data, tensor_size};
  if ((err = wasi_nn_set_input(ctx, 0, &tensor))) return fail("set_input", err);
  if ((err = wasi_nn_compute(ctx))) return fail("compute", err);
  printf("Executed graph inference\n");

  float scores[CLASSES];
  uint32_t written = 0;
  if ((err = wasi_nn_get_output(ctx, 0, (uint8_t*)scores, sizeof scores, &written))) return fail("get_output", err);
  if (written != sizeof scores) {
    fprintf(stderr, "openvino-classify: the model returned %u bytes, not %u f32 scores\n", written, CLASSES);
    return 1;
  }
  int taken[5];
  for (int rank = 0; rank < 5; ++rank) {
    taken[rank] = next_best(scores, taken, rank);
    printf("   %d.) [%d](%.4f)\n", rank + 1, taken[rank] - 1, (double)scores[taken[rank]]);
  }
  free(tensor_data);
  return 0;
}
