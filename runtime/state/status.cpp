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
    case Status::Stopped:
      return "stopped";
  }
  return "unknown";
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
          {"annotations", r.annotations}};
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
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed state record: ") + e.what());
  }
}

Status derive_status(const Record& r, const std::optional<sys::ProcStat>& init, bool fifo_exists) {
  bool alive = r.pid > 0 && init && init->start_time == r.start_time && init->state != 'Z' &&
               init->state != 'X';
  if (!alive) return Status::Stopped;
  if (r.phase == "creating") return Status::Creating;
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
