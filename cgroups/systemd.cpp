#include "cgroups/systemd.hpp"

#include "runtime/sys/error.hpp"

namespace ocirun::cgroups::systemd {
namespace {

constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

// The job's path from a reply whose body is "o".
std::string job_of(const dbus::Message& reply) {
  if (reply.signature != "o") throw Error("D-Bus: a job reply of signature " + reply.signature);
  return dbus::Reader(reply.body).string();
}

// Waits for JobRemoved(u id, o job, s unit, s result) of `job`; returns the result.
std::string wait_job(dbus::Connection& c, const std::string& job) {
  std::string result;
  c.wait_signal([&](const dbus::Message& m) {
    if (m.member != "JobRemoved" || m.signature != "uoss") return false;
    dbus::Reader r(m.body);
    r.u32();
    if (r.string() != job) return false;
    r.string();
    result = r.string();
    return true;
  });
  return result;
}

// Watches for JobRemoved (it may come right after the reply), calls
// `member`, which starts a job, and returns how the job ended.
std::string run_job(dbus::Connection& c, const std::string& member, const std::string& signature,
                    const std::string& body, bool* accepted = nullptr) {
  c.watch_jobs();
  std::string job = job_of(c.call(kPath, kManager, member, signature, body));
  if (accepted) *accepted = true;
  return wait_job(c, job);
}

void check_job(const std::string& result, const std::string& what, const Unit& unit) {
  if (result != "done")
    throw Error("systemd: " + what + " unit " + unit.name + ": its job ended \"" + result +
                    "\" (journalctl -u " + unit.name + ")",
                EIO);
}

std::string context(const std::string& what, const Unit& unit) {
  return "systemd: " + what + " unit " + unit.name;
}

}  // namespace

void start_unit(dbus::Connection& c, const Unit& unit, std::vector<Property> props, pid_t pid,
                bool* made) {
  props.push_back({"PIDs", "au", std::vector<uint32_t>{static_cast<uint32_t>(pid)}, ""});
  dbus::Writer w;
  w.string(unit.name);
  w.string("fail");
  w.properties(props);
  size_t aux = w.begin_array(8);  // a(sa(sv)): no auxiliary units
  w.end_array(aux);
  std::string result = with_context(context("starting", unit), [&] {
    return run_job(c, "StartTransientUnit", "ssa(sv)a(sa(sv))", w.bytes(), made);
  });
  check_job(result, "starting", unit);
}

void set_properties(dbus::Connection& c, const Unit& unit, const std::vector<Property>& props) {
  if (props.empty()) return;
  dbus::Writer w;
  w.string(unit.name);
  w.boolean(true);  // runtime: gone with the unit
  w.properties(props);
  with_context(context("updating", unit),
               [&] { c.call(kPath, kManager, "SetUnitProperties", "sba(sv)", w.bytes()); });
}

void stop_unit(dbus::Connection& c, const Unit& unit) {
  dbus::Writer w;
  w.string(unit.name);
  w.string("replace");
  std::string result = with_context(context("stopping", unit), [&]() -> std::string {
    c.watch_jobs();
    // A unit that is gone is no error, and no throw (the unwinder's pages).
    dbus::Message reply = c.exchange(kPath, kManager, "StopUnit", "ss", w.bytes());
    if (reply.type != dbus::MessageType::Error) return wait_job(c, job_of(reply));
    if (reply.error_name != "org.freedesktop.systemd1.NoSuchUnit") dbus::throw_reply(reply);
    return "done";
  });
  check_job(result, "stopping", unit);
  reset_failed(c, unit);
}

void reset_failed(dbus::Connection& c, const Unit& unit) {
  dbus::Writer r;
  r.string(unit.name);
  // An error reply (not failed, or gone) is no failure.
  c.exchange(kPath, kManager, "ResetFailedUnit", "s", r.bytes());
}

}  // namespace ocirun::cgroups::systemd
