//===- TempFiles.h - temporary files removed at scope exit -------*- C++ -*-===//

#ifndef RECUR_COMPILER_TEMPFILES_H
#define RECUR_COMPILER_TEMPFILES_H

#include "llvm/Support/FileSystem.h"

#include <string>
#include <vector>

namespace recur {

/// Paths of temporary files (objects, PTX, logs), removed when it goes out of
/// scope.
struct TempFiles {
  std::vector<std::string> paths;
  ~TempFiles() {
    for (const std::string &p : paths)
      llvm::sys::fs::remove(p);
  }
};

} // namespace recur

#endif // RECUR_COMPILER_TEMPFILES_H
