// KServe's ModelServer (oip_server.py, in the venv of backends/remote/setup.sh)
// as a child process on 127.0.0.1: started, polled until ready, stopped.
// Shared by the remote backend's tests and bench/nn's remote benchmark.
#pragma once

#include <curl/curl.h>
#include <signal.h>

#include <chrono>
#include <thread>
#include <utility>

#include "run_guest.h"

namespace wasmnn::test {

// HTTP status of a GET (https verified with the PEM file `ca`), 0 when nothing answered.
inline long httpStatus(const std::string& url, const std::string& ca = "") {
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (!ca.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t count, void*) { return size * count; });
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status;
}

class OipServer {
 public:
  // With `tls` (a certificate and its key, PEM files) the server speaks https.
  OipServer(std::string python, std::string script, std::filesystem::path models,
            std::pair<std::string, std::string> tls = {})
      : python_(std::move(python)), script_(std::move(script)), models_(std::move(models)), tls_(std::move(tls)) {}

  void start() {
    std::vector<std::string> argv = {python_, script_, models_.string(), portFile(), callsFile()};
    if (!tls_.first.empty()) argv.insert(argv.end(), {tls_.first, tls_.second});
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, logFile().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    // KServe imports for seconds on a busy machine; it reports nothing until it serves.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(portFile())) {
        port_ = std::stoi(slurp(portFile()));
        if (httpStatus(base() + "/v2/health/ready", tls_.first) == 200) return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        throw std::runtime_error("the OIP server exited while starting:\n" + slurp(logFile()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("the OIP server was not ready after 180 s:\n" + slurp(logFile()));
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    bool reaped = false;
    for (int i = 0; i < 100 && !reaped; ++i) {
      reaped = waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!reaped) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = 0;
  }

  std::string base() const {
    return (tls_.first.empty() ? "http" : "https") + std::string("://127.0.0.1:") + std::to_string(port_);
  }
  std::string modelUrl(const std::string& model) const { return base() + "/v2/models/" + model; }
  // The inference requests the server saw so far, one "MODEL AUTHORIZATION" line each.
  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    std::istringstream in(slurp(callsFile()));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  std::string log() const { return slurp(logFile()); }

 private:
  std::string file(const char* name) const { return (dir_.path() / name).string(); }
  std::string portFile() const { return file("port"); }
  std::string callsFile() const { return file("calls"); }
  std::string logFile() const { return file("server.log"); }

  std::string python_, script_;
  std::filesystem::path models_;
  std::pair<std::string, std::string> tls_;
  TempDir dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace wasmnn::test
