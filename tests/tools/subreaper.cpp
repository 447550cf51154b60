// subreaper: stands in for an engine's monitor (conmon, containerd's shim),
// which is a child subreaper and reaps what the runtime leaves to it.
//   subreaper COMMAND [ARGS...]
// Becomes a child subreaper, runs COMMAND and waits for it, then waits for
// every process reparented to it. For each process it reaps it prints one line
// "PID exited N" or "PID killed N", the command's first. Exits with 0 once no
// child is left, or 2 when it could not run COMMAND.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: subreaper COMMAND [ARGS...]\n");
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    std::perror("subreaper: prctl");
    return 2;
  }
  pid_t cmd = fork();
  if (cmd < 0) {
    std::perror("subreaper: fork");
    return 2;
  }
  if (cmd == 0) {
    execvp(argv[1], argv + 1);
    std::perror("subreaper: exec");
    _exit(127);
  }
  int status;
  // The command first, then whatever it left behind, in the order they end.
  for (pid_t want = cmd;; want = -1) {
    pid_t pid = waitpid(want, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nobody left
    }
    if (WIFEXITED(status))
      std::printf("%d exited %d\n", pid, WEXITSTATUS(status));
    else
      std::printf("%d killed %d\n", pid, WTERMSIG(status));
    std::fflush(stdout);
  }
  return 0;
}
