// The confinement a WASI-NN worker puts itself into before it runs any
// backend code that sees guest bytes (see isolation.h for the whole design).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wasmnn/wasi_nn/isolation/protocol.h"

namespace wasmnn::nn::worker {

// The directories of every shared object loaded in this process: a backend
// may dlopen plugins from its framework's directory later (OpenVINO's CPU
// plugin, ONNX Runtime's execution providers), so those stay readable.
std::vector<std::string> loadedLibraryDirs();

// Confines the calling process for good. Must run while it has one thread:
// namespaces and Landlock apply to the calling thread and what it starts
// later. Applies, each as far as the kernel allows and reporting what it
// could not: new user, network and IPC namespaces; Landlock with read-only
// access to `readableDirs` and the CPU description; a seccomp-bpf allow-list
// (no exec, no new processes, no sockets, no writable opens, signals only to
// itself). kPolicyNetwork keeps the network (sockets, unnamed AF_UNIX pairs,
// the resolver's files and the TLS trust store).
isolation::SandboxReport confine(uint32_t policy, const std::vector<std::string>& readableDirs);

}  // namespace wasmnn::nn::worker
