// Seccomp user notification (SCMP_ACT_NOTIFY): the runtime hands the filter's
// notify fd to the agent listening at linux.seccomp.listenerPath, with the
// container process state the runtime-spec describes.
#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

namespace ocirun::seccomp {

// Pure: the "container process state" document sent with the fd:
// ociVersion, fds ["seccompFd"], pid, metadata (listenerMetadata), state.
nlohmann::json process_state(pid_t pid, const std::string& metadata, const nlohmann::json& state);

// Effects: connects to the unix socket `listener_path` and sends `state` with
// `notify_fd` attached (SCM_RIGHTS). Throws naming linux.seccomp.listenerPath.
void send_to_listener(const std::string& listener_path, int notify_fd, const std::string& state);

}  // namespace ocirun::seccomp
