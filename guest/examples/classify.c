/*
 * classify — load a model, run one tensor read from a file, print the top-5.
 *
 *   classify MODEL ENCODING INPUT DIMS [TYPE]
 *     MODEL     model file (read through a WASI preopen, e.g. --dir .) or
 *               @NAME for a model the host preloaded (--nn-preload NAME:...)
 *     ENCODING  onnx, pytorch, openvino, tensorflowlite, ggml, autodetect (ignored for @NAME)
 *     INPUT     raw little-endian tensor file for input 0
 *     DIMS      its shape, e.g. 1,3,224,224
 *     TYPE      its element type (default f32)
 * Output 0 is read as f32 scores.
 */
#include "nn_util.h"

static int fail(const char* what, wasi_nn_error err) {
  fprintf(stderr, "classify: %s failed: %s (%d)\n", what, wasi_nn_error_name(err), (int)err);
  return 1;
}

static wasi_nn_error load_model(const char* model, const char* encoding, wasi_nn_graph* graph) {
  if (model[0] == '@') return wasi_nn_load_by_name(model + 1, (uint32_t)strlen(model + 1), graph);
  int enc = nn_parse_encoding(encoding);
  if (enc < 0) {
    fprintf(stderr, "classify: unknown encoding %s\n", encoding);
    return WASI_NN_INVALID_ENCODING;
  }
  uint32_t size = 0;
  uint8_t* bytes = nn_read_file(model, &size);
  if (!bytes) return WASI_NN_NOT_FOUND;
  wasi_nn_graph_builder builder = {bytes, size};
  wasi_nn_error err = wasi_nn_load(&builder, 1, (uint32_t)enc, WASI_NN_TARGET_CPU, graph);
  free(bytes);
  return err;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: classify MODEL|@NAME ENCODING INPUT DIMS [TYPE]\n");
    return 2;
  }
  uint32_t dims[NN_MAX_RANK], rank;
  int type = argc > 5 ? nn_parse_type(argv[5]) : WASI_NN_TYPE_F32;
  if (!nn_parse_dims(argv[4], dims, &rank) || type < 0) {
    fprintf(stderr, "classify: bad DIMS or TYPE\n");
    return 2;
  }
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  wasi_nn_error err = load_model(argv[1], argv[2], &graph);
  if (err) return fail("load", err);
  if ((err = wasi_nn_init_execution_context(graph, &ctx))) return fail("init_execution_context", err);

  uint32_t input_size = 0;
  uint8_t* input = nn_read_file(argv[3], &input_size);
  if (!input) return 1;
  if (nn_elements(dims, rank) * wasi_nn_type_size((wasi_nn_tensor_type)type) != input_size) {
    fprintf(stderr, "classify: %s has %u bytes, DIMS and TYPE need %llu\n", argv[3], input_size,
            (unsigned long long)(nn_elements(dims, rank) * wasi_nn_type_size((wasi_nn_tensor_type)type)));
    return 1;
  }
  wasi_nn_tensor tensor = {dims, rank, (uint8_t)type, input, input_size};
  if ((err = wasi_nn_set_input(ctx, 0, &tensor))) return fail("set_input", err);
  if ((err = wasi_nn_compute(ctx))) return fail("compute", err);

  uint8_t* out;
  uint32_t out_size;
  if ((err = nn_get_output_alloc(ctx, 0, &out, &out_size))) return fail("get_output", err);
  uint32_t count = out_size / 4;
  float* scores = (float*)out;
  printf("%u scores\n", count);
  int taken[5] = {-1, -1, -1, -1, -1};
  for (int rankPos = 0; rankPos < 5 && rankPos < (int)count; ++rankPos) {
    int best = -1;
    for (uint32_t i = 0; i < count; ++i) {
      int used = 0;
      for (int k = 0; k < rankPos; ++k) used |= taken[k] == (int)i;
      if (!used && (best < 0 || scores[i] > scores[best])) best = (int)i;
    }
    taken[rankPos] = best;
    printf("top%d: class %d score %.6f\n", rankPos + 1, best, (double)scores[best]);
  }
  free(out);
  free(input);
  wasi_nn_finalize_execution_context(ctx);
  wasi_nn_unload(graph);
  return 0;
}
