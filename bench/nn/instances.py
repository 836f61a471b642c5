#!/usr/bin/env python3
"""What one more WASI-NN instance costs under process isolation (not a test).

    bench/nn/instances.py [BUILD_DIR] [--rounds N]

Through the C API (libwasmnn.so, ctypes), one embedder process runs the bench
guest (nn_run.wasm) on the MLP of bench/nn, one store per guest run, for each
framework in both isolation modes, interleaved:
- start-up: wall time of a guest that loads the model and runs it once; the
  first instance of a host pays for starting the framework (in-process: dlopen
  + init; process: the zygote's start, then a worker forked and confined),
  later instances reuse it (process: a worker forked from the warm zygote);
- memory: four instances computing at once; for each worker its RSS, PSS and
  private bytes (smaps_rollup), i.e. what an extra instance adds, beside the
  zygote that all of them share copy-on-write.
Medians and [min-max] over the rounds, from this run only.
"""
import ctypes
import os
import statistics
import sys
import threading
import time
from pathlib import Path

FRAMEWORKS = [("pytorch", "mlp.pt"), ("onnx", "mlp.onnx"), ("openvino", "mlp.xml+/b/mlp.bin"),
              ("tensorflowlite", "mlp.tflite")]
WORKER_COMM = "wasmnn-nn-worke"  # the kernel keeps 15 bytes of wasmnn-nn-worker


class Extern(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("func", ctypes.c_void_p)]


class Wasmnn:
    def __init__(self, build):
        self.lib = ctypes.CDLL(str(build / "lib" / "libwasmnn.so"))
        for name in ["wasmnn_engine_new", "wasmnn_wasi_new", "wasmnn_store_new", "wasmnn_linker_new",
                     "wasmnn_nn_host_new", "wasmnn_wasi_preopen_dir", "wasmnn_linker_define_wasi",
                     "wasmnn_linker_define_wasi_nn", "wasmnn_linker_instantiate", "wasmnn_func_call",
                     "wasmnn_module_new"]:
            getattr(self.lib, name).restype = ctypes.c_void_p
        self.lib.wasmnn_error_message.restype = ctypes.c_char_p
        self.engine = ctypes.c_void_p(self.lib.wasmnn_engine_new(None))
        wasm = (build / "bench" / "nn" / "nn_bench_guest.wasm").read_bytes()
        module = ctypes.c_void_p()
        self.check(self.lib.wasmnn_module_new(self.engine, wasm, ctypes.c_size_t(len(wasm)), ctypes.byref(module)))
        self.module = module

    def check(self, error):
        if error:
            kind = self.lib.wasmnn_error_get_kind(ctypes.c_void_p(error))
            code = self.lib.wasmnn_error_exit_code(ctypes.c_void_p(error)) if kind == 5 else -1
            message = self.lib.wasmnn_error_message(ctypes.c_void_p(error)).decode()
            self.lib.wasmnn_error_delete(ctypes.c_void_p(error))
            if code != 0:
                raise RuntimeError(message)

    def host(self, mode):
        nn = ctypes.c_void_p(self.lib.wasmnn_nn_host_new())
        self.lib.wasmnn_nn_host_set_isolation(nn, {"process": 0, "none": 1}[mode])
        return nn

    def run(self, nn, args, models):
        wasi = ctypes.c_void_p(self.lib.wasmnn_wasi_new())
        argv = (ctypes.c_char_p * len(args))(*[a.encode() for a in args])
        self.lib.wasmnn_wasi_set_args(wasi, ctypes.c_size_t(len(args)), argv)
        store = ctypes.c_void_p(self.lib.wasmnn_store_new(self.engine))
        linker = ctypes.c_void_p(self.lib.wasmnn_linker_new(store))
        try:
            self.check(self.lib.wasmnn_wasi_preopen_dir(wasi, str(models).encode(), b"/b"))
            self.check(self.lib.wasmnn_linker_define_wasi(linker, wasi))
            self.check(self.lib.wasmnn_linker_define_wasi_nn(linker, nn))
            instance = ctypes.c_void_p()
            self.check(self.lib.wasmnn_linker_instantiate(linker, self.module, ctypes.byref(instance)))
            start = Extern()
            if not self.lib.wasmnn_instance_export(instance, b"_start", ctypes.byref(start)):
                raise RuntimeError("no _start")
            self.check(self.lib.wasmnn_func_call(ctypes.c_void_p(start.func), None, ctypes.c_size_t(0), None,
                                                 ctypes.c_size_t(0)))
        finally:
            self.lib.wasmnn_linker_delete(linker)
            self.lib.wasmnn_store_delete(store)
            self.lib.wasmnn_wasi_delete(wasi)


