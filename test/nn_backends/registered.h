// The backends whose test data was registered with wasmnn_nn_test_data()
// (test/nn_backends/CMakeLists.txt): one line each in NN_TEST_BACKENDS_FILE,
//   BACKEND ENCODING DATA_DIR FLAGS
#pragma once

#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace wasmnn::test {

struct RegisteredBackend {
  std::string name;      // libwasmnn_backend_<name>.so
  std::string encoding;  // canonical encoding name
  std::string dataDir;   // NAME.manifest cases
  bool typed = false;    // checks input types and fixed shapes in set_input
};

inline void PrintTo(const RegisteredBackend& b, std::ostream* os) { *os << b.name; }

inline std::vector<RegisteredBackend> registeredBackends() {
  std::ifstream in(NN_TEST_BACKENDS_FILE);
  if (!in) throw std::runtime_error("cannot read " NN_TEST_BACKENDS_FILE);
  std::vector<RegisteredBackend> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    RegisteredBackend b;
    std::string flags;
    if (l >> b.name >> b.encoding >> b.dataDir >> flags) {
      b.typed = flags.find("typed") != std::string::npos;
      out.push_back(b);
    }
  }
  return out;
}

}  // namespace wasmnn::test
