// Replays inputs through a libFuzzer target's entry point without libFuzzer, so ordinary
// (gcc, Release) builds and CTest replay the seed corpora and the filed crash regressions
// (testdata/fuzz/<target>/regressions/) on every CI run.
//
//   fuzz_replay_where testdata/fuzz/fuzz_where/regressions testdata/fuzz/fuzz_where
//
// Each argument is a file or a directory (its regular files, sorted; README* and the
// campaign's *.report files skipped). The
// input's name is printed before it runs, so a crash names what caused it. Exit 0 when every
// input ran; a crash aborts as the fuzzer would.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    if (fs::is_directory(argv[i], ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(argv[i], ec)) {
        std::string file = e.path().filename().string();
        if (e.is_regular_file() && file.rfind("README", 0) != 0 && e.path().extension() != ".report") {
          found.push_back(e.path().string());
        }
      }
      std::sort(found.begin(), found.end());
      inputs.insert(inputs.end(), found.begin(), found.end());
    } else if (fs::exists(argv[i], ec)) {
      inputs.push_back(argv[i]);
    } else {
      std::fprintf(stderr, "fuzz replay: no such file or directory: %s\n", argv[i]);
      return 2;
    }
  }
  for (const auto& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "fuzz replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::printf("fuzz replay: %zu inputs ran\n", inputs.size());
  return 0;
}
