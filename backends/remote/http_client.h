// The remote backend's HTTP transport on libcurl: one connection pool per
// server (a curl share of connections, DNS and TLS sessions), one easy handle
// per caller, keep-alive reuse, a deadline per operation, retries with
// exponential backoff on connection errors and one retry on a 5xx answer.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace wasmnn::remote {

// How every request behaves; read once from the host's environment (never
// from a guest) by Settings::fromEnvironment.
struct Settings {
  std::chrono::milliseconds timeout{30000};  // the whole operation, retries included
  unsigned retries = 3;                      // extra attempts after a connection error
  std::chrono::milliseconds backoff{50};     // before the first retry; doubles each time
  std::string token;                         // bearer token ("" = none)
  std::string caBundle;                      // PEM bytes for https ("" = curl's default store)

  // WASMNN_REMOTE_TIMEOUT_MS, WASMNN_REMOTE_RETRIES, WASMNN_REMOTE_TOKEN,
  // WASMNN_REMOTE_CA_FILE (its bytes, read now: a confined worker cannot open
  // it later). Throws kit::Error naming a malformed variable.
  static Settings fromEnvironment();
};

struct Response {
  long status = 0;
  std::string body;
  std::string jsonLength;  // the Inference-Header-Content-Length header, "" if absent
};

// Connections shared by every caller of one server.
class Pool {
 public:
  Pool();
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  CURLSH* share() const { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlock(CURL*, curl_lock_data data, void* self);

  CURLSH* share_;
  std::mutex locks_[CURL_LOCK_DATA_LAST];
};

// One caller's handle (a context, or a graph while it loads): calls on it
// never overlap; different clients of one pool run in parallel.
class Client {
 public:
  Client(const Pool& pool, const Settings& settings);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Response get(const std::string& url);
  // `contentType` and `jsonLength` (the binary tensor extension's header, ""
  // for none) describe `body`.
  Response post(const std::string& url, std::string_view body, std::string_view jsonLength);

 private:
  Response perform(const std::string& url, const std::vector<std::string>& headers, std::string_view* body);
  CURLcode attempt(const std::string& url, curl_slist* headers, std::string_view* body,
                   std::chrono::steady_clock::time_point deadline, Response& out);

  const Settings& settings_;
  CURL* curl_;
  char error_[CURL_ERROR_SIZE] = {0};
};

// "transports: rest http+https (libcurl/7.88.1 OpenSSL/3.0.19), grpc not built".
std::string transportDescription();

}  // namespace wasmnn::remote
