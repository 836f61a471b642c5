// The remote backend against a real Open Inference Protocol server: KServe's
// ModelServer (PyPI kserve, in .deps/oip-venv) serving the ONNX test models
// with ONNX Runtime, started on 127.0.0.1 by this program and stopped at its
// end. Truth: ort_truth.py, ONNX Runtime run natively on the same models and
// inputs; FP32 (and every other type) must be byte-identical.
//
// Guests go through the wasmnn CLI (nn_run.wasm, whose imports are declared
// from the ABI text, and the SDK's classify.wasm, a named-model example), so
// the host environment (timeouts, token) is set per run; the concurrency test
// drives the plugin ABI directly from 8 threads.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string_view>
#include <thread>

#include "oip_server.h"
#include "run_guest.h"
#include "run_instance.h"
#include "wasmnn/nn_backend.h"

namespace fs = std::filesystem;
using namespace wasmnn::test;
using Clock = std::chrono::steady_clock;

namespace {

const fs::path kData = NN_REMOTE_DATA;

int64_t elapsedMs(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int unusedPort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

OipServer* server = nullptr;

class ServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    server = new OipServer(NN_REMOTE_PYTHON, NN_REMOTE_SERVER, kData);
    server->start();
  }
  void TearDown() override {
    server->stop();
    delete server;
    server = nullptr;
  }
};

std::string modelName(const Case& c) { return fs::path(c.models.at(0)).stem().string(); }

// Runs nn_run.wasm with the data directory at /data, an output directory at
// /out and `env` added to the host's environment.
class RemoteGuest : public ::testing::Test {
 protected:
  GuestRun run(GuestCommand cmd, const std::map<std::string, std::string>& env = {}) {
    cmd.host_options.insert(cmd.host_options.begin(),
                            {"--dir=" + kData.string() + "::/data", "--dir=" + tmp_.path().string() + "::/out"});
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    GuestRun r = runProcess(cmd.argv(), tmp_.path());
    for (const auto& [k, v] : env) unsetenv(k.c_str());
    return r;
  }

  static std::string preload(const std::string& name, const std::string& url) {
    return "--nn-preload=" + name + ":remote:cpu:" + url;
  }

  static void addInputs(GuestCommand& cmd, const Case& c) {
    for (const auto& in : c.inputs) cmd.add({"in", std::to_string(in.index), in.type, in.dims, "/data/" + in.file});
  }

  static Case classifier() { return readCase(kData / "classifier.manifest"); }

  // The classifier case's input into the model at `url`, preloaded as "clf", then `steps`.
  static GuestCommand classifierCommand(const std::string& url, std::initializer_list<std::string> steps) {
    GuestCommand cmd;
    cmd.host_options = {preload("clf", url)};
    cmd.add({"name", "clf", "ctx"});
    addInputs(cmd, classifier());
    cmd.add(steps);
    return cmd;
  }

  // load_by_name of a model at `url` with `env`: the guest's status and the run's wall time.
  std::pair<GuestRun, int64_t> timedLoad(const std::string& url, const std::map<std::string, std::string>& env) {
    GuestCommand cmd;
    cmd.host_options = {preload("clf", url)};
    cmd.add({"name", "clf"});
    auto since = Clock::now();
    GuestRun r = run(cmd, env);
    return {r, elapsedMs(since)};
  }

  // What a run costs besides waiting for a server (engine start, guest load,
  // one refused connection), measured now: the machine's load varies.
  int64_t runOverheadMs() {
    std::string down = "http://127.0.0.1:" + std::to_string(unusedPort()) + "/v2/models/x";
    return timedLoad(down, {{"WASMNN_REMOTE_RETRIES", "0"}}).second;
  }

  TempDir tmp_;
};

TEST_F(RemoteGuest, OutputsEqualOnnxRuntimeNatively) {
  GuestCommand cmd;
  std::vector<Case> cases = readCases(kData);
  ASSERT_GE(cases.size(), 9u);
  std::set<std::string> preloaded;
  for (const Case& c : cases) {
    if (preloaded.insert(modelName(c)).second)
      cmd.host_options.push_back(preload(modelName(c), server->modelUrl(modelName(c))));
    cmd.add({"name", modelName(c), "ctx"});
    addInputs(cmd, c);
    cmd.add({"compute"});
    for (const auto& out : c.outputs)
      cmd.add({"out", std::to_string(out.index), "/out/" + c.name + ".out" + std::to_string(out.index)});
  }
  GuestRun r = run(cmd);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const Case& c : cases)
    for (const auto& out : c.outputs)
      EXPECT_EQ(readBytes(tmp_.path() / (c.name + ".out" + std::to_string(out.index))), readBytes(kData / out.file))
          << c.name << " output " << out.index << " differs from ONNX Runtime's";
}

