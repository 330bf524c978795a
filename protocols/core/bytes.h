// Non-owning views over datagram and stream bytes (C++17 has no std::span; ns-3 units are C++17).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wirelab {

struct ByteView {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;

  ByteView() = default;
  ByteView(const std::uint8_t* d, std::size_t n) : data(d), size(n) {}
  ByteView(const std::vector<std::uint8_t>& v) : data(v.data()), size(v.size()) {}  // NOLINT
  const std::uint8_t& operator[](std::size_t i) const { return data[i]; }
  const std::uint8_t* begin() const { return data; }
  const std::uint8_t* end() const { return data + size; }
  bool empty() const { return size == 0; }
  ByteView subview(std::size_t offset, std::size_t n) const { return {data + offset, n}; }
  ByteView subview(std::size_t offset) const { return {data + offset, size - offset}; }
};

struct MutableByteView {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;

  MutableByteView() = default;
  MutableByteView(std::uint8_t* d, std::size_t n) : data(d), size(n) {}
  MutableByteView(std::vector<std::uint8_t>& v) : data(v.data()), size(v.size()) {}  // NOLINT
  std::uint8_t& operator[](std::size_t i) const { return data[i]; }
  std::uint8_t* begin() const { return data; }
  std::uint8_t* end() const { return data + size; }
  MutableByteView subview(std::size_t offset, std::size_t n) const { return {data + offset, n}; }
  MutableByteView subview(std::size_t offset) const { return {data + offset, size - offset}; }
  operator ByteView() const { return {data, size}; }  // NOLINT
};

}  // namespace wirelab
