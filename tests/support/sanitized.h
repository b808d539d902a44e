#pragma once

namespace outcheck::test {

// True when this build's product runs under AddressSanitizer or ThreadSanitizer. Their quarantine
// keeps every freed block (256 MB by default) and their shadow memory grows with the heap, so a
// process's peak resident memory says nothing about the program's own: bounds on memory are checked
// in the plain build only. The work itself (exports complete, attacks refused) is checked in every
// build. The sanitizer stage compiles the test files without instrumentation
// (OUTCHECK_TESTS_UNINSTRUMENTED, which defines OUTCHECK_PRODUCT_SANITIZED), so their own
// __SANITIZE_ADDRESS__ is no guide there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(OUTCHECK_PRODUCT_SANITIZED)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace outcheck::test