// classify.wasm is the guest SDK's version of the named-model example
// (load_by_name, set_input, compute, get_output, top-5): the same binary that
// runs local models runs the remote one.
TEST_F(RemoteGuest, NamedModelGuestRunsUnmodified) {
  Case c = classifier();
  std::vector<uint8_t> truth = readBytes(kData / c.outputs[0].file);
  std::vector<float> scores(truth.size() / 4);
  std::memcpy(scores.data(), truth.data(), truth.size());
  std::vector<int> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  std::string want = std::to_string(scores.size()) + " scores\n";
  for (int k = 0; k < 5; ++k) {
    char line[96];
    std::snprintf(line, sizeof line, "top%d: class %d score %.6f\n", k + 1, order[k],
                  static_cast<double>(scores[order[k]]));
    want += line;
  }
  std::vector<std::string> argv = {WASMNN_CLI,
                                   "run",
                                   "--dir=" + kData.string() + "::/data",
                                   preload("mobilenet", server->modelUrl("classifier")),
                                   NN_CLASSIFY_WASM,
                                   "@mobilenet",
                                   "-",
                                   "/data/" + c.inputs[0].file,
                                   "1,16"};
  GuestRun r = runProcess(argv, tmp_.path());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, want);
}

TEST_F(RemoteGuest, ShapeOrTypeTheServerDoesNotTakeIsInvalidArgument) {
  Case c = classifier();
  const std::string input = "/data/" + c.inputs[0].file;  // 64 bytes: f32 [1,16]
  for (auto [type, dims, got] : {std::tuple{"f32", "2x8", "FP32 [2,8]"}, std::tuple{"i32", "1x16", "INT32 [1,16]"},
                                 std::tuple{"u8", "1x64", "UINT8 [1,64]"}}) {
    GuestCommand cmd;
    cmd.host_options = {preload("clf", server->modelUrl("classifier"))};
    cmd.add({"name", "clf", "ctx", "in", "0", type, dims, input});
    GuestRun r = run(cmd);
    EXPECT_EQ(r.exit_code, 10 + WASMNN_NN_INVALID_ARGUMENT) << describe(r);
    EXPECT_NE(r.err.find(std::string("remote: set_input: input 0: the server's model takes x FP32 [1,16], got ") + got),
              std::string::npos)
        << r.err;
  }
}

TEST_F(RemoteGuest, ServerDownIsRuntimeErrorWithinTheTimeout) {
  auto [r, ms] = timedLoad("http://127.0.0.1:" + std::to_string(unusedPort()) + "/v2/models/classifier",
                           {{"WASMNN_REMOTE_TIMEOUT_MS", "3000"}});
  EXPECT_EQ(r.exit_code, 10 + WASMNN_NN_RUNTIME_ERROR) << describe(r);
  EXPECT_NE(r.err.find("after 4 attempt(s) within 3000 ms"), std::string::npos) << r.err;  // 1 + 3 retries
  EXPECT_LT(ms, 3000 + runOverheadMs()) << "backoff 50 + 100 + 200 ms, far below the timeout";
}

// A server that accepts the connection and never answers: the deadline, not
// a hang, ends the call.
TEST_F(RemoteGuest, SilentServerTimesOutAtTheDeadline) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(s, 16), 0);  // the kernel completes the handshake; nobody reads
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  auto [r, ms] = timedLoad("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/v2/models/x",
                           {{"WASMNN_REMOTE_TIMEOUT_MS", "1500"}});
  close(s);
  EXPECT_EQ(r.exit_code, 10 + WASMNN_NN_RUNTIME_ERROR) << describe(r);
  EXPECT_NE(r.err.find("Timeout"), std::string::npos) << r.err;
  EXPECT_GE(ms, 1500);
  EXPECT_LT(ms, 1500 + 1000 + runOverheadMs()) << "the deadline ends the call, give or take 1 s";
}

