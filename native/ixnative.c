// The few Linux system calls the dataplane needs and Node does not offer (ADR 0008):
//   dup(fd)                          hand a connection's socket to another thread's event loop
//   setAffinity([cpu...]) / getAffinity()   pin the calling thread (an elastic thread) to its CPU
//   reusePortListen(host, port, backlog)    a listening socket with SO_REUSEPORT, so that every
//                                    elastic thread accepts on a socket of its own
// and the io_uring engine's ring (ixring.c, ADR 0019).
// Plain Node-API in C: no C++ runtime, no node-addon-api dependency, ABI-stable across Node versions.
#include <node_api.h>
#include "ixring.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int arg_int(napi_env env, napi_callback_info info, size_t want, napi_value *argv, int32_t *out) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "missing argument");
    return 0;
  }
  if (out && napi_get_value_int32(env, argv[0], out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an integer");
    return 0;
  }
  return 1;
}

static napi_value Dup(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!arg_int(env, info, 1, argv, &fd)) return NULL;
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return throw_errno(env, "dup");
  napi_value result;
  napi_create_int32(env, copy, &result);
  return result;
}

static napi_value SetAffinity(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_int(env, info, 1, argv, NULL)) return NULL;
  uint32_t n;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok || n == 0) {
    napi_throw_type_error(env, NULL, "expected a non-empty array of CPU ids");
    return NULL;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    int32_t cpu;
    napi_get_element(env, argv[0], i, &v);
    if (napi_get_value_int32(env, v, &cpu) != napi_ok || cpu < 0 || cpu >= CPU_SETSIZE) {
      napi_throw_range_error(env, NULL, "CPU id out of range");
      return NULL;
    }
    CPU_SET(cpu, &set);
  }
  // pid 0: the calling thread, which is what an elastic thread wants for itself.
  if (sched_setaffinity(0, sizeof set, &set) != 0) return throw_errno(env, "sched_setaffinity");
  return NULL;
}

static napi_value GetAffinity(napi_env env, napi_callback_info info) {
  (void)info;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return throw_errno(env, "sched_getaffinity");
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t k = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET(cpu, &set)) continue;
    napi_value v;
    napi_create_int32(env, cpu, &v);
    napi_set_element(env, arr, k++, v);
  }
  return arr;
}

static napi_value ReusePortListen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "expected (host, port, backlog)");
    return NULL;
  }
  char host[64];
  size_t len;
  int32_t port, backlog;
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &len) != napi_ok ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok || napi_get_value_int32(env, argv[2], &backlog) != napi_ok ||
      port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "expected (host: string, port: 0..65535, backlog: number)");
    return NULL;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    napi_throw_error(env, NULL, "reusePortListen: host must be an IPv4 address");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, backlog) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return throw_errno(env, "reusePortListen");
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"dup", NULL, Dup, NULL, NULL, NULL, napi_default, NULL},
    {"setAffinity", NULL, SetAffinity, NULL, NULL, NULL, napi_default, NULL},
    {"getAffinity", NULL, GetAffinity, NULL, NULL, NULL, napi_default, NULL},
    {"reusePortListen", NULL, ReusePortListen, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  ixring_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
