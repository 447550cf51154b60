#include "cgroups/dbus_wire.hpp"

#include <bit>
#include <cstring>

#include "runtime/sys/error.hpp"

namespace ocirun::cgroups::dbus {
namespace {

// Header field codes.
enum : uint8_t {
  kPath = 1,
  kInterface = 2,
  kMember = 3,
  kErrorName = 4,
  kReplySerial = 5,
  kDestination = 6,
  kSender = 7,
  kSignature = 8,
  kUnixFds = 9,
};

// The maximum message size the specification allows (128 MiB).
constexpr size_t kMaxMessage = size_t{1} << 27;

[[noreturn]] void malformed(const std::string& why) {
  throw Error("D-Bus: malformed message from systemd: " + why, EPROTO);
}

size_t alignment_of(char code) {
  switch (code) {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 4;  // b i u h s o a
  }
}

// The end of the single complete type that starts at sig[at].
size_t type_end(std::string_view sig, size_t at) {
  if (at >= sig.size()) malformed("truncated signature \"" + std::string(sig) + "\"");
  char c = sig[at];
  if (c == 'a') return type_end(sig, at + 1);
  if (c == '(' || c == '{') {
    char close = c == '(' ? ')' : '}';
    size_t i = at + 1;
    while (i < sig.size() && sig[i] != close) i = type_end(sig, i);
    if (i >= sig.size()) malformed("unclosed signature \"" + std::string(sig) + "\"");
    return i + 1;
  }
  return at + 1;
}

static_assert(std::endian::native == std::endian::little, "ocirun writes little-endian D-Bus");

}  // namespace

void Writer::align(size_t n) {
  while (out_.size() % n) out_ += '\0';
}

void Writer::byte(uint8_t v) {
  out_ += static_cast<char>(v);
}

void Writer::boolean(bool v) {
  u32(v ? 1 : 0);
}

void Writer::string(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  out_.append(s);
  out_ += '\0';
}

void Writer::signature(std::string_view s) {
  byte(static_cast<uint8_t>(s.size()));
  out_.append(s);
  out_ += '\0';
}

size_t Writer::begin_array(size_t element_alignment) {
  align(4);
  size_t at = out_.size();
  u32(0);
  align(element_alignment);  // padding before the first element is not counted
  starts_.push_back(out_.size());
  return at;
}

void Writer::end_array(size_t at) {
  size_t start = starts_.back();
  starts_.pop_back();
  uint32_t length = static_cast<uint32_t>(out_.size() - start);
  std::memcpy(out_.data() + at, &length, sizeof length);
}

namespace {

template <class T>
const T& as(const systemd::Value& v, std::string_view sig) {
  if (!std::holds_alternative<T>(v))
    throw Error("D-Bus: a value does not fit signature \"" + std::string(sig) + "\"", EINVAL);
  return std::get<T>(v);
}

}  // namespace

void Writer::value(std::string_view sig, const systemd::Value& v) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  if (sig == "b") {
    boolean(as<bool>(v, sig));
  } else if (sig == "t") {
    u64(as<uint64_t>(v, sig));
  } else if (sig == "x") {
    i64(as<int64_t>(v, sig));
  } else if (sig == "u") {
    u32(as<uint32_t>(v, sig));
  } else if (sig == "i") {
    i32(as<int32_t>(v, sig));
  } else if (sig == "d") {
    f64(as<double>(v, sig));
  } else if (sig == "s" || sig == "o") {
    string(as<std::string>(v, sig));
  } else if (sig == "as") {
    size_t a = begin_array(4);
    for (const auto& s : as<std::vector<std::string>>(v, sig)) string(s);
    end_array(a);
  } else if (sig == "ay") {
    size_t a = begin_array(1);
    for (uint8_t b : as<std::vector<uint8_t>>(v, sig)) byte(b);
    end_array(a);
  } else if (sig == "au") {
    size_t a = begin_array(4);
    for (uint32_t u : as<std::vector<uint32_t>>(v, sig)) u32(u);
    end_array(a);
  } else if (sig == "a(ss)") {
    size_t a = begin_array(8);
    for (const auto& [x, y] : as<Pairs>(v, sig)) {
      begin_struct();
      string(x);
      string(y);
    }
    end_array(a);
  } else {
    throw Error("D-Bus: signature \"" + std::string(sig) + "\" is not one ocirun writes", EINVAL);
  }
}

void Writer::variant(std::string_view sig, const systemd::Value& v) {
  signature(sig);
  value(sig, v);
}

void Writer::properties(const std::vector<systemd::Property>& props) {
  size_t a = begin_array(8);
  for (const auto& p : props) {
    begin_struct();
    string(p.name);
    variant(p.signature, p.value);
  }
  end_array(a);
}

const char* Reader::take(size_t n) {
  if (n > data_.size() || at_ > data_.size() - n) malformed("truncated");
  const char* p = data_.data() + at_;
  at_ += n;
  return p;
}

void Reader::align(size_t n) {
  size_t pad = (n - at_ % n) % n;
  const char* p = take(pad);
  for (size_t i = 0; i < pad; ++i)
    if (p[i] != 0) malformed("non-zero padding");
}

uint8_t Reader::byte() {
  return static_cast<uint8_t>(*take(1));
}

bool Reader::boolean() {
  uint32_t v = u32();
  if (v > 1) malformed("a boolean that is not 0 or 1");
  return v == 1;
}