TEST_F(RemoteGuest, ServerErrorIsRetriedOnceThenRuntimeErrorQuotingTheServer) {
  GuestCommand cmd = classifierCommand(server->modelUrl("fail500"), {"compute"});
  size_t before = server->calls().size();
  GuestRun r = run(cmd);
  EXPECT_EQ(r.exit_code, 10 + WASMNN_NN_RUNTIME_ERROR) << describe(r);
  EXPECT_NE(r.err.find("remote: compute: infer " + server->modelUrl("fail500") +
                       "/infer: HTTP 500: RuntimeError : fail500 always fails (test model)"),
            std::string::npos)
      << r.err;
  std::vector<std::string> calls = server->calls();
  EXPECT_EQ(std::vector<std::string>(calls.begin() + static_cast<long>(before), calls.end()),
            (std::vector<std::string>{"fail500 -", "fail500 -"}))
      << "one request and exactly one retry";
}

TEST_F(RemoteGuest, ModelTheServerDoesNotHaveIsModelNotFound) {
  GuestCommand cmd;
  cmd.host_options = {preload("gone", server->modelUrl("nosuchmodel"))};
  cmd.add({"name", "gone"});
  GuestRun r = run(cmd);
  EXPECT_EQ(r.exit_code, 9) << describe(r);  // nn_run's status for errnos >= 100
  EXPECT_NE(r.err.find("load_by_name failed: errno 103"), std::string::npos) << r.err;  // model_not_found
  EXPECT_NE(r.err.find("metadata " + server->modelUrl("nosuchmodel") + ": HTTP 404"), std::string::npos) << r.err;
}

TEST_F(RemoteGuest, BearerTokenComesFromTheHostEnvironment) {
  GuestCommand cmd = classifierCommand(server->modelUrl("classifier"), {"compute"});
  size_t before = server->calls().size();
  GuestRun r = run(cmd, {{"WASMNN_REMOTE_TOKEN", "s3cret-token"}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::vector<std::string> calls = server->calls();
  ASSERT_EQ(calls.size(), before + 1);
  EXPECT_EQ(calls.back(), "classifier Bearer s3cret-token");
}

// Many inferences of one instance travel over one kept-alive connection: the
// server's access log shows a single client port for them.
TEST_F(RemoteGuest, KeepAliveReusesOneConnection) {
  GuestCommand cmd = classifierCommand(server->modelUrl("classifier"), {"bench", "20"});
  size_t logBefore = server->log().size();
  GuestRun r = run(cmd);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string log = server->log().substr(logBefore);
  std::regex line(R"(127\.0\.0\.1:(\d+) .*"(GET|POST) /v2/models/classifier(/infer)? HTTP)");
  std::set<std::string> ports;
  int requests = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it, ++requests) ports.insert((*it)[1]);
  EXPECT_GE(requests, 21) << log;  // metadata + 20 (+ bench warm-up)
  EXPECT_EQ(ports.size(), 1u) << log;
}

// https with a certificate the host trusts through WASMNN_REMOTE_CA_FILE (a
// self-signed one made here with openssl), and refused without it.
TEST_F(RemoteGuest, HttpsServerIsVerifiedWithTheHostsCaFile) {
  const std::string cert = (tmp_.path() / "cert.pem").string(), key = (tmp_.path() / "key.pem").string();
  GuestRun made =
      runProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                  "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert},
                 tmp_.path());
  ASSERT_EQ(made.exit_code, 0) << describe(made);
  OipServer tls(NN_REMOTE_PYTHON, NN_REMOTE_SERVER, kData, {cert, key});
  tls.start();
  GuestCommand cmd = classifierCommand(tls.modelUrl("classifier"), {"compute", "out", "0", "/out/tls.out0"});
  GuestRun trusted = run(cmd, {{"WASMNN_REMOTE_CA_FILE", cert}});
  GuestRun untrusted = run(cmd);
  tls.stop();
  ASSERT_EQ(trusted.exit_code, 0) << describe(trusted);
  EXPECT_EQ(readBytes(tmp_.path() / "tls.out0"), readBytes(kData / classifier().outputs[0].file));
  EXPECT_EQ(untrusted.exit_code, 10 + WASMNN_NN_RUNTIME_ERROR) << describe(untrusted);
  EXPECT_NE(untrusted.err.find("SSL certificate problem"), std::string::npos) << untrusted.err;
}

// ---------------------------------------------------------------- plugin ABI

