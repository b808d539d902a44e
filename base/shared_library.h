#pragma once
// A system library opened when a command first needs it, rather than by the dynamic loader at
// every start of the program. Each library linked in the usual way is mapped and relocated before
// main(), whether the command uses it or not (libcrypto alone took some 3 ms, SQLite 1 ms: a
// quarter of checking one small file). Opened once and never closed: the process may call it
// until it ends. Its symbols stay its own (RTLD_LOCAL); its functions are looked up by name into
// pointers of their declared types.
#include <dlfcn.h>

#include <string>

#include "base/result.h"

namespace outcheck {

class SharedLibrary {
 public:
  // The library `soname`, which Debian's `package` installs (named in the error, with what to run).
  static Result<SharedLibrary> open(const char* soname, const char* package) {
    void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      return io_error(std::string("cannot load ") + soname + " (" + (why ? why : "unknown error") + "): " +
                      install_hint(package));
    }
    return SharedLibrary(handle, soname, package);
  }

  // Sets `out` to the library's function `name`, declared as F (`decltype(&::function)`).
  template <class F>
  Status find(const char* name, F& out) const {
    void* symbol = ::dlsym(handle_, name);
    if (!symbol) return io_error(soname_ + " has no " + name + ": " + install_hint(package_.c_str()));
    out = reinterpret_cast<F>(symbol);
    return Status::OK();
  }

 private:
  SharedLibrary(void* handle, std::string soname, std::string package)
      : handle_(handle), soname_(std::move(soname)), package_(std::move(package)) {}
  static std::string install_hint(const char* package) {
    return std::string("install Debian's ") + package + " (apt-get install " + package + ")";
  }

  void* handle_;
  std::string soname_;
  std::string package_;
};

}  // namespace outcheck
