//===- HostLibrary.cpp - loading a host target's shared object ------------===//
//
// One subtlety: glibc's dlopen first matches the requested name against the
// names of objects already loaded, so "/proc/self/fd/N" could find an object
// loaded earlier through a descriptor with the same (since reused) number.
// Each load therefore asks with RTLD_NOLOAD first (which runs no code) and
// moves to another descriptor number when the name is taken. The descriptor
// stays open while the object is loaded, so its number is not reused by us.
//
//===----------------------------------------------------------------------===//

#include "HostLibrary.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace recur::rt;

static std::string lastDlError(const char *fallback) {
  const char *e = dlerror();
  return e ? std::string(e) : std::string(fallback);
}

static bool writeAll(int fd, const uint8_t *p, size_t n, std::string *error) {
  while (n) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      *error = std::strerror(errno);
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

/// Whether `path` names an object the dynamic loader already has.
static bool nameTaken(const std::string &path) {
  dlerror();
  void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (!h)
    return false;
  dlclose(h);
  return true;
}

HostLibrary::~HostLibrary() {
  if (handle)
    dlclose(handle);
  if (fd >= 0)
    ::close(fd);
}

bool HostLibrary::openPath(int objectFd, const std::string &path,
                           std::string *error) {
  dlerror();
  handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    *error = lastDlError("dlopen failed");
    return false;
  }
  struct link_map *map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map) {
    *error = "dlinfo: " + lastDlError("no link map");
    dlclose(handle);
    handle = nullptr;
    return false;
  }
  linkMap = map;
  fd = objectFd;
  return true;
}

bool HostLibrary::load(const uint8_t *binary, size_t size, std::string *error,
                       Source source) {
  // From memory: a memfd opened through /proc/self/fd.
  std::string memfdError;
  int mfd =
      source == Source::Any ? memfd_create("recur-host-code", MFD_CLOEXEC) : -1;
  if (source != Source::Any) {
    memfdError = "not tried";
  } else if (mfd < 0) {
    memfdError = std::string("memfd_create: ") + std::strerror(errno);
  } else if (!writeAll(mfd, binary, size, &memfdError)) {
    memfdError = "writing the memfd: " + memfdError;
    ::close(mfd);
  } else {
    std::vector<int> spare;
    std::string path = "/proc/self/fd/" + std::to_string(mfd);
    while (nameTaken(path) && spare.size() < 16) {
      int other = fcntl(mfd, F_DUPFD_CLOEXEC, mfd + 1);
      if (other < 0)
        break;
      spare.push_back(mfd);
      mfd = other;
      path = "/proc/self/fd/" + std::to_string(mfd);
    }
    for (int s : spare)
      ::close(s);
    if (nameTaken(path)) {
      memfdError = "'" + path + "' is already taken by a loaded object";
      ::close(mfd);
    } else if (openPath(mfd, path, &memfdError)) {
      return true;
    } else {
      ::close(mfd);
    }
  }

  // Otherwise a temporary file, unlinked as soon as it is loaded.
  const char *dir = std::getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  std::string tmpl = std::string(dir) + "/recur-host-XXXXXX.so";
  std::vector<char> path(tmpl.begin(), tmpl.end());
  path.push_back('\0');
  int tfd = mkostemps(path.data(), 3, O_CLOEXEC);
  if (tfd < 0) {
    *error = "from memory: " + memfdError + "; from a temporary file in '" +
             dir + "': " + std::strerror(errno);
    return false;
  }
  std::string tmpError;
  bool ok = writeAll(tfd, binary, size, &tmpError);
  if (!ok)
    tmpError = "writing '" + std::string(path.data()) + "': " + tmpError;
  if (ok && nameTaken(path.data())) {
    tmpError = "'" + std::string(path.data()) + "' is already loaded";
    ok = false;
  }
  if (ok)
    ok = openPath(tfd, path.data(), &tmpError);
  ::unlink(path.data());
  if (!ok) {
    ::close(tfd);
    *error =
        "from memory: " + memfdError + "; from a temporary file: " + tmpError;
    return false;
  }
  return true;
}

void *HostLibrary::symbol(const char *name, std::string *error) const {
  dlerror();
  void *p = dlsym(handle, name);
  if (!p) {
    *error = lastDlError("not found");
    return nullptr;
  }
  Dl_info info;
  struct link_map *map = nullptr;
  if (!dladdr1(p, &info, reinterpret_cast<void **>(&map), RTLD_DL_LINKMAP) ||
      map != linkMap) {
    *error =
        std::string("it is not defined by the module's host code") +
        (info.dli_fname && map ? std::string(" but by '") + info.dli_fname + "'"
                               : std::string());
    return nullptr;
  }
  return p;
}

bool HostLibrary::insideLoadedObject(const void *p) {
  Dl_info info;
  return dladdr(p, &info) != 0;
}
