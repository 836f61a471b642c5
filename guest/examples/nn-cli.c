/*
 * nn-cli — a generic WASI-NN guest driven by its arguments.
 *
 *   nn-cli (--model FILE[,FILE2] [--encoding E] [--target T] | --name NAME [--config JSON])
 *          [--input IDX:TYPE:DIMS:FILE]... [--output IDX:FILE]... [--stream] [--legacy]
 *
 *   --model     model part(s) read through WASI preopens (two for OpenVINO: xml,bin)
 *   --encoding  onnx, pytorch, openvino, tensorflowlite, ggml, autodetect (default) or a number
 *   --name      a model preloaded by the host (load_by_name / load_by_name_with_config)
 *   --input     e.g. 0:f32:1,3,224,224:input.bin (raw little-endian elements)
 *   --output    write output IDX's raw bytes to FILE after compute
 *   --stream    instead of compute: compute_single until end_of_sequence,
 *               printing each get_output_single token to stdout
 *   --legacy    use WAMR's legacy import module wasi_nn (types f16 f32 u8 i32)
 * Exit status 0 on success; on a WASI-NN error prints it and exits with 10 + errno.
 */
#include "nn_util.h"

#define MAX_ITEMS 16

typedef struct {
  uint32_t index;
  int type;
  uint32_t dims[NN_MAX_RANK], rank;
  const char* file;
} Input;

typedef struct {
  uint32_t index;
  const char* file;
} Output;

typedef struct {
  const char* model;
  const char* name;
  const char* config;
  int encoding, target, stream, legacy;
  Input inputs[MAX_ITEMS];
  Output outputs[MAX_ITEMS];
  int input_count, output_count;
} Options;

static int nn_fail(const char* what, wasi_nn_error err) {
  fprintf(stderr, "nn-cli: %s: %s (%d)\n", what, wasi_nn_error_name(err), (int)err);
  return 10 + (int)err;
}

static int usage(const char* why) {
  fprintf(stderr,
          "nn-cli: %s\nusage: nn-cli (--model FILE[,FILE2] [--encoding E] [--target T] | --name NAME "
          "[--config JSON]) [--input IDX:TYPE:DIMS:FILE]... [--output IDX:FILE]... [--stream] [--legacy]\n",
          why);
  return 2;
}

/* IDX:TYPE:DIMS:FILE; the string is split in place. */
static int parse_input(char* spec, Input* in) {
  char* parts[4];
  for (int i = 0; i < 3; ++i) {
    parts[i] = spec;
    spec = strchr(spec, ':');
    if (!spec) return 0;
    *spec++ = '\0';
  }
  parts[3] = spec;
  in->index = (uint32_t)strtoul(parts[0], NULL, 10);
  in->type = nn_parse_type(parts[1]);
  in->file = parts[3];
  return in->type >= 0 && nn_parse_dims(parts[2], in->dims, &in->rank);
}

static int parse_args(int argc, char** argv, Options* o) {
  memset(o, 0, sizeof *o);
  o->encoding = WASI_NN_ENCODING_AUTODETECT;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--stream"))
      o->stream = 1;
    else if (!strcmp(a, "--legacy"))
      o->legacy = 1;
    else if (!v)
      return usage("missing value");
    else if (!strcmp(a, "--model"))
      o->model = argv[++i];
    else if (!strcmp(a, "--name"))
      o->name = argv[++i];
    else if (!strcmp(a, "--config"))
      o->config = argv[++i];
    else if (!strcmp(a, "--encoding")) {
      if ((o->encoding = nn_parse_encoding(argv[++i])) < 0) return usage("unknown encoding");
    } else if (!strcmp(a, "--target")) {
      if ((o->target = nn_parse_target(argv[++i])) < 0) return usage("unknown target");
    } else if (!strcmp(a, "--input") && o->input_count < MAX_ITEMS) {
      if (!parse_input(argv[++i], &o->inputs[o->input_count++])) return usage("bad --input");
    } else if (!strcmp(a, "--output") && o->output_count < MAX_ITEMS) {
      char* spec = argv[++i];
      char* colon = strchr(spec, ':');
      if (!colon) return usage("bad --output");
      *colon = '\0';
      o->outputs[o->output_count++] = (Output){(uint32_t)strtoul(spec, NULL, 10), colon + 1};
    } else {
      return usage(a);
    }
  }
  if (!o->model == !o->name) return usage("give exactly one of --model and --name");
  for (int i = 0; i < o->input_count && o->legacy; ++i) {
    /* the legacy module numbers types f16 0, f32 1, u8 2, i32 3 */
    static const int old[] = {0, 1, -1, 2, 3, -1};
    if ((o->inputs[i].type = old[o->inputs[i].type]) < 0) return usage("--legacy supports f16, f32, u8, i32");
  }
  return 0;
}

