#pragma once
// Memory asked of the kernel in huge (2 MiB) pages where it will give them, for the buffers a large
// file passes through. Each 4 KiB page's first touch is a page fault, and in a virtual machine a
// fault costs microseconds: a megabyte-sized ring of read buffers and the records in flight between
// two threads took some 2,600 of them on a 66 MB table. With transparent huge pages off, or none to
// spare, this is plain memory and every answer is the same, only slower.
#include <cstddef>

namespace outcheck::checker {

class HugePageMemory {
 public:
  // At least `bytes` of zeroed memory, aligned to 2 MiB; std::bad_alloc when there is none.
  explicit HugePageMemory(std::size_t bytes);
  ~HugePageMemory();
  HugePageMemory(const HugePageMemory&) = delete;
  HugePageMemory& operator=(const HugePageMemory&) = delete;

  char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  char* mapped_ = nullptr;  // what mmap gave, from which data_ is aligned
  std::size_t mapped_size_ = 0;
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace outcheck::checker
