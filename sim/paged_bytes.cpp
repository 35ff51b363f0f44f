#include "sim/paged_bytes.h"

#include <algorithm>
#include <cstring>

#include "reference/common/assert.h"

namespace shapesim::sim {

void PagedBytes::read(size_t offset, uint8_t* out, size_t n) const {
  SHAPESIM_ASSERT(offset + n <= size_);
  while (n > 0) {
    const size_t index = offset / kPage, in_page = offset % kPage;
    const size_t take = std::min(n, kPage - in_page);
    const Page* page = pages_[index].get();
    if (page) {
      std::memcpy(out, page->data() + in_page, take);
    } else {
      std::memset(out, 0, take);
    }
    out += take;
    offset += take;
    n -= take;
  }
}

void PagedBytes::note_changed(size_t index) {
  if (index >= is_changed_.size()) is_changed_.resize(index + 1);
  if (is_changed_[index]) return;
  is_changed_[index] = true;
  changed_.push_back(index);
}

void PagedBytes::sync_into(PagedBytes& durable) {
  durable.pages_.resize(pages_.size());
  for (size_t index : changed_) {
    if (index < pages_.size()) durable.pages_[index] = pages_[index];
  }
  durable.size_ = size_;
  forget_changes();
}

void PagedBytes::forget_changes() {
  for (size_t index : changed_) is_changed_[index] = false;
  changed_.clear();
}

PagedBytes::Page& PagedBytes::writable(size_t index, bool whole_page) {
  note_changed(index);
  std::shared_ptr<Page>& slot = pages_[index];
  if (!slot) {
    slot = std::make_shared_for_overwrite<Page>();
    if (!whole_page) slot->fill(0);
  } else if (slot.use_count() > 1) {
    auto copy = std::make_shared_for_overwrite<Page>();
    if (!whole_page) *copy = *slot;
    slot = std::move(copy);
  }
  return *slot;
}

void PagedBytes::write(size_t offset, const uint8_t* in, size_t n) {
  if (n == 0) return;
  const size_t end = offset + n;
  if (end > size_) {
    pages_.resize((end + kPage - 1) / kPage);  // new pages are null: zeros
    size_ = end;
  }
  while (n > 0) {
    const size_t index = offset / kPage, in_page = offset % kPage;
    const size_t take = std::min(n, kPage - in_page);
    Page& page = writable(index, in_page == 0 && take == kPage);
    std::memcpy(page.data() + in_page, in, take);
    in += take;
    offset += take;
    n -= take;
  }
}

void PagedBytes::truncate(size_t new_size) {
  if (new_size >= size_) {
    // Growing by truncation: the new bytes read as zeros.
    pages_.resize((new_size + kPage - 1) / kPage);
    size_ = new_size;
    return;
  }
  const size_t kept = (new_size + kPage - 1) / kPage;
  for (size_t index = kept; index < pages_.size(); ++index) note_changed(index);  // dropped
  pages_.resize(kept);
  // The last page's bytes past the new end must read as zeros if the file grows again.
  if (const size_t in_page = new_size % kPage; in_page != 0 && pages_.back()) {
    Page& last = writable(pages_.size() - 1, false);
    std::memset(last.data() + in_page, 0, kPage - in_page);
  }
  size_ = new_size;
}

bool operator==(const PagedBytes& a, const PagedBytes& b) {
  if (a.size_ != b.size_) return false;
  for (size_t i = 0; i < a.pages_.size(); ++i) {
    const PagedBytes::Page* pa = a.pages_[i].get();
    const PagedBytes::Page* pb = b.pages_[i].get();
    if (pa == pb) continue;
    const size_t n = std::min(PagedBytes::kPage, a.size_ - i * PagedBytes::kPage);
    for (size_t k = 0; k < n; ++k) {
      const uint8_t x = pa ? (*pa)[k] : 0, y = pb ? (*pb)[k] : 0;
      if (x != y) return false;
    }
  }
  return true;
}

}  // namespace shapesim::sim
