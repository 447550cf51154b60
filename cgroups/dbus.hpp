// A D-Bus connection to systemd: its private socket (/run/systemd/private,
// root's, no bus daemon in the way), else the system bus. Authenticates
// (EXTERNAL, as the caller's uid), calls methods and waits for signals, with
// a time limit on every wait. The wire format is in dbus_wire.hpp.
#pragma once

#include <deque>
#include <functional>
#include <string>

#include "cgroups/dbus_wire.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::cgroups::dbus {

class Connection {
 public:
  // systemd's private socket, else the system bus; throws naming both when
  // neither answers ("systemd is not reachable").
  static Connection to_systemd();
  // An open socket to a peer (a test's), `bus` when it is a bus daemon
  // (which wants Hello, and a destination on every call).
  Connection(UniqueFd fd, bool bus, int timeout_ms = 30000);

  // Calls a method of systemd's and returns the reply; an error reply throws
  // "<error name>: <its message>".
  Message call(const std::string& path, const std::string& interface, const std::string& member,
               const std::string& signature = {}, const std::string& body = {});
  // The same, returning an error reply as it is (MessageType::Error): for
  // an error that is expected, where a throw would page in the unwinder.
  Message exchange(const std::string& path, const std::string& interface, const std::string& member,
                   const std::string& signature = {}, const std::string& body = {});
  // Makes sure systemd's JobRemoved signals reach this connection, once: on
  // the system bus a match rule (the bus daemon routes a signal only to
  // those who asked) and systemd's Subscribe (it emits none on the bus
  // before); on the private socket systemd sends every signal to every
  // connection, so nothing (a round trip saved).
  void watch_jobs();
  // Reads until a signal for which `match` is true (signals that came in
  // during calls are looked at first).
  Message wait_signal(const std::function<bool(const Message&)>& match);

 private:
  void authenticate();
  void write_all(const std::string& data);
  Message receive();
  void fill(size_t want);

  UniqueFd fd_;
  bool bus_ = false;
  bool watching_ = false;
  int timeout_ms_ = 30000;
  uint32_t serial_ = 0;
  std::string in_;               // bytes read and not yet consumed
  std::deque<Message> signals_;  // signals that came in while waiting for a reply
};

}  // namespace ocirun::cgroups::dbus
