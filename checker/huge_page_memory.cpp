#include "checker/huge_page_memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace outcheck::checker {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

}  // namespace

HugePageMemory::HugePageMemory(std::size_t bytes) : size_(round_up(bytes == 0 ? 1 : bytes, kHugePage)) {
  // One huge page more than asked for, so that an aligned start lies inside: the kernel backs a
  // range with huge pages only where it covers whole aligned ones.
  mapped_size_ = size_ + kHugePage;
  void* p = ::mmap(nullptr, mapped_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  mapped_ = static_cast<char*>(p);
  const auto at = reinterpret_cast<std::uintptr_t>(mapped_);
  data_ = mapped_ + (round_up(at, kHugePage) - at);
  // Advice only: without huge pages the memory is the same, in small pages.
  ::madvise(data_, size_, MADV_HUGEPAGE);
}

HugePageMemory::~HugePageMemory() { ::munmap(mapped_, mapped_size_); }

}  // namespace outcheck::checker
