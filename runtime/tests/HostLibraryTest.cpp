//===- HostLibraryTest.cpp - loading host code from memory ----------------===//
//
// Internal: both ways HostLibrary loads a shared object (memfd, and the
// temporary file fallback), and its symbol checks.
//
//===----------------------------------------------------------------------===//

#include "../src/HostLibrary.h"
#include "ModuleBuilder.h"
#include "recur/host_abi.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <string>

using recur::rt::HostLibrary;

namespace {

const std::vector<uint8_t> &kernels() {
  static const std::vector<uint8_t> bytes =
      recur::test::readFileBytes(RECUR_FAKE_KERNELS_PATH);
  return bytes;
}

/// Files in a directory whose names start with `prefix`.
int countFiles(const std::string &dir, const std::string &prefix) {
  int n = 0;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (std::string(e->d_name).rfind(prefix, 0) == 0)
        ++n;
    closedir(d);
  }
  return n;
}

void checkLoaded(HostLibrary &lib) {
  std::string error;
  auto version = reinterpret_cast<uint32_t (*)()>(
      lib.symbol(RECUR_HOST_ABI_VERSION_SYMBOL, &error));
  ASSERT_NE(version, nullptr) << error;
  EXPECT_EQ(version(), static_cast<uint32_t>(RECUR_HOST_ABI_VERSION));
  EXPECT_NE(lib.symbol("add_one", &error), nullptr) << error;
  EXPECT_EQ(lib.symbol("no_such_symbol", &error), nullptr);
  EXPECT_EQ(lib.symbol("free", &error), nullptr);
  EXPECT_NE(error.find("not defined by the module's host code"),
            std::string::npos)
      << error;
}

} // namespace

TEST(HostLibraryTest, FromMemfd) {
  ASSERT_FALSE(kernels().empty());
  HostLibrary lib;
  std::string error;
  ASSERT_TRUE(lib.load(kernels().data(), kernels().size(), &error)) << error;
  checkLoaded(lib);
}

TEST(HostLibraryTest, FromTemporaryFileThatIsRemoved) {
  ASSERT_FALSE(kernels().empty());
  char dir[] = "/tmp/recur-hostlib-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string saved = getenv("TMPDIR") ? getenv("TMPDIR") : "";
  setenv("TMPDIR", dir, 1);
  {
    HostLibrary lib;
    std::string error;
    ASSERT_TRUE(lib.load(kernels().data(), kernels().size(), &error,
                         HostLibrary::Source::TemporaryFile))
        << error;
    EXPECT_EQ(countFiles(dir, "recur-host-"), 0);
    checkLoaded(lib);
  }
  if (saved.empty())
    unsetenv("TMPDIR");
  else
    setenv("TMPDIR", saved.c_str(), 1);
  rmdir(dir);
}

TEST(HostLibraryTest, NotAnElfFile) {
  std::vector<uint8_t> junk(100, 'x');
  HostLibrary lib;
  std::string error;
  EXPECT_FALSE(lib.load(junk.data(), junk.size(), &error));
  EXPECT_NE(error.find("from memory: "), std::string::npos) << error;
  EXPECT_NE(error.find("; from a temporary file: "), std::string::npos)
      << error;
}

TEST(HostLibraryTest, ManyLoadsAtOnceAndInTurn) {
  for (int round = 0; round < 3; ++round) {
    std::vector<std::unique_ptr<HostLibrary>> libs;
    for (int i = 0; i < 8; ++i) {
      libs.push_back(std::make_unique<HostLibrary>());
      std::string error;
      ASSERT_TRUE(libs.back()->load(kernels().data(), kernels().size(), &error))
          << error;
    }
    // Each is its own copy: distinct addresses for the same symbol.
    std::string error;
    EXPECT_NE(libs[0]->symbol("add_one", &error),
              libs[1]->symbol("add_one", &error));
  }
}
