#include "checker/huge_page_resource.h"

namespace outcheck::checker {

namespace {

constexpr std::size_t kChunk = std::size_t{4} << 20;

}  // namespace

void* HugePageResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (bytes > kChunk / 2) return ::operator new(bytes, std::align_val_t(alignment));
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t at = (used_ + alignment - 1) / alignment * alignment;
  if (chunks_.empty() || at + bytes > chunks_.back()->size()) {
    chunks_.push_back(std::make_unique<HugePageMemory>(kChunk));
    at = 0;
  }
  used_ = at + bytes;
  return chunks_.back()->data() + at;
}

void HugePageResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  // A chunk's memory goes back with the resource; only what came from the heap goes back now.
  if (bytes > kChunk / 2) ::operator delete(p, std::align_val_t(alignment));
}

}  // namespace outcheck::checker
