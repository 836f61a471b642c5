#include "http_client.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "wasmnn/nn_backend_kit.hpp"

namespace wasmnn::remote {
namespace {

using kit::fail;
using Clock = std::chrono::steady_clock;

constexpr const char* kName = "remote";
// A response larger than this is refused rather than buffered (a guest's
// output cannot be larger than a 4 GiB memory anyway).
constexpr size_t kMaxResponseBytes = size_t{1} << 32;
constexpr std::string_view kJsonLengthHeader = "inference-header-content-length:";

unsigned long envNumber(const char* name, unsigned long fallback, unsigned long max) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  char* end = nullptr;
  unsigned long value = std::strtoul(text, &end, 10);
  if (*end || text[0] == '-' || value > max)
    fail(WASMNN_NN_INVALID_ARGUMENT, "%s=%s is not a whole number up to %lu", name, text, max);
  return value;
}

std::string readFile(const char* variable, const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(WASMNN_NN_INVALID_ARGUMENT, "%s=%s cannot be read", variable, path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Failures worth another attempt: the server was not (or no longer) there,
// e.g. refused, reset, or a kept-alive connection it had closed.
bool transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return true;
    default: return false;
  }
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<Response*>(user);
  size_t n = size * count;
  if (out->body.size() + n > kMaxResponseBytes) return 0;  // CURLE_WRITE_ERROR
  out->body.append(data, n);
  return n;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<Response*>(user);
  std::string_view line(data, size * count);
  if (line.size() > kJsonLengthHeader.size() &&
      std::equal(kJsonLengthHeader.begin(), kJsonLengthHeader.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    std::string_view value = line.substr(kJsonLengthHeader.size());
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
    out->jsonLength = value;
  }
  return size * count;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& h) {
    curl_slist* next = curl_slist_append(list, h.c_str());
    if (!next) throw std::bad_alloc();
    list = next;
  }
};

}  // namespace

Settings Settings::fromEnvironment() {
  Settings s;
  s.timeout = std::chrono::milliseconds(envNumber("WASMNN_REMOTE_TIMEOUT_MS", 30000, 24ul * 3600 * 1000));
  s.retries = static_cast<unsigned>(envNumber("WASMNN_REMOTE_RETRIES", 3, 20));
  if (const char* token = std::getenv("WASMNN_REMOTE_TOKEN")) s.token = token;
  if (const char* ca = std::getenv("WASMNN_REMOTE_CA_FILE"); ca && *ca)
    s.caBundle = readFile("WASMNN_REMOTE_CA_FILE", ca);
  return s;
}

Pool::Pool() : share_(curl_share_init()) {
  if (!share_) throw std::bad_alloc();
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &Pool::lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &Pool::unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

Pool::~Pool() { curl_share_cleanup(share_); }

void Pool::lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<Pool*>(self)->locks_[data].lock();
}

void Pool::unlock(CURL*, curl_lock_data data, void* self) { static_cast<Pool*>(self)->locks_[data].unlock(); }

Client::Client(const Pool& pool, const Settings& settings) : settings_(settings), curl_(curl_easy_init()) {
  if (!curl_) throw std::bad_alloc();
  curl_easy_setopt(curl_, CURLOPT_SHARE, pool.share());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, onHeader);
  if (!settings.caBundle.empty()) {
    curl_blob ca{const_cast<char*>(settings.caBundle.data()), settings.caBundle.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(curl_, CURLOPT_CAINFO_BLOB, &ca);
  }
}

Client::~Client() { curl_easy_cleanup(curl_); }

Response Client::get(const std::string& url) {
  curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
  return perform(url, {}, nullptr);
}

Response Client::post(const std::string& url, std::string_view body, std::string_view jsonLength) {
  std::vector<std::string> headers = {"Content-Type: application/octet-stream", "Expect:"};
  if (!jsonLength.empty()) headers.push_back("Inference-Header-Content-Length: " + std::string(jsonLength));
  return perform(url, headers, &body);
}

Response Client::perform(const std::string& url, const std::vector<std::string>& extra, std::string_view* body) {
  HeaderList headers;
  for (const std::string& h : extra) headers.add(h);
  if (!settings_.token.empty()) headers.add("Authorization: Bearer " + settings_.token);
  const char* method = body ? "POST" : "GET";
  const Clock::time_point deadline = Clock::now() + settings_.timeout;
  std::chrono::milliseconds backoff = settings_.backoff;
  bool retried5xx = false;
  for (unsigned attempts = 1;; ++attempts) {
    Response out;
    CURLcode code = attempt(url, headers.list, body, deadline, out);
    bool again = code == CURLE_OK ? out.status >= 500 && !retried5xx : transient(code) && attempts <= settings_.retries;
    if (again && Clock::now() + backoff < deadline) {
      wasmnn_nn_log(WASMNN_NN_LOG_INFO, kName, "%s %s: %s; retrying in %lld ms", method, url.c_str(),
                    code == CURLE_OK ? ("HTTP " + std::to_string(out.status)).c_str() : curl_easy_strerror(code),
                    static_cast<long long>(backoff.count()));
      retried5xx = retried5xx || code == CURLE_OK;
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
      continue;
    }
    if (code == CURLE_OK) return out;
    fail(WASMNN_NN_RUNTIME_ERROR, "%s %s: %s (%s) after %u attempt(s) within %lld ms", method, url.c_str(),
         error_[0] ? error_ : curl_easy_strerror(code), curl_easy_strerror(code), attempts,
         static_cast<long long>(settings_.timeout.count()));
  }
}

CURLcode Client::attempt(const std::string& url, curl_slist* headers, std::string_view* body,
                         Clock::time_point deadline, Response& out) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return CURLE_OPERATION_TIMEDOUT;
  error_[0] = '\0';
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  if (body) {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(left.count()));
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &out);
  CURLcode code = curl_easy_perform(curl_);
  if (code == CURLE_OK) curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &out.status);
  return code;
}

std::string transportDescription() {
  const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
  std::string out = "transports: rest http+https (libcurl/";
  out += v->version;
  if (v->ssl_version) {
    out += ' ';
    out += v->ssl_version;
  }
  return out + "), grpc not built";
}

}  // namespace wasmnn::remote
