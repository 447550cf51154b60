// D-Bus's wire format, as much of it as the systemd driver speaks (pure):
// messages with the basic types, arrays, structs and variants, in little
// endian, marshalled and read back. ocirun is one static binary, and Debian
// ships libsystemd only as a shared library, so the driver talks to systemd
// itself, over the socket (cgroups/dbus.cpp), as youki does.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgroups/systemd_plan.hpp"

namespace ocirun::cgroups::dbus {

enum class MessageType : uint8_t { MethodCall = 1, MethodReturn = 2, Error = 3, Signal = 4 };

// Marshals values into a body (or a header), aligning as the format says.
class Writer {
 public:
  void byte(uint8_t v);
  void boolean(bool v);
  void u32(uint32_t v) { scalar(v); }
  void i32(int32_t v) { scalar(v); }
  void u64(uint64_t v) { scalar(v); }
  void i64(int64_t v) { scalar(v); }
  void f64(double v) { scalar(v); }
  void string(std::string_view s);  // also an object path ("o")
  void signature(std::string_view s);
  // An array: begin returns where its length goes; end fills it in.
  size_t begin_array(size_t element_alignment);
  void end_array(size_t at);
  void begin_struct() { align(8); }
  // A value of the driver's property types (systemd::Value), with its signature.
  void value(std::string_view sig, const systemd::Value& v);
  // "v": the signature, then the value.
  void variant(std::string_view sig, const systemd::Value& v);
  // a(sv): systemd's properties.
  void properties(const std::vector<systemd::Property>& props);

  void align(size_t n);
  const std::string& bytes() const { return out_; }

 private:
  // A fixed-size value, aligned to its size, in the host's (little) endian.
  template <class T>
  void scalar(T v) {
    align(sizeof v);
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    out_.append(b, sizeof v);
  }

  std::string out_;
  std::vector<size_t> starts_;  // where each open array's elements start
};

// Reads values back from a body, checking bounds; a malformed message throws.
class Reader {
 public:
  // A view: the data must outlive the reader (a temporary string cannot).
  Reader(std::string_view data, size_t offset = 0) : data_(data), at_(offset) {}
  Reader(std::string&&, size_t = 0) = delete;
  uint8_t byte();
  bool boolean();
  uint32_t u32();
  uint64_t u64();
  std::string string();  // "s" and "o"
  std::string signature();
  // Skips one complete value of signature `sig` (used for what is not read).
  void skip(std::string_view sig);
  void align(size_t n);
  size_t offset() const { return at_; }
  bool done() const { return at_ >= data_.size(); }

 private:
  const char* take(size_t n);
  std::string_view data_;
  size_t at_;
};

struct Message {
  MessageType type = MessageType::MethodCall;
  uint8_t flags = 0;
  uint32_t serial = 0;
  std::string path, interface, member, error_name, destination, sender, signature;
  std::optional<uint32_t> reply_serial;
  std::string body;  // marshalled, starting at an 8-aligned offset
};

// A whole message: the fixed header, the header fields, padding, the body.
std::string encode(const Message& m);
// How many bytes the message that starts `data` takes, once its first 16
// bytes are there (nullopt: fewer); throws for a header no peer should send.
std::optional<size_t> message_size(std::string_view data);
// Parses one whole message (message_size bytes).
Message decode(std::string_view data);

// The first string of an error's body, or "" (its message, by convention).
std::string error_text(const Message& m);
// Throws an error reply as "<error name>: <its message>".
[[noreturn]] void throw_reply(const Message& m);

}  // namespace ocirun::cgroups::dbus
