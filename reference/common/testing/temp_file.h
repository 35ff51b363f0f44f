// TempFile: a file path for one test or benchmark, unique to the process and the name given,
// under the system's temporary directory. The file and SQLite's companions (-journal, -wal,
// -shm) are removed before use and again when the TempFile goes out of scope, so runs leave
// nothing behind and never see a previous run's file.
//
//   TempFile file("store.db");
//   auto store = EmbeddedStore::open(file.path());
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace shapesim::testing_support {

class TempFile {
 public:
  explicit TempFile(std::string_view name)
      : path_((std::filesystem::temp_directory_path() / ("shapesim_" + std::to_string(::getpid()) + "_" + std::string(name))).string()) {
    remove_all();
  }
  ~TempFile() { remove_all(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  void remove_all() const {
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ignored);
  }
  std::string path_;
};

}  // namespace shapesim::testing_support
