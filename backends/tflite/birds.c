/*
 * birds — a quantized image classifier guest shaped like WasmEdge's TFLite
 * bird example (WasmEdge-WASINN-examples/tflite-birds_v1-image): the model
 * bytes go to load() as tensorflowlite, a 224x224 RGB image as u8
 * [1,224,224,3], and the 965 u8 scores come back; the top 5 are printed.
 *
 *   birds MODEL.tflite IMAGE.rgb [LABELS]
 *     IMAGE   raw RGB bytes, 224 x 224 x 3 (the example decodes and resizes a
 *             JPEG first; this guest takes the pixels as they are)
 *     LABELS  optional text file, one class name per line
 * Ties in the scores keep the lower class first, like the example's stable sort.
 */
#include "nn_util.h"

enum { kSide = 224, kClasses = 965, kTop = 5 };

static int fail(const char* what, wasi_nn_error err) {
  fprintf(stderr, "birds: %s failed: %s (%d)\n", what, wasi_nn_error_name(err), (int)err);
  return 1;
}

/* Line `index` of the labels text (its length in *len), or "" if there is none. */
static const char* label(const char* labels, uint32_t size, int index, int* len) {
  const char* line = labels;
  for (int i = 0; line && line < labels + size; ++i) {
    const char* end = memchr(line, '\n', (size_t)(labels + size - line));
    if (i == index) {
      *len = (int)((end ? end : labels + size) - line);
      return line;
    }
    line = end ? end + 1 : NULL;
  }
  *len = 0;
  return "";
}

/* The k best classes, ties to the lower index (a stable sort, highest first). */
static void top_classes(const uint8_t* scores, int* best) {
  for (int k = 0; k < kTop; ++k) {
    best[k] = -1;
    for (int c = 0; c < kClasses; ++c) {
      int taken = 0;
      for (int j = 0; j < k; ++j) taken |= best[j] == c;
      if (!taken && (best[k] < 0 || scores[c] > scores[best[k]])) best[k] = c;
    }
  }
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: birds MODEL.tflite IMAGE.rgb [LABELS]\n");
    return 2;
  }
  uint32_t model_size = 0, image_size = 0, labels_size = 0;
  uint8_t* model = nn_read_file(argv[1], &model_size);
  if (!model) return 1;
  printf("Read graph weights, size in bytes: %u\n", model_size);

  wasi_nn_graph_builder builder = {model, model_size};
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  wasi_nn_error err = wasi_nn_load(&builder, 1, WASI_NN_ENCODING_TENSORFLOWLITE, WASI_NN_TARGET_CPU, &graph);
  free(model);
  if (err) return fail("load", err);
  printf("Loaded graph into wasi-nn with ID: %u\n", graph);
  if ((err = wasi_nn_init_execution_context(graph, &ctx))) return fail("init_execution_context", err);
  printf("Created wasi-nn execution context with ID: %u\n", ctx);

  uint8_t* image = nn_read_file(argv[2], &image_size);
  if (!image) return 1;
  if (image_size != kSide * kSide * 3) {
    fprintf(stderr, "birds: %s has %u bytes, a %dx%d RGB image has %d\n", argv[2], image_size, kSide, kSide,
            kSide * kSide * 3);
    return 1;
  }
  printf("Read input tensor, size in bytes: %u\n", image_size);
  uint32_t dims[4] = {1, kSide, kSide, 3};
  wasi_nn_tensor tensor = {dims, 4, WASI_NN_TYPE_U8, image, image_size};
  if ((err = wasi_nn_set_input(ctx, 0, &tensor))) return fail("set_input", err);
  if ((err = wasi_nn_compute(ctx))) return fail("compute", err);
  printf("Executed graph inference\n");

  uint8_t scores[kClasses];
  uint32_t written = 0;
  if ((err = wasi_nn_get_output(ctx, 0, scores, sizeof scores, &written))) return fail("get_output", err);
  if (written != kClasses) {
    fprintf(stderr, "birds: the model returned %u scores, not %d\n", written, kClasses);
    return 1;
  }
  char* labels = argc > 3 ? (char*)nn_read_file(argv[3], &labels_size) : NULL;
  int best[kTop];
  top_classes(scores, best);
  for (int k = 0; k < kTop; ++k) {
    int len = 0;
    const char* name = label(labels, labels ? labels_size : 0, best[k], &len);
    printf("   %d.) [%d](%u)%.*s\n", k + 1, best[k], scores[best[k]], len, name);
  }
  free(labels);
  free(image);
  wasi_nn_finalize_execution_context(ctx);
  wasi_nn_unload(graph);
  return 0;
}
