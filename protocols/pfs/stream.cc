#include "protocols/pfs/stream.h"

#include <algorithm>
#include <cstring>

namespace wirelab::pfs {

void RangeSet::add(std::uint64_t offset, std::uint64_t end) {
  if (offset >= end) return;
  auto it = ranges_.upper_bound(offset);
  if (it != ranges_.begin() && std::prev(it)->second >= offset) {
    --it;
    offset = it->first;
    end = std::max(end, it->second);
    it = ranges_.erase(it);
  }
  while (it != ranges_.end() && it->first <= end) {
    end = std::max(end, it->second);
    it = ranges_.erase(it);
  }
  ranges_.emplace(offset, end);
}

void RangeSet::remove(std::uint64_t offset, std::uint64_t end) {
  if (offset >= end) return;
  auto it = ranges_.upper_bound(offset);
  if (it != ranges_.begin()) --it;
  while (it != ranges_.end() && it->first < end) {
    const std::uint64_t a = it->first, b = it->second;
    if (b <= offset) {
      ++it;
      continue;
    }
    it = ranges_.erase(it);
    if (a < offset) ranges_.emplace(a, offset);
    if (b > end) it = ranges_.emplace(end, b).first;
  }
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> RangeSet::first(std::uint64_t max_length) const {
  if (ranges_.empty()) return std::nullopt;
  const auto& [a, b] = *ranges_.begin();
  return std::make_pair(a, std::min(b, a + max_length));
}

bool RangeSet::covers(std::uint64_t offset, std::uint64_t end) const {
  if (offset >= end) return true;
  auto it = ranges_.upper_bound(offset);
  if (it == ranges_.begin()) return false;
  --it;
  return it->first <= offset && it->second >= end;
}

std::size_t SendStream::write(ByteView data, bool fin, std::uint64_t buffer_limit) {
  if (fin_written_) return 0;
  const std::uint64_t room = buffer_limit > buffered() ? buffer_limit - buffered() : 0;
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(room, data.size));
  const std::size_t held = static_cast<std::size_t>(buffered());
  if (held + n > buffer_.size()) grow(held + n);
  if (n) {
    const std::size_t at = (head_ + held) & (buffer_.size() - 1);
    const std::size_t first = std::min(n, buffer_.size() - at);
    std::memcpy(buffer_.data() + at, data.data, first);
    std::memcpy(buffer_.data(), data.data + first, n - first);
  }
  write_offset_ += n;
  if (fin && n == data.size) fin_written_ = true;
  return n;
}

MutableByteView SendStream::space(std::size_t max, std::uint64_t buffer_limit) {
  offered_ = 0;
  if (fin_written_) return {};
  const std::uint64_t room = buffer_limit > buffered() ? buffer_limit - buffered() : 0;
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(room, max));
  if (n == 0) return {};
  const std::size_t held = static_cast<std::size_t>(buffered());
  if (held + n > buffer_.size()) grow(held + n);
  const std::size_t at = (head_ + held) & (buffer_.size() - 1);
  offered_ = std::min(n, buffer_.size() - at);
  return {buffer_.data() + at, offered_};
}

void SendStream::commit(std::size_t n, bool fin) {
  // At most what the last space() offered: more would take bytes never filled, or wrap onto
  // unacknowledged ones. After the end nothing.
  if (fin_written_) return;
  write_offset_ += std::min(n, offered_);
  offered_ = 0;
  if (fin) fin_written_ = true;
}

std::optional<StreamChunk> SendStream::next_chunk(std::uint64_t max_length, std::uint64_t flow_limit,
                                                  std::uint64_t conn_credit) const {
  if (max_length == 0) return std::nullopt;
  if (auto lost = lost_.first(max_length)) {
    StreamChunk c{lost->first, lost->second - lost->first, false, true};
    c.fin = fin_written_ && c.offset + c.length == write_offset_ && fin_sent_ && !fin_acked_;
    return c;
  }
  if (fin_lost_ && !fin_acked_) return StreamChunk{write_offset_, 0, true, true};
  const std::uint64_t limit = std::min({write_offset_, flow_limit, next_new_ + conn_credit});
  if (next_new_ < limit) {
    StreamChunk c{next_new_, std::min(max_length, limit - next_new_), false, false};
    c.fin = fin_written_ && c.offset + c.length == write_offset_;
    return c;
  }
  if (fin_pending() && next_new_ == write_offset_) return StreamChunk{write_offset_, 0, true, false};
  return std::nullopt;
}

void SendStream::on_chunk_sent(const StreamChunk& c) {
  if (c.retransmission) {
    lost_.remove(c.offset, c.offset + c.length);
    if (c.fin) fin_lost_ = false;
  } else {
    next_new_ = std::max(next_new_, c.offset + c.length);
  }
  if (c.fin) fin_sent_ = true;
}

