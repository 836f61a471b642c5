#include "known_failures.h"

#include <charconv>
#include <fstream>

namespace wasmnn::spec {

std::string KnownFailures::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return "cannot read " + path.string();
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    const size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos || text[start] == '#') continue;
    const size_t colon = text.find(':', start);
    const size_t space = text.find_first_of(" \t", start);
    int line = -1;
    const char* digits_end = text.data() + (space == std::string::npos ? text.size() : space);
    const bool colon_ok = colon != std::string::npos && colon < static_cast<size_t>(digits_end - text.data());
    if (colon_ok) {
      const auto [end, ec] = std::from_chars(text.data() + colon + 1, digits_end, line);
      if (ec != std::errc{} || end != digits_end) line = -1;
    }
    if (!colon_ok || line < 0 || colon == start) {
      return path.string() + ":" + std::to_string(number) + ": expected \"file.wast:line reason\"";
    }
    // The reason is required: an entry nobody can explain is never removed.
    const size_t reason = space == std::string::npos ? std::string::npos : text.find_first_not_of(" \t\r", space);
    if (reason == std::string::npos) {
      return path.string() + ":" + std::to_string(number) + ": the entry needs a reason after the line number";
    }
    entries_[text.substr(start, colon - start)][line] = text.substr(reason);
  }
  return {};
}

const std::map<int, std::string>& KnownFailures::entries_for(const std::string& file) const {
  static const std::map<int, std::string> kNone;
  const auto found = entries_.find(file);
  return found == entries_.end() ? kNone : found->second;
}

bool KnownFailures::contains(const std::string& file, int line) const { return entries_for(file).contains(line); }

}  // namespace wasmnn::spec