uint32_t Reader::u32() {
  align(4);
  uint32_t v;
  std::memcpy(&v, take(4), 4);
  return v;
}

uint64_t Reader::u64() {
  align(8);
  uint64_t v;
  std::memcpy(&v, take(8), 8);
  return v;
}

std::string Reader::string() {
  uint32_t n = u32();
  const char* p = take(size_t{n} + 1);
  if (p[n] != '\0') malformed("a string without its terminating NUL");
  return std::string(p, n);
}

std::string Reader::signature() {
  uint8_t n = byte();
  const char* p = take(size_t{n} + 1);
  if (p[n] != '\0') malformed("a signature without its terminating NUL");
  return std::string(p, n);
}

void Reader::skip(std::string_view sig) {
  for (size_t i = 0; i < sig.size();) {
    size_t end = type_end(sig, i);
    std::string_view one = sig.substr(i, end - i);
    switch (one[0]) {
      case 'y':
      case 'g':
        if (one[0] == 'y')
          byte();
        else
          signature();
        break;
      case 'n':
      case 'q':
        align(2);
        take(2);
        break;
      case 'x':
      case 't':
      case 'd':
        u64();
        break;
      case 's':
      case 'o':
        string();
        break;
      case 'v':
        skip(signature());
        break;
      case 'a': {
        uint32_t n = u32();
        align(alignment_of(one[1]));
        size_t stop = at_ + n;
        if (n > data_.size() - at_) malformed("an array longer than its message");
        while (at_ < stop) skip(one.substr(1));
        if (at_ != stop) malformed("an array whose elements overrun it");
        break;
      }
      case '(':
      case '{':
        align(8);
        skip(one.substr(1, one.size() - 2));
        break;
      default:  // b i u h
        u32();
        break;
    }
    i = end;
  }
}

std::string encode(const Message& m) {
  Writer h;
  h.byte('l');
  h.byte(static_cast<uint8_t>(m.type));
  h.byte(m.flags);
  h.byte(1);
  h.u32(static_cast<uint32_t>(m.body.size()));
  h.u32(m.serial);
  size_t fields = h.begin_array(8);
  auto field = [&](uint8_t code, std::string_view sig, const std::string& v) {
    if (v.empty()) return;
    h.begin_struct();
    h.byte(code);
    h.signature(sig);
    if (sig == "g")
      h.signature(v);
    else
      h.string(v);
  };
  field(kPath, "o", m.path);
  field(kInterface, "s", m.interface);
  field(kMember, "s", m.member);
  field(kErrorName, "s", m.error_name);
  if (m.reply_serial) {
    h.begin_struct();
    h.byte(kReplySerial);
    h.signature("u");
    h.u32(*m.reply_serial);
  }
  field(kDestination, "s", m.destination);
  field(kSignature, "g", m.signature);
  h.end_array(fields);
  h.align(8);
  return h.bytes() + m.body;
}

std::optional<size_t> message_size(std::string_view data) {
  if (data.size() < 16) return std::nullopt;
  if (data[0] != 'l') malformed("not little endian");  // systemd on this host never sends 'B'
  uint32_t body, fields;
  std::memcpy(&body, data.data() + 4, 4);
  std::memcpy(&fields, data.data() + 12, 4);
  size_t header = (16 + size_t{fields} + 7) / 8 * 8;
  if (body > kMaxMessage || fields > kMaxMessage) malformed("too large");
  return header + body;
}

Message decode(std::string_view data) {
  Message m;
  Reader r(data);
  if (r.byte() != 'l') malformed("not little endian");
  m.type = static_cast<MessageType>(r.byte());
  m.flags = r.byte();
  if (r.byte() != 1) malformed("protocol version is not 1");
  uint32_t body = r.u32();
  m.serial = r.u32();
  uint32_t fields = r.u32();
  size_t stop = r.offset() + fields;
  if (fields > data.size()) malformed("header fields past the end");
  while (r.offset() < stop) {
    r.align(8);
    uint8_t code = r.byte();
    std::string sig = r.signature();
    if ((sig == "o" || sig == "s") &&
        (code == kPath || code == kInterface || code == kMember || code == kErrorName ||
         code == kDestination || code == kSender)) {
      std::string v = r.string();
      switch (code) {
        case kPath:
          m.path = v;
          break;
        case kInterface:
          m.interface = v;
          break;
        case kMember:
          m.member = v;
          break;
        case kErrorName:
          m.error_name = v;
          break;
        case kDestination:
          m.destination = v;
          break;
        default:
          m.sender = v;
          break;
      }
    } else if (code == kSignature && sig == "g") {
      m.signature = r.signature();
    } else if (code == kReplySerial && sig == "u") {
      m.reply_serial = r.u32();
    } else {
      r.skip(sig);  // kUnixFds and fields of later versions
    }
  }
  r.align(8);
  if (data.size() - r.offset() != body) malformed("the body's length does not match");
  m.body = std::string(data.substr(r.offset()));
  return m;
}

std::string error_text(const Message& m) {
  if (!m.signature.starts_with('s')) return "";
  try {
    return Reader(m.body).string();
  } catch (const Error&) {
    return "";
  }
}

void throw_reply(const Message& m) {
  std::string text = error_text(m);
  throw Error(m.error_name + (text.empty() ? "" : ": " + text), EIO);
}

}  // namespace ocirun::cgroups::dbus