def guest_args(encoding, model, bench_rounds):
    args = ["nn_run", "load", encoding, "cpu", "/b/" + model, "in", "0", "f32", "1x256", "/b/mlp.input.bin",
            "compute"]
    return args + (["bench", str(bench_rounds)] if bench_rounds else [])


def memory_of(pid):
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, value = line.split(":")
            fields[key] = int(value.split()[0])
    except OSError:
        return None
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "private": fields["Private_Clean"] + fields["Private_Dirty"]}


def processes(parent):
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        info = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
        if info.get("PPid", "").strip() == str(parent) and info.get("Name", "").strip() == WORKER_COMM:
            out.append(int(status.parent.name))
    return out


def startup(w, mode, encoding, model, models, instances=4):
    """Seconds per guest run for instances 1..n of a new host."""
    nn = w.host(mode)
    times = []
    for _ in range(instances):
        t0 = time.perf_counter()
        w.run(nn, guest_args(encoding, model, 0), models)
        times.append(time.perf_counter() - t0)
    w.lib.wasmnn_nn_host_delete(nn)
    return times


def memory(w, encoding, model, models, instances=4):
    """KiB of the zygote and of each worker while `instances` guests compute at once."""
    nn = w.host("process")
    w.run(nn, guest_args(encoding, model, 0), models)  # the zygote is up
    zygotes = processes(os.getpid())  # one per backend this process used
    peak, zygote = {}, None
    threads = [threading.Thread(target=w.run, args=(nn, guest_args(encoding, model, 3000), models))
               for _ in range(instances)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        for z in zygotes:
            for pid in processes(z):
                zygote = z
                m = memory_of(pid)
                if m and m["rss"] > peak.get(pid, {"rss": 0})["rss"]:
                    peak[pid] = m
        time.sleep(0.05)
    for t in threads:
        t.join()
    zygote_memory = memory_of(zygote) if zygote else None
    w.lib.wasmnn_nn_host_delete(nn)
    return zygote_memory, list(peak.values())


def spread(values, scale=1.0, fmt="{:.0f}"):
    v = [x * scale for x in values]
    return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}-{fmt.format(max(v))}]"


def main():
    args = sys.argv[1:]
    rounds = 3
    if "--rounds" in args:
        i = args.index("--rounds")
        rounds = int(args[i + 1])
        del args[i:i + 2]
    build = Path(args[0] if args else Path(__file__).resolve().parents[2] / "build")
    models = build / "bench" / "nn" / "models"
    w = Wasmnn(build)
    print(f"WASI-NN instances: the MLP of bench/nn, {rounds} rounds; ms per guest run (load + one inference),"
          " median [min-max]; memory in MiB while 4 instances compute")
    for encoding, model in FRAMEWORKS:
        if not (models / model.split("+")[0]).exists():
            continue
        first = {"none": [], "process": []}
        later = {"none": [], "process": []}
        for _ in range(rounds):
            for mode in ("none", "process"):
                try:
                    t = startup(w, mode, encoding, model, models)
                except RuntimeError as e:
                    print(f"{encoding}: {e}")
                    break
                first[mode].append(t[0])
                later[mode] += t[1:]
        if not first["process"]:
            continue
        print(f"{encoding:<15} first instance: in-process {spread(first['none'], 1e3)} ms,"
              f" worker {spread(first['process'], 1e3)} ms; each later instance: in-process"
              f" {spread(later['none'], 1e3)} ms, worker {spread(later['process'], 1e3)} ms")
        zygote, workers = memory(w, encoding, model, models)
        if zygote and workers:
            mib = 1 / 1024
            print(f"{'':<15} zygote RSS {zygote['rss'] * mib:.0f} MiB; per worker ({len(workers)}):"
                  f" RSS {spread([m['rss'] for m in workers], mib)}, PSS {spread([m['pss'] for m in workers], mib)},"
                  f" private {spread([m['private'] for m in workers], mib, '{:.1f}')} MiB")


if __name__ == "__main__":
    main()
