#pragma once
// A test-only hook that stops the process at a named point, as a kill there would: when the
// environment variable OUTCHECK_CRASH_AT equals `name`, the process ends at once with _exit(86)
// (no destructors, no buffers flushed, no transaction rolled back). Compiled in always; without
// the variable it does nothing but compare a pointer.
namespace outcheck::db {

inline constexpr int kCrashExitCode = 86;

void crash_point(const char* name);

}  // namespace outcheck::db
