//===- LibraryTest.cpp - what librecur_runtime.so links and exports -------===//
//
// The runtime must not depend on MLIR or LLVM, and its shared library
// exports the C API and nothing else. Checked with readelf and nm.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace {

/// The lines a shell command prints; fails the test when it does not run.
std::vector<std::string> run(const std::string &command) {
  std::vector<std::string> lines;
  FILE *pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "cannot run: " << command;
    return lines;
  }
  std::string current;
  int c;
  while ((c = fgetc(pipe)) != EOF) {
    if (c == '\n') {
      lines.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(c);
    }
  }
  if (!current.empty())
    lines.push_back(current);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command;
  return lines;
}

const std::string kLibrary = RECUR_RUNTIME_LIBRARY_PATH;

} // namespace

TEST(LibraryTest, NeedsNothingFromMlirOrLlvm) {
  std::vector<std::string> lines =
      run(std::string(RECUR_READELF) + " -d '" + kLibrary + "'");
  int needed = 0;
  for (const std::string &line : lines) {
    if (line.find("NEEDED") == std::string::npos)
      continue;
    ++needed;
    EXPECT_EQ(line.find("libMLIR"), std::string::npos) << line;
    EXPECT_EQ(line.find("libLLVM"), std::string::npos) << line;
    EXPECT_EQ(line.find("libflatbuffers"), std::string::npos) << line;
  }
  EXPECT_GT(needed, 0) << "no NEEDED entries read from " << kLibrary;
}

TEST(LibraryTest, NoUndefinedMlirOrLlvmSymbols) {
  std::vector<std::string> lines =
      run(std::string(RECUR_NM) + " -D -u -C '" + kLibrary + "'");
  EXPECT_FALSE(lines.empty());
  for (const std::string &line : lines) {
    EXPECT_EQ(line.find("mlir::"), std::string::npos) << line;
    EXPECT_EQ(line.find("llvm::"), std::string::npos) << line;
  }
}

TEST(LibraryTest, ExportsOnlyTheCApi) {
  std::vector<std::string> lines =
      run(std::string(RECUR_NM) + " -D --defined-only '" + kLibrary + "'");
  int api = 0;
  for (const std::string &line : lines) {
    // "<address> <type> <name>[@version]"
    std::istringstream in(line);
    std::string address, type, name;
    in >> address >> type >> name;
    if (name.rfind("recur_", 0) == 0) {
      ++api;
      continue;
    }
    ADD_FAILURE() << "exported symbol that is not recur_*: " << line;
  }
  EXPECT_EQ(api, 32) << "runtime.h declares 32 functions";
}
