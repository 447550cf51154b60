#include "runtime/spec/tables.hpp"
#include "runtime/state/state.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::state {

std::string_view status_name(Status s) {
  switch (s) {
    case Status::Creating:
      return "creating";
    case Status::Created:
      return "created";
    case Status::Running:
      return "running";
    case Status::Paused:
      return "paused";
    case Status::Stopped:
      return "stopped";
  }
  return "unknown";
}

namespace {

nlohmann::json hooks_to_json(const std::vector<spec::Hook>& hooks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : hooks) {
    nlohmann::json j = {{"path", h.path}, {"args", h.args}, {"env", h.env}};
    if (h.timeout) j["timeout"] = *h.timeout;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<spec::Hook> hooks_from_json(const nlohmann::json& j) {
  std::vector<spec::Hook> out;
  for (const auto& h : j) {
    spec::Hook hook;
    hook.path = h.at("path").get<std::string>();
    hook.args = h.at("args").get<std::vector<std::string>>();
    hook.env = h.at("env").get<std::vector<std::string>>();
    if (h.contains("timeout")) hook.timeout = h.at("timeout").get<int>();
    out.push_back(std::move(hook));
  }
  return out;
}

}  // namespace

std::string hook_state(const Record& r, Status s) {
  nlohmann::json j = state_document(r, s);
  j["pid"] = r.pid;  // hooks of every moment are told the init's pid
  return j.dump();
}

nlohmann::json record_to_json(const Record& r) {
  return {{"id", r.id},
          {"phase", r.phase},
          {"pid", r.pid},
          {"startTime", r.start_time},
          {"bundle", r.bundle},
          {"rootfs", r.rootfs},
          {"created", r.created},
          {"owner", r.owner},
          {"ownPidNamespace", r.own_pid_namespace},
          {"annotations", r.annotations},
          {"cgroup", r.cgroup},
          {"cgroupShared", r.cgroup_shared},
          {"cgroupUnit", r.cgroup_unit},
          {"hooks",
           {{"startContainer", hooks_to_json(r.hooks.start_container)},
            {"poststart", hooks_to_json(r.hooks.poststart)},
            {"poststop", hooks_to_json(r.hooks.poststop)}}}};
}

Record record_from_json(const nlohmann::json& j) {
  try {
    Record r;
    r.id = j.at("id").get<std::string>();
    r.phase = j.at("phase").get<std::string>();
    r.pid = j.at("pid").get<pid_t>();
    r.start_time = j.at("startTime").get<unsigned long long>();
    r.bundle = j.at("bundle").get<std::string>();
    r.rootfs = j.at("rootfs").get<std::string>();
    r.created = j.at("created").get<std::string>();
    r.owner = j.at("owner").get<std::string>();
    r.own_pid_namespace = j.at("ownPidNamespace").get<bool>();
    r.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
    r.cgroup = j.value("cgroup", "");
    r.cgroup_shared = j.value("cgroupShared", false);
    r.cgroup_unit = j.value("cgroupUnit", "");
    const auto& hooks = j.at("hooks");
    r.hooks.start_container = hooks_from_json(hooks.at("startContainer"));
    r.hooks.poststart = hooks_from_json(hooks.at("poststart"));
    r.hooks.poststop = hooks_from_json(hooks.at("poststop"));
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed state record: ") + e.what());
  }
}

Status derive_status(const Record& r, const std::optional<sys::ProcStat>& init, bool fifo_exists,
                     bool frozen) {
  if (r.pid == 0) return r.phase == "creating" ? Status::Creating : Status::Stopped;
  bool alive = r.pid > 0 && init && init->start_time == r.start_time && init->state != 'Z' &&
               init->state != 'X';
  if (!alive) return Status::Stopped;
  if (r.phase == "creating") return Status::Creating;
  if (frozen) return Status::Paused;
  return fifo_exists ? Status::Created : Status::Running;
}

nlohmann::json state_document(const Record& r, Status s) {
  nlohmann::json j = {{"ociVersion", spec::kOciVersion},
                      {"id", r.id},
                      {"pid", s == Status::Stopped ? 0 : r.pid},
                      {"status", status_name(s)},
                      {"bundle", r.bundle},
                      {"rootfs", r.rootfs},
                      {"created", r.created},
                      {"owner", r.owner}};
  if (!r.annotations.empty()) j["annotations"] = r.annotations;
  return j;
}

}  // namespace ocirun::state
