// WASI-NN backend that serves preloaded names from an inference server
// speaking the Open Inference Protocol (KServe v2; KServe, Triton, OpenVINO
// Model Server, MLServer): libwasmnn_backend_remote.so.
//
// The operator maps a name to a model URL (--nn-preload
// net:remote:cpu:http://host:8080/v2/models/net); a guest can only name it,
// never choose an address (the encoding is host-only, vocabulary.def). Load
// reads the server's model metadata, so set_input rejects a wrong type or
// shape before any inference; set_input/compute/get_output are one
// POST .../infer with the binary tensor extension (raw little-endian bytes
// after the JSON header, both ways). A graph owns the connection pool of its
// server; each context has its own handle in it, so contexts of one graph
// infer in parallel over shared keep-alive connections.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_client.h"
#include "wasmnn/nn_backend_kit.hpp"

namespace {

namespace kit = wasmnn::kit;
using kit::fail;
using nlohmann::json;
using wasmnn::remote::Client;
using wasmnn::remote::Pool;
using wasmnn::remote::Response;
using wasmnn::remote::Settings;

// The host's settings, read from its environment when this library is
// loaded: under process isolation that is before the worker confines itself
// (nn_backend.h), after which the WASMNN_REMOTE_CA_FILE bundle could no longer
// be opened. A malformed variable is reported by init().
struct LoadedSettings {
  Settings value;
  std::optional<kit::Error> error;

  LoadedSettings() {
    try {
      value = Settings::fromEnvironment();
    } catch (const kit::Error& e) {
      error = e;
    }
  }
};
const LoadedSettings loaded;
const Settings& settings = loaded.value;

// OIP datatypes of fixed size (BYTES, variable-length strings, is not
// servable through WASI-NN); 0 for anything else.
size_t datatypeSize(std::string_view type) {
  static const std::pair<std::string_view, size_t> kSizes[] = {
      {"BOOL", 1},   {"UINT8", 1}, {"INT8", 1}, {"UINT16", 2}, {"INT16", 2}, {"FP16", 2}, {"BF16", 2},
      {"UINT32", 4}, {"INT32", 4}, {"FP32", 4}, {"UINT64", 8}, {"INT64", 8}, {"FP64", 8}};
  for (const auto& [name, size] : kSizes)
    if (name == type) return size;
  return 0;
}

const char* datatypeOf(wasmnn_nn_tensor_type t) {
  switch (t) {
    case WASMNN_NN_TYPE_F16: return "FP16";
    case WASMNN_NN_TYPE_F32: return "FP32";
    case WASMNN_NN_TYPE_F64: return "FP64";
    case WASMNN_NN_TYPE_U8: return "UINT8";
    case WASMNN_NN_TYPE_I32: return "INT32";
    case WASMNN_NN_TYPE_I64: return "INT64";
  }
  return "?";
}

// One tensor of the server's model metadata; a dimension < 0 is variable.
struct TensorSpec {
  std::string name, datatype;
  std::vector<int64_t> shape;

  std::string text() const {
    std::string out = name + " " + datatype + " [";
    for (size_t i = 0; i < shape.size(); ++i) {
      if (i) out += ',';
      out += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
    }
    return out + "]";
  }
};

// The server's error text on one line: {"error": "..."} as the protocol says, else the raw body, shortened.
std::string serverError(const Response& r) {
  json body = json::parse(r.body, nullptr, false);
  std::string text = body.is_object() && body.contains("error") && body["error"].is_string()
                         ? body["error"].get<std::string>()
                         : r.body.substr(0, 300);
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

// A non-200 answer as the errno a guest gets, with the server's own words.
[[noreturn]] void failStatus(const char* what, const std::string& url, const Response& r) {
  wasmnn_nn_errno code = WASMNN_NN_RUNTIME_ERROR;
  const char* hint = "";
  if (r.status == 400 || r.status == 413 || r.status == 422) code = WASMNN_NN_INVALID_ARGUMENT;
  if (r.status == 404 && std::strcmp(what, "metadata") == 0) code = WASMNN_NN_MODEL_NOT_FOUND;
  if (r.status == 401 || r.status == 403) hint = " (the host sends WASMNN_REMOTE_TOKEN as a bearer token)";
  fail(code, "%s %s: HTTP %ld: %s%s", what, url.c_str(), r.status, serverError(r).c_str(), hint);
}

TensorSpec readSpec(const json& j) {
  TensorSpec spec;
  spec.name = j.at("name").get<std::string>();
  spec.datatype = j.at("datatype").get<std::string>();
  spec.shape = j.at("shape").get<std::vector<int64_t>>();
  return spec;
}

std::vector<TensorSpec> readSpecs(const json& metadata, const char* key) {
  std::vector<TensorSpec> out;
  if (metadata.contains(key))
    for (const json& t : metadata.at(key)) out.push_back(readSpec(t));
  return out;
}

// http[s]://host[:port]/v2/models/NAME[/versions/V], without a trailing slash.
// The host passes the operator's address as the builder's bytes (nn_backend.h):
// a guest cannot name this encoding, so the bytes never come from a guest.
std::string modelUrl(const wasmnn_nn_builder& builder) {
  std::string url(reinterpret_cast<const char*>(builder.data), builder.size);
  if (url.empty()) fail(WASMNN_NN_INVALID_ARGUMENT, "no server address (remote models are preloaded by the host)");
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= ' '; }))
    fail(WASMNN_NN_INVALID_ARGUMENT, "the model URL holds a space or control character");
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string scheme = url.substr(0, url.find("://"));
  if (scheme == "grpc" || scheme == "grpcs")
    fail(WASMNN_NN_UNSUPPORTED_OPERATION, "%s: this build has the REST transport only (http://, https://)",
         url.c_str());
  if (url.find("://") == std::string::npos || (scheme != "http" && scheme != "https"))
    fail(WASMNN_NN_INVALID_ARGUMENT, "%s: expected an http:// or https:// model URL", url.c_str());
  size_t models = url.find("/v2/models/");
  if (models == std::string::npos || models + 11 >= url.size() || url.find_first_of("?#") != std::string::npos)
    fail(WASMNN_NN_INVALID_ARGUMENT, "%s: expected SCHEME://HOST[:PORT]/v2/models/NAME[/versions/VERSION]",
         url.c_str());
  return url;
}

