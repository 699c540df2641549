/*
 * The pod sandbox's process, for the test node's containerd (scripts/build-images.sh makes it the
 * image ix.local/pause). A pod's sandbox only has to hold its namespaces open: it sleeps until a
 * signal, reaps any child that is re-parented to it (it is PID 1 of the pod's PID namespace when the
 * pod shares one), and exits on SIGTERM or SIGINT as the runtime asks. Built static, so the image is
 * this one file.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { (void)sig; _exit(0); }

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int main(void) {
  struct sigaction stop = {.sa_handler = quit}, child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP | SA_RESTART};
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
  return 0;
}
