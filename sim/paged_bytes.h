// PagedBytes: a file image in fixed-size pages shared copy-on-write. Copying an image copies
// page pointers, not bytes; a write clones a page only while another image still shares it
// (and not at all when it overwrites the whole page). SimDisk keeps a file's durable and
// current images this way, so a sync (durable := current, sync_into) copies the pointers of
// the pages written since the previous sync, instead of replaying every pending write.
//
// Contract: the bytes read are exactly those of a plain byte vector given the same writes
// and truncations (a gap left by a write past the end reads as zeros, as does the tail of a
// truncated page when the file grows again).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace shapesim::sim {

class PagedBytes {
 public:
  static constexpr size_t kPage = 4096;

  size_t size() const { return size_; }
  // Copies [offset, offset + n) into `out`; bytes past the end are not touched (the caller
  // checks size()).
  void read(size_t offset, uint8_t* out, size_t n) const;
  void write(size_t offset, const uint8_t* in, size_t n);
  void truncate(size_t new_size);

  // Change tracking for a durable copy. Every write and truncation notes the pages it touched
  // (a shrinking truncation also the pages it dropped). sync_into(durable) makes `durable`
  // equal to this image by copying only those pages' pointers, then forgets them: O(pages
  // changed), not O(pages). Valid when `durable` equals this image as it was at the previous
  // sync_into, or when forget_changes() last ran.
  void sync_into(PagedBytes& durable);
  void forget_changes();

  friend bool operator==(const PagedBytes& a, const PagedBytes& b);

 private:
  using Page = std::array<uint8_t, kPage>;
  // The page at `index`, writable: cloned if shared, created (zeroed) if absent.
  Page& writable(size_t index, bool whole_page);

  void note_changed(size_t index);

  std::vector<std::shared_ptr<Page>> pages_;  // null: a page of zeros
  size_t size_ = 0;
  std::vector<size_t> changed_;  // page indices touched since the last sync_into / forget_changes
  std::vector<bool> is_changed_;  // by index: in changed_
};

}  // namespace shapesim::sim