struct RemoteBackend {
  static constexpr const char* kName = "remote";
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_REMOTE};
#ifdef WASMNN_NN_SANDBOX_NETWORK  // defined once process isolation (branch iso) is in nn_backend.h
  // A client of a server: its sandboxed worker must be allowed to connect.
  static constexpr uint32_t kSandboxFlags = WASMNN_NN_SANDBOX_NETWORK;
#endif

  static void init(wasmnn_nn_backend_info& info) {
    if (CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT))
      fail(WASMNN_NN_RUNTIME_ERROR, "curl_global_init: %s", curl_easy_strerror(rc));
    if (loaded.error) throw *loaded.error;
    static const std::string version = wasmnn::remote::transportDescription();
    info.framework_name = "oip";
    info.framework_version = version.c_str();
    // The server places the model on its devices: every target names the same remote model.
    info.target_mask = WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU) | WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_GPU) |
                       WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_TPU);
  }

  class Graph {
   public:
    explicit Graph(const kit::LoadArgs& args) {
      args.expectBuilders(1, 1, "one model URL (--nn-preload NAME:remote:TARGET:URL)");
      url_ = modelUrl(args.builders[0]);
      Client client(pool_, settings);
      Response r = client.get(url_);
      if (r.status != 200) failStatus("metadata", url_, r);
      json metadata = json::parse(r.body, nullptr, false);
      try {
        inputs_ = readSpecs(metadata, "inputs");
        outputs_ = readSpecs(metadata, "outputs");
      } catch (const json::exception& e) {
        fail(WASMNN_NN_RUNTIME_ERROR, "metadata %s: not OIP model metadata: %s", url_.c_str(), e.what());
      }
      if (inputs_.empty()) fail(WASMNN_NN_RUNTIME_ERROR, "metadata %s: the model declares no inputs", url_.c_str());
      for (const TensorSpec& s : inputs_)
        if (!datatypeSize(s.datatype))
          fail(WASMNN_NN_UNSUPPORTED_OPERATION, "%s: input %s: WASI-NN cannot send this datatype", url_.c_str(),
               s.text().c_str());
    }

    const Pool& pool() const { return pool_; }
    const std::string& url() const { return url_; }
    const std::vector<TensorSpec>& inputs() const { return inputs_; }
    const std::vector<TensorSpec>& outputs() const { return outputs_; }

   private:
    Pool pool_;
    std::string url_;
    std::vector<TensorSpec> inputs_, outputs_;
  };

  class Context {
   public:
    explicit Context(Graph& graph) : graph_(graph), client_(graph.pool(), settings), inputs_(graph.inputs().size()) {}

    void setInput(uint32_t index, const kit::Tensor& t) {
      kit::checkIndex(index, inputs_.size(), "input");
      const TensorSpec& spec = graph_.inputs()[index];
      bool fits = spec.datatype == datatypeOf(t.type) && spec.shape.size() == t.dims.size();
      for (size_t i = 0; fits && i < t.dims.size(); ++i) fits = spec.shape[i] < 0 || spec.shape[i] == t.dims[i];
      if (!fits)
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u: the server's model takes %s, got %s %s", index, spec.text().c_str(),
             datatypeOf(t.type), kit::dimsText(t.dims).c_str());
      Input& in = inputs_[index];
      in.dims.assign(t.dims.begin(), t.dims.end());
      in.bytes.assign(reinterpret_cast<const char*>(t.data.data()), t.data.size());
      in.set = true;
    }

    void compute() {
      for (size_t i = 0; i < inputs_.size(); ++i)
        if (!inputs_[i].set)
          fail(WASMNN_NN_RUNTIME_ERROR, "input %zu (%s) was never set", i, graph_.inputs()[i].name.c_str());
      std::string body = requestHeader();
      std::string jsonLength = std::to_string(body.size());
      for (const Input& in : inputs_) body += in.bytes;
      const std::string url = graph_.url() + "/infer";
      response_ = client_.post(url, body, jsonLength);
      if (response_.status != 200) failStatus("infer", url, response_);
      readOutputs(url);
    }

    kit::Bytes output(uint32_t index) {
      kit::checkIndex(index, outputs_.size(), "output");
      return outputs_[index];
    }

   private:
    struct Input {
      std::vector<uint32_t> dims;
      std::string bytes;
      bool set = false;
    };

    // The binary tensor extension's JSON part: inputs sized in bytes after it,
    // outputs asked for in the metadata's order, each as raw bytes.
    std::string requestHeader() const {
      json request = {{"inputs", json::array()}};
      for (size_t i = 0; i < inputs_.size(); ++i) {
        const TensorSpec& spec = graph_.inputs()[i];
        request["inputs"].push_back({{"name", spec.name},
                                     {"shape", inputs_[i].dims},
                                     {"datatype", spec.datatype},
                                     {"parameters", {{"binary_data_size", inputs_[i].bytes.size()}}}});
      }
      if (graph_.outputs().empty()) {
        request["parameters"] = {{"binary_data_output", true}};
      } else {
        request["outputs"] = json::array();
        for (const TensorSpec& spec : graph_.outputs())
          request["outputs"].push_back({{"name", spec.name}, {"parameters", {{"binary_data", true}}}});
      }
      return request.dump();
    }

    // Splits the response into outputs, in the metadata's order (the
    // response's own order when the server declared none).
    void readOutputs(const std::string& url) {
      size_t jsonEnd = response_.body.size();
      if (!response_.jsonLength.empty()) {
        jsonEnd = std::strtoull(response_.jsonLength.c_str(), nullptr, 10);
        if (jsonEnd > response_.body.size())
          fail(WASMNN_NN_RUNTIME_ERROR, "infer %s: the header length %zu exceeds the %zu-byte response", url.c_str(),
               jsonEnd, response_.body.size());
      }
      json header = json::parse(std::string_view(response_.body).substr(0, jsonEnd), nullptr, false);
      if (!header.is_object() || !header.contains("outputs") || !header["outputs"].is_array())
        fail(WASMNN_NN_RUNTIME_ERROR, "infer %s: the response has no outputs", url.c_str());
      std::vector<std::pair<std::string, kit::Bytes>> received;
      size_t offset = jsonEnd;
      for (const json& o : header["outputs"]) {
        TensorSpec spec = readSpec(o);
        size_t size = binarySize(o, spec, url);
        if (size > response_.body.size() - offset)
          fail(WASMNN_NN_RUNTIME_ERROR, "infer %s: output %s runs past the end of the response", url.c_str(),
               spec.name.c_str());
        received.emplace_back(spec.name, std::as_bytes(std::span(response_.body.data() + offset, size)));
        offset += size;
      }
      outputs_.clear();
      if (graph_.outputs().empty()) {
        for (auto& [name, bytes] : received) outputs_.push_back(bytes);
        return;
      }
      for (const TensorSpec& spec : graph_.outputs()) {
        auto it = std::find_if(received.begin(), received.end(), [&](const auto& r) { return r.first == spec.name; });
        if (it == received.end())
          fail(WASMNN_NN_RUNTIME_ERROR, "infer %s: the response lacks output %s", url.c_str(), spec.name.c_str());
        outputs_.push_back(it->second);
      }
    }

    // An output's byte count, checked against its shape and datatype.
    static size_t binarySize(const json& output, const TensorSpec& spec, const std::string& url) {
      const json* size = nullptr;
      if (output.contains("parameters") && output["parameters"].contains("binary_data_size"))
        size = &output["parameters"]["binary_data_size"];
      if (!size || !size->is_number_unsigned())
        fail(WASMNN_NN_UNSUPPORTED_OPERATION,
             "infer %s: output %s came without binary data (the server must support "
             "the binary tensor extension)",
             url.c_str(), spec.name.c_str());
      uint64_t elements = 1;
      for (int64_t d : spec.shape) elements = d < 0 ? 0 : elements * static_cast<uint64_t>(d);
      size_t bytes = size->get<size_t>();
      if (!datatypeSize(spec.datatype) || elements * datatypeSize(spec.datatype) != bytes)
        fail(WASMNN_NN_RUNTIME_ERROR, "infer %s: output %s has %zu bytes", url.c_str(), spec.text().c_str(), bytes);
      return bytes;
    }

    Graph& graph_;
    Client client_;
    std::vector<Input> inputs_;
    Response response_;
    std::vector<kit::Bytes> outputs_;
  };

  static kit::Error mapException(const std::exception& e) {
    return kit::Error(WASMNN_NN_RUNTIME_ERROR, std::string("unexpected server data: ") + e.what());
  }
};

}  // namespace

WASMNN_KIT_BACKEND(RemoteBackend)
