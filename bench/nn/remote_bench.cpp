// The remote backend's cost (not a test): the same OIP server (KServe's
// ModelServer + ONNX Runtime, started here on 127.0.0.1) called
//   direct  by a plain libcurl client: one keep-alive handle POSTing a
//           prepared binary-extension request, the least any client pays;
//   remote  by a wasm guest (nn_run.wasm) through wasmnn and the remote backend:
//           set_input + compute + get_output per inference.
//
//   remote_bench [--runs N] [--repeats R]
//
// Latency: both ways interleaved R times per model, median and range of the
// ns per inference. Throughput: K = 1, 4, 16 concurrent guests (K wasmnn
// processes, one instance each) and K direct clients (threads), inferences per
// second summed over them.
#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <future>
#include <vector>

#include "guest_bench.h"
#include "oip_server.h"

namespace fs = std::filesystem;
using wasmnn::test::OipServer;
using Clock = std::chrono::steady_clock;

namespace {

const fs::path kDir = NN_BENCH_DIR;
const char* const kNets[] = {"tiny", "mlp"};
int inputWidth(const std::string& net) { return net == "tiny" ? 16 : 256; }

// A direct client's ns per inference over `runs` requests (after 3 warm-up ones).
double directPerCall(const std::string& url, const std::string& net, int runs) {
  std::string input = wasmnn::test::slurp(kDir / (net + ".input.bin"));
  std::string header = R"({"inputs":[{"name":"x","shape":[1,)" + std::to_string(inputWidth(net)) +
                       R"(],"datatype":"FP32","parameters":{"binary_data_size":)" + std::to_string(input.size()) +
                       R"(}}],"outputs":[{"name":"probs","parameters":{"binary_data":true}}]})";
  std::string body = header + input, response;
  CURL* curl = curl_easy_init();
  std::string length = "Inference-Header-Content-Length: " + std::to_string(header.size());
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/octet-stream");
  headers = curl_slist_append(headers, length.c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, (url + "/infer").c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* out) {
        static_cast<std::string*>(out)->append(d, s * n);
        return s * n;
      });
  auto once = [&] {
    response.clear();
    long status = 0;
    if (curl_easy_perform(curl) != CURLE_OK || curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) ||
        status != 200)
      throw std::runtime_error("direct request failed: " + response);
  };
  for (int i = 0; i < 3; ++i) once();
  auto t0 = Clock::now();
  for (int i = 0; i < runs; ++i) once();
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / runs;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return ns;
}

// The guest's own ns per inference (nn_run's `bench`, timed inside the guest).
double remotePerCall(const std::string& url, const std::string& net, int runs) {
  std::string cmd = std::string("'") + WASMNN_CLI + "' run --dir='" + kDir.string() + "::/b' --nn-preload=" + net +
                    ":remote:cpu:" + url + " '" + NN_RUN_WASM + "' name " + net + " ctx in 0 f32 1x" +
                    std::to_string(inputWidth(net)) + " /b/" + net +
                    ".input.bin compute out 0 /b/remote.out.bin bench 3 bench " + std::to_string(runs);
  return guestNsPerInference(cmd);
}

struct Spread {
  double median, low, high;
};

Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

// Inferences per second of k concurrent callers, each reporting its own ns per inference.
double throughput(int k, const std::function<double()>& caller) {
  std::vector<std::future<double>> running;
  for (int i = 0; i < k; ++i) running.push_back(std::async(std::launch::async, caller));
  double perSecond = 0;
  for (auto& r : running) perSecond += 1e9 / r.get();
  return perSecond;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200, repeats = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  OipServer server(NN_REMOTE_PYTHON, NN_REMOTE_SERVER, kDir);
  server.start();
  std::printf("remote backend vs a direct OIP client, same KServe server on 127.0.0.1, %d runs x %d repeats\n", runs,
              repeats);
  std::printf("%-5s %28s %28s %8s\n", "model", "direct ns/inf (min-max)", "remote ns/inf (min-max)", "ratio");
  for (const char* net : kNets) {
    std::vector<double> direct, remote;
    for (int r = 0; r < repeats; ++r) {  // interleaved: both see the same machine load
      direct.push_back(directPerCall(server.modelUrl(net), net, runs));
      remote.push_back(remotePerCall(server.modelUrl(net), net, runs));
    }
    Spread d = spread(direct), m = spread(remote);
    std::printf("%-5s %10.0f (%7.0f-%7.0f) %10.0f (%7.0f-%7.0f) %8.2f\n", net, d.median, d.low, d.high, m.median, m.low,
                m.high, m.median / d.median);
  }
  std::printf("\nthroughput, tiny model, inferences/s summed over concurrent callers\n");
  std::printf("%-10s %12s %12s %8s\n", "callers", "direct", "remote", "ratio");
  for (int k : {1, 4, 16}) {
    const std::string url = server.modelUrl("tiny");
    double direct = throughput(k, [&] { return directPerCall(url, "tiny", runs); });
    double remote = throughput(k, [&] { return remotePerCall(url, "tiny", runs); });
    std::printf("%-10d %12.0f %12.0f %8.2f\n", k, direct, remote, remote / direct);
  }
  server.stop();
  return 0;
}