void SendStream::copy(std::uint64_t offset, std::uint64_t length, std::uint8_t* out) const {
  const std::size_t at = (head_ + static_cast<std::size_t>(offset - acked_floor_)) & (buffer_.size() - 1);
  const std::size_t first = std::min(static_cast<std::size_t>(length), buffer_.size() - at);
  std::memcpy(out, buffer_.data() + at, first);
  std::memcpy(out + first, buffer_.data(), static_cast<std::size_t>(length) - first);
}

void SendStream::on_acked(std::uint64_t offset, std::uint64_t length, bool fin) {
  if (fin) {
    fin_acked_ = true;
    fin_lost_ = false;
  }
  const std::uint64_t end = offset + length;
  lost_.remove(offset, end);
  if (end <= acked_floor_) return;
  if (offset <= acked_floor_ && acked_.empty()) {
    // In order (the common case): the floor moves, no range bookkeeping.
    if (!buffer_.empty()) head_ = (head_ + static_cast<std::size_t>(end - acked_floor_)) & (buffer_.size() - 1);
    acked_floor_ = end;
    return;
  }
  acked_.add(std::max(offset, acked_floor_), end);
  auto first = acked_.ranges().begin();
  if (first != acked_.ranges().end() && first->first <= acked_floor_) {
    const std::uint64_t new_floor = first->second;
    if (!buffer_.empty()) head_ = (head_ + static_cast<std::size_t>(new_floor - acked_floor_)) & (buffer_.size() - 1);
    acked_floor_ = new_floor;
    acked_.remove(0, new_floor);
  }
}

void SendStream::on_lost(std::uint64_t offset, std::uint64_t length, bool fin) {
  // Only what is still unacknowledged needs sending again.
  const std::uint64_t end = offset + length;
  const std::uint64_t from = std::max(offset, acked_floor_);
  if (from < end) {
    lost_.add(from, end);
    for (const auto& [a, b] : acked_.ranges()) {
      if (a >= end) break;
      lost_.remove(a, b);
    }
  }
  if (fin && !fin_acked_) fin_lost_ = true;
}

void SendStream::grow(std::size_t needed) {
  std::size_t capacity = std::max<std::size_t>(buffer_.size(), 64 * 1024);
  while (capacity < needed) capacity *= 2;
  std::vector<std::uint8_t> bigger(capacity);
  const std::size_t held = static_cast<std::size_t>(buffered());
  if (held) copy(acked_floor_, held, bigger.data());
  buffer_.swap(bigger);
  head_ = 0;
}

bool RecvStream::on_frame(std::uint64_t offset, ByteView data, bool fin) {
  const std::uint64_t end = offset + data.size;
  if (fin) {
    if ((fin_offset_ && *fin_offset_ != end) || end < highest_) return false;
    fin_offset_ = end;
  } else if (fin_offset_ && end > *fin_offset_) {
    return false;
  }
  highest_ = std::max(highest_, end);
  if (end > contiguous_end_ && data.size > 0) {
    const std::uint64_t skip = offset < contiguous_end_ ? contiguous_end_ - offset : 0;
    if (offset <= contiguous_end_) {
      // In order (the common case): straight into the ready buffer, one copy, no allocation.
      ready_.insert(ready_.end(), data.data + skip, data.data + data.size);
      contiguous_end_ = end;
    } else {
      auto& slot = out_of_order_[offset];
      if (slot.size() < data.size) slot.assign(data.data, data.data + data.size);
    }
  }
  // Move whatever is now in order into the ready buffer.
  while (!out_of_order_.empty() && out_of_order_.begin()->first <= contiguous_end_) {
    auto it = out_of_order_.begin();
    const std::uint64_t seg_end = it->first + it->second.size();
    if (seg_end > contiguous_end_) {
      const std::size_t skip = static_cast<std::size_t>(contiguous_end_ - it->first);
      ready_.insert(ready_.end(), it->second.begin() + static_cast<std::ptrdiff_t>(skip), it->second.end());
      contiguous_end_ = seg_end;
    }
    out_of_order_.erase(it);
  }
  return true;
}

std::size_t RecvStream::read(MutableByteView out, bool* fin) {
  const ByteView ready = peek(nullptr);
  const std::size_t n = std::min(ready.size, out.size);
  if (n) std::memcpy(out.data, ready.data, n);
  consume(n);
  if (fin) *fin = fin_read_;
  return n;
}

ByteView RecvStream::peek(bool* fin) const {
  if (fin) *fin = fin_offset_ && contiguous_end_ == *fin_offset_ && !fin_read_;
  return {ready_.data() + ready_head_, ready_.size() - ready_head_};
}

void RecvStream::consume(std::size_t n) {
  ready_head_ += n;
  read_offset_ += n;
  if (ready_head_ == ready_.size()) {
    ready_.clear();
    ready_head_ = 0;
  } else if (ready_head_ > (1u << 20)) {
    ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(ready_head_));
    ready_head_ = 0;
  }
  if (fin_offset_ && read_offset_ == *fin_offset_) fin_read_ = true;
}

}  // namespace wirelab::pfs
