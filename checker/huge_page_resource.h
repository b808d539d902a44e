#pragma once
// A memory resource for the records in flight between the reading thread and the rules thread:
// their offsets (some 3 MB for a table of short cells, as much as the text they point into) are
// taken from huge pages (checker/huge_page_memory.h), so that their first touch is a few faults,
// not one per 4 KiB page, which in a virtual machine cost some 10 microseconds each (14 ms of CPU on
// a 66 MB table). Memory is handed out in order from 4 MiB chunks and given back only when the
// resource goes, for memory that is reused rather than freed. A request larger than half a chunk
// goes to the heap, and back to it when freed. Safe to use from several threads.
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <vector>

#include "checker/huge_page_memory.h"

namespace outcheck::checker {

class HugePageResource : public std::pmr::memory_resource {
 public:
  HugePageResource() = default;
  HugePageResource(const HugePageResource&) = delete;
  HugePageResource& operator=(const HugePageResource&) = delete;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::mutex mu_;
  std::vector<std::unique_ptr<HugePageMemory>> chunks_;
  std::size_t used_ = 0;  // of the last chunk
};

}  // namespace outcheck::checker
