//===- HostLibrary.h - loading a host target's shared object ----*- C++ -*-===//
//
// Loads the ELF shared object of a module's host target from memory: it is
// written to a memfd and opened as /proc/self/fd/N, so no file is written;
// where that fails, to a temporary file that is unlinked right after dlopen.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_SRC_HOSTLIBRARY_H
#define RECUR_RUNTIME_SRC_HOSTLIBRARY_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace recur::rt {

class HostLibrary {
public:
  HostLibrary() = default;
  ~HostLibrary();
  HostLibrary(const HostLibrary &) = delete;
  HostLibrary &operator=(const HostLibrary &) = delete;

  enum class Source { Any, TemporaryFile };

  /// Loads `size` bytes of ELF shared object (RTLD_NOW | RTLD_LOCAL): from a
  /// memfd, else (or with Source::TemporaryFile, for tests) from a temporary
  /// file. On failure returns false and sets `error` (dlerror's text among
  /// it).
  bool load(const uint8_t *binary, size_t size, std::string *error,
            Source source = Source::Any);

  /// The address of `name`, which must be defined by this object itself
  /// (not by a library it depends on); null with `error` set otherwise.
  void *symbol(const char *name, std::string *error) const;

  /// Whether `p` lies inside any loaded object's mapping (this one's
  /// constants included): such memory is not from malloc.
  static bool insideLoadedObject(const void *p);

private:
  bool openPath(int fd, const std::string &path, std::string *error);

  void *handle = nullptr;
  void *linkMap = nullptr;
  int fd = -1;
};

} // namespace recur::rt

#endif // RECUR_RUNTIME_SRC_HOSTLIBRARY_H