const wasmnn_nn_backend* remoteBackend() {
  static const wasmnn_nn_backend* backend = [] {
    void* lib = dlopen(NN_REMOTE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw std::runtime_error(dlerror());
    auto entry = reinterpret_cast<wasmnn_nn_backend_entry_fn>(dlsym(lib, WASMNN_NN_BACKEND_ENTRY_SYMBOL));
    const wasmnn_nn_backend* b = entry(WASMNN_NN_BACKEND_ABI_VERSION);
    wasmnn_nn_backend_info info{};
    info.struct_size = sizeof info;
    char why[256] = {0};
    if (b->init(&info, why, sizeof why) != WASMNN_NN_SUCCESS) throw std::runtime_error(why);
    return b;
  }();
  return backend;
}

// A manifest's type name ("f32") as the ABI's value, through the core's own names.
// A preloaded address as the host passes it: the URL's bytes, no path (nn_backend.h).
wasmnn_nn_builder addressBuilder(std::string_view url) {
  return {reinterpret_cast<const uint8_t*>(url.data()), url.size(), nullptr};
}

wasmnn_nn_tensor_type typeCode(const std::string& t) {
  for (int v = WASMNN_NN_TYPE_F16; v <= WASMNN_NN_TYPE_I64; ++v)
    if (t == wasmnn_nn_tensor_type_name(static_cast<wasmnn_nn_tensor_type>(v)))
      return static_cast<wasmnn_nn_tensor_type>(v);
  throw std::runtime_error("unknown type " + t);
}

// One context's whole inference of case c; "" when every output equals the truth.
std::string inferAndCompare(const wasmnn_nn_backend* b, wasmnn_nn_context* ctx, const Case& c) {
  for (const auto& in : c.inputs) {
    std::vector<uint8_t> data = readBytes(kData / in.file);
    std::vector<uint32_t> dims = parseDims(in.dims);
    wasmnn_nn_tensor t{typeCode(in.type), static_cast<uint32_t>(dims.size()), dims.data(), data.data(), data.size()};
    if (b->set_input(ctx, in.index, &t)) return c.name + ": set_input failed";
  }
  if (b->compute(ctx)) return c.name + ": compute failed";
  for (const auto& out : c.outputs) {
    std::vector<uint8_t> want = readBytes(kData / out.file), got(want.size());
    size_t size = 0;
    if (b->get_output(ctx, out.index, got.data(), got.size(), &size) || got != want)
      return c.name + ": output " + std::to_string(out.index) + " differs";
  }
  return "";
}

// 8 threads, each with its own contexts on graphs shared by all, every case
// several times: the shared pool never mixes up two requests.
TEST(RemoteConcurrency, EightThreadsWithOwnContextsAllCorrect) {
  const wasmnn_nn_backend* b = remoteBackend();
  std::vector<Case> cases = readCases(kData);
  std::map<std::string, wasmnn_nn_graph*> graphs;
  for (const Case& c : cases) {
    std::string url = server->modelUrl(modelName(c));
    wasmnn_nn_builder builder = addressBuilder(url);
    if (graphs.count(modelName(c))) continue;
    ASSERT_EQ(b->load(WASMNN_NN_ENCODING_REMOTE, WASMNN_NN_TARGET_CPU, &builder, 1, nullptr, 0, &graphs[modelName(c)]),
              WASMNN_NN_SUCCESS);
  }
  std::atomic<int> done{0};
  std::vector<std::string> failures(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      std::map<std::string, wasmnn_nn_context*> contexts;
      for (auto& [name, g] : graphs)
        if (b->init_context(g, &contexts[name])) failures[t] = "init_context failed";
      for (int round = 0; round < 2 && failures[t].empty(); ++round)
        for (size_t i = 0; i < cases.size() && failures[t].empty(); ++i) {
          const Case& c = cases[(i + static_cast<size_t>(t)) % cases.size()];  // threads start on different cases
          failures[t] = inferAndCompare(b, contexts[modelName(c)], c);
          if (failures[t].empty()) ++done;
        }
      for (auto& [name, ctx] : contexts) b->destroy_context(ctx);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  EXPECT_EQ(done.load(), static_cast<int>(8 * 2 * cases.size()));
  for (auto& [name, g] : graphs) b->destroy_graph(g);
}

// 8 threads, each with its own store and instance of the guest in one
// process, every model preloaded once in one host (one graph each, shared):
// every case twice per thread, all byte-exact.
TEST(RemoteConcurrency, EightThreadsWithOwnInstancesOfOneHostAllCorrect) {
  std::ifstream wasmFile(NN_RUN_WASM, std::ios::binary);
  std::vector<uint8_t> wasm{std::istreambuf_iterator<char>(wasmFile), {}};
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  wasmnn_error* error = wasmnn_module_new(engine, wasm.data(), wasm.size(), &module);
  ASSERT_EQ(error, nullptr) << wasmnn_error_message(error);
  wasmnn_nn_host* nn = wasmnn_nn_host_new();
  wasmnn_nn_host_add_backend_dir(nn, fs::path(NN_REMOTE_LIBRARY).parent_path().c_str());
  std::vector<Case> cases = readCases(kData);
  std::vector<std::string> args = {"nn_run"};
  std::set<std::string> preloaded;
  for (const Case& c : cases) {
    if (preloaded.insert(modelName(c)).second) {
      std::string spec = modelName(c) + ":remote:cpu:" + server->modelUrl(modelName(c));
      ASSERT_EQ(wasmnn_nn_host_preload(nn, spec.c_str()), nullptr) << spec;
    }
    args.insert(args.end(), {"name", modelName(c), "ctx"});
    for (const auto& in : c.inputs)
      args.insert(args.end(), {"in", std::to_string(in.index), in.type, in.dims, "/data/" + in.file});
    args.emplace_back("compute");
    for (const auto& out : c.outputs)
      args.insert(args.end(),
                  {"out", std::to_string(out.index), "/out/" + c.name + ".out" + std::to_string(out.index)});
  }
  constexpr int kThreads = 8, kRounds = 2;
  std::vector<TempDir> outDirs(kThreads);
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds && failures[t].empty(); ++round) {
        std::string why;
        int status = runInstance(engine, module, nn, args, {{kData, "/data"}, {outDirs[t].path(), "/out"}}, &why);
        if (status != 0) failures[t] = "exit " + std::to_string(status) + " " + why;
        for (const Case& c : cases)
          for (const auto& out : c.outputs)
            if (failures[t].empty() && readBytes(outDirs[t].path() / (c.name + ".out" + std::to_string(out.index))) !=
                                           readBytes(kData / out.file))
              failures[t] = c.name + " output " + std::to_string(out.index) + " differs from ONNX Runtime's";
        for (const auto& entry : fs::directory_iterator(outDirs[t].path())) fs::remove(entry.path());
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  wasmnn_nn_host_delete(nn);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
}

// (A guest cannot name the encoding at all: nn_host_test's UnknownEncodingAndTarget.)
TEST(RemoteConcurrency, BadAddressesAreRefused) {
  const wasmnn_nn_backend* b = remoteBackend();
  wasmnn_nn_graph* g = nullptr;
  using namespace std::string_view_literals;
  for (std::string_view url :
       {""sv, "\x01\x02\x03"sv, "ftp://127.0.0.1/v2/models/x"sv, "http://127.0.0.1:1/v1/models/x"sv,
        "http://127.0.0.1:1/v2/models/"sv, "http://127.0.0.1:1/v2/models/x?debug=1"sv, "file:///etc/passwd"sv,
        "http://127.0.0.1:1/v2/models/x\0/../y"sv, "http://127.0.0.1:1/v2/models/x y"sv}) {
    wasmnn_nn_builder builder = addressBuilder(url);
    EXPECT_EQ(b->load(WASMNN_NN_ENCODING_REMOTE, WASMNN_NN_TARGET_CPU, &builder, 1, nullptr, 0, &g),
              WASMNN_NN_INVALID_ARGUMENT)
        << url;
  }
  wasmnn_nn_builder grpc = addressBuilder("grpc://127.0.0.1:1/v2/models/x");
  EXPECT_EQ(b->load(WASMNN_NN_ENCODING_REMOTE, WASMNN_NN_TARGET_CPU, &grpc, 1, nullptr, 0, &g),
            WASMNN_NN_UNSUPPORTED_OPERATION);
  std::string url = server->modelUrl("classifier");
  wasmnn_nn_builder ok = addressBuilder(url);
  const char config[] = R"({"url": "http://elsewhere/v2/models/x"})";
  EXPECT_EQ(b->load(WASMNN_NN_ENCODING_REMOTE, WASMNN_NN_TARGET_CPU, &ok, 1, config, sizeof config - 1, &g),
            WASMNN_NN_INVALID_ARGUMENT)
      << "a guest's config never redirects a model";
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ::testing::AddGlobalTestEnvironment(new ServerEnvironment);
  return RUN_ALL_TESTS();
}