static wasi_nn_error load_graph(const Options* o, wasi_nn_graph* graph) {
  if (o->name) {
    if (o->legacy) return wasi_nn_legacy_load_by_name(o->name, (uint32_t)strlen(o->name), graph);
    if (o->config)
      return wasi_nn_load_by_name_with_config(o->name, (uint32_t)strlen(o->name), o->config,
                                              (uint32_t)strlen(o->config), graph);
    return wasi_nn_load_by_name(o->name, (uint32_t)strlen(o->name), graph);
  }
  wasi_nn_graph_builder parts[2];
  uint32_t count = 0;
  char paths[2][1024];
  const char* comma = strchr(o->model, ',');
  if (comma) {
    snprintf(paths[0], sizeof paths[0], "%.*s", (int)(comma - o->model), o->model);
    snprintf(paths[1], sizeof paths[1], "%s", comma + 1);
    count = 2;
  } else {
    snprintf(paths[0], sizeof paths[0], "%s", o->model);
    count = 1;
  }
  for (uint32_t i = 0; i < count; ++i) {
    parts[i].buf = nn_read_file(paths[i], &parts[i].size);
    if (!parts[i].buf) return WASI_NN_NOT_FOUND;
  }
  wasi_nn_error err;
  if (o->legacy) {
    wasi_nn_legacy_builder_array array = {parts, count};
    err = wasi_nn_legacy_load(&array, (uint32_t)o->encoding, (uint32_t)o->target, graph);
  } else {
    err = wasi_nn_load(parts, count, (uint32_t)o->encoding, (uint32_t)o->target, graph);
  }
  for (uint32_t i = 0; i < count; ++i) free((void*)parts[i].buf);
  return err;
}

static wasi_nn_error set_input(const Options* o, wasi_nn_context ctx, const Input* in) {
  uint32_t size = 0;
  uint8_t* data = nn_read_file(in->file, &size);
  if (!data) return WASI_NN_NOT_FOUND;
  wasi_nn_error err;
  if (o->legacy) {
    wasi_nn_legacy_dims dims = {in->dims, in->rank};
    wasi_nn_legacy_tensor t = {&dims, (uint8_t)in->type, data};
    err = wasi_nn_legacy_set_input(ctx, in->index, &t);
  } else {
    wasi_nn_tensor t = {in->dims, in->rank, (uint8_t)in->type, data, size};
    err = wasi_nn_set_input(ctx, in->index, &t);
  }
  free(data);
  return err;
}

static wasi_nn_error write_output(const Options* o, wasi_nn_context ctx, const Output* out) {
  uint8_t* buf = NULL;
  uint32_t size = 0;
  wasi_nn_error err;
  if (o->legacy) {
    uint32_t units = 1 << 20; /* f32 elements */
    buf = malloc((size_t)units * 4);
    if (!buf) return WASI_NN_RUNTIME_ERROR;
    err = wasi_nn_legacy_get_output(ctx, out->index, buf, &units);
    size = units * 4;
  } else {
    err = nn_get_output_alloc(ctx, out->index, &buf, &size);
  }
  if (err == WASI_NN_SUCCESS) {
    if (!nn_write_file(out->file, buf, size))
      err = WASI_NN_RUNTIME_ERROR;
    else
      printf("output %u: %u bytes -> %s\n", out->index, size, out->file);
  }
  free(buf);
  return err;
}

static int stream(wasi_nn_context ctx) {
  char token[1024];
  wasi_nn_error err;
  while ((err = wasi_nn_compute_single(ctx)) == WASI_NN_SUCCESS) {
    uint32_t n = 0;
    if ((err = wasi_nn_get_output_single(ctx, 0, token, sizeof token, &n))) return nn_fail("get_output_single", err);
    fwrite(token, 1, n, stdout);
    fflush(stdout);
  }
  putchar('\n');
  if (err != WASI_NN_END_OF_SEQUENCE && err != WASI_NN_CONTEXT_FULL) return nn_fail("compute_single", err);
  if ((err = wasi_nn_fini_single(ctx))) return nn_fail("fini_single", err);
  return 0;
}

int main(int argc, char** argv) {
  Options o;
  int bad = parse_args(argc, argv, &o);
  if (bad) return bad;
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  wasi_nn_error err = load_graph(&o, &graph);
  if (err) return nn_fail("load", err);
  err = o.legacy ? wasi_nn_legacy_init_execution_context(graph, &ctx) : wasi_nn_init_execution_context(graph, &ctx);
  if (err) return nn_fail("init_execution_context", err);
  for (int i = 0; i < o.input_count; ++i)
    if ((err = set_input(&o, ctx, &o.inputs[i]))) return nn_fail("set_input", err);
  if (o.stream) return stream(ctx);
  err = o.legacy ? wasi_nn_legacy_compute(ctx) : wasi_nn_compute(ctx);
  if (err) return nn_fail("compute", err);
  for (int i = 0; i < o.output_count; ++i)
    if ((err = write_output(&o, ctx, &o.outputs[i]))) return nn_fail("get_output", err);
  if (!o.legacy) {
    wasi_nn_finalize_execution_context(ctx);
    wasi_nn_unload(graph);
  }
  return 0;
}
