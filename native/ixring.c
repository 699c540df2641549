// The io_uring engine's ring (ADR 0019), one per elastic thread, on raw system calls (no liburing:
// nothing to install on the machines or in the image). What it does for JS:
//   - multishot receives into a provided-buffer ring whose memory is an ArrayBuffer JS parses in
//     place; the buffers of one dispatch go back to the kernel when the JS callback has returned;
//   - sends (a send of one chunk, sendmsg over several; JS keeps them alive until their completion)
//     queued as submission entries and submitted together: one io_uring_enter per dispatch, however
//     many connections answered in it;
//   - the kernel's work for the ring (receiving, completing) is deferred to this thread's own calls
//     (DEFER_TASKRUN): nothing interrupts JS, and it is done in batches when the thread enters;
//   - completions wake the thread's libuv loop through an eventfd registered with the ring and
//     watched with a uv_poll_t, so timers, messages and the control API go on as before.
// Completions reach JS as [kind, token, res, flags] quadruples in one Int32Array: one call into JS
// per wake-up, in which JS asks for the completions its own sends bring (ringNext) until none come.
#include "ixring.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#define SQ_ENTRIES 1024
#define CQ_ENTRIES 16384
/** Completions handed to JS per call (the Int32Array holds 4 ints each). */
#define BATCH_CQES 1024
#define BUFFER_GROUP 0
/** sendmsg's iovec limit (IOV_MAX). */
#define MAX_IOV 1024
/** Sends of up to this many chunks (nearly all: a batch's answers are a few chunks) take a pooled
 * record instead of a malloc and a free each; larger ones are allocated to size. */
#define POOLED_IOV 8
/** Pooled records kept while no send uses them: bounds a thread's idle memory (~50 KiB). */
#define POOL_MAX 256

/** What a completion finished; JS switches on these (engine-uring.ts keeps the same numbers). */
enum { KIND_RECV = 1, KIND_SEND = 2, KIND_CANCEL = 3 };

/** A send in flight: the message header and iovecs must live until its completion. */
struct send_op {
  uint32_t token;
  /** The iovecs it has room for (POOLED_IOV: it goes back to the pool). */
  uint32_t cap;
  /** The next free record, while pooled. */
  struct send_op *next;
  struct msghdr msg;
  struct iovec iov[];
};

struct ring {
  int fd;
  /** Signalled by the kernel when there is work for the ring; what the loop watches. */
  int evfd;
  unsigned sq_mask, cq_mask, sq_entries;
  unsigned *sq_khead, *sq_ktail, *sq_kflags, *sq_array;
  unsigned *cq_khead, *cq_ktail, *cq_kflags;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
  void *sq_map;
  size_t sq_map_len, sqes_len;
  unsigned sq_tail, sq_submitted;
  struct io_uring_buf_ring *bufs;
  size_t bufs_len;
  unsigned buf_count, buf_size, buf_tail;
  uint8_t *buf_mem;
  uint16_t *recycle;
  unsigned recycle_n;
  int32_t *out;
  /** Free send records (POOLED_IOV each), at most POOL_MAX. */
  struct send_op *pool;
  unsigned pooled;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback, buffers_ref, out_ref, resource_ref;
  napi_async_context async;
  int closed;
  /** While the JS callback runs: ringNext may hand it more completions. */
  int dispatching;
};

static int sys_setup(unsigned entries, struct io_uring_params *p) { return (int)syscall(__NR_io_uring_setup, entries, p); }
static int sys_enter(int fd, unsigned submit, unsigned min, unsigned flags) { return (int)syscall(__NR_io_uring_enter, fd, submit, min, flags, NULL, 0); }
static int sys_register(int fd, unsigned op, void *arg, unsigned n) { return (int)syscall(__NR_io_uring_register, fd, op, arg, n); }

static uint64_t tag(int kind, uint32_t token) { return ((uint64_t)token << 8) | ((uint64_t)kind << 1) | 1; }

/**
 * One io_uring_enter: submits what is queued and runs the ring's deferred work, which posts the
 * completions of what has happened since (receives that found bytes, sends done). It never waits.
 */
static void enter(struct ring *r) {
  for (;;) {
    int n = sys_enter(r->fd, r->sq_tail - r->sq_submitted, 0, IORING_ENTER_GETEVENTS);
    if (n >= 0) {
      r->sq_submitted += (unsigned)n;
      return;
    }
    // EINTR: again; EAGAIN/EBUSY (the kernel is short of memory): what is left goes with the next.
    if (errno != EINTR) return;
  }
}

/**
 * Whether completions signal the eventfd (not while a dispatch reaps them anyway). Turned on, it
 * is fenced against the work_pending() that follows: the kernel signals only for the first work
 * it defers to an empty list, so work it deferred while the eventfd was off must be seen there.
 */
static void set_eventfd(struct ring *r, int on) {
  unsigned f = __atomic_load_n(r->cq_kflags, __ATOMIC_RELAXED);
  f = on ? f & ~IORING_CQ_EVENTFD_DISABLED : f | IORING_CQ_EVENTFD_DISABLED;
  __atomic_store_n(r->cq_kflags, f, __ATOMIC_RELEASE);
  if (on) __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/**
 * Whether the kernel holds deferred work for the ring (bytes received, a send done late) that only
 * an io_uring_enter turns into completions: IORING_SQ_TASKRUN, which TASKRUN_FLAG has it keep. An
 * enter that would submit nothing and find nothing is a system call saved per wake-up.
 */
static int work_pending(struct ring *r) { return (__atomic_load_n(r->sq_kflags, __ATOMIC_ACQUIRE) & IORING_SQ_TASKRUN) != 0; }

static struct io_uring_sqe *get_sqe(struct ring *r) {
  unsigned head = __atomic_load_n(r->sq_khead, __ATOMIC_ACQUIRE);
  if (r->sq_tail - head >= r->sq_entries) {
    enter(r);
    head = __atomic_load_n(r->sq_khead, __ATOMIC_ACQUIRE);
    if (r->sq_tail - head >= r->sq_entries) return NULL;
  }
  struct io_uring_sqe *sqe = &r->sqes[r->sq_tail & r->sq_mask];
  memset(sqe, 0, sizeof *sqe);
  return sqe;
}

static void publish(struct ring *r) {
  r->sq_tail++;
  __atomic_store_n(r->sq_ktail, r->sq_tail, __ATOMIC_RELEASE);
}

static struct send_op *take_op(struct ring *r, uint32_t n) {
  struct send_op *op = r->pool;
  if (n <= POOLED_IOV && op) {
    r->pool = op->next;
    r->pooled--;
    return op;
  }
  uint32_t cap = n <= POOLED_IOV ? POOLED_IOV : n;
  op = malloc(sizeof *op + cap * sizeof(struct iovec));
  if (op) op->cap = cap;
  return op;
}

static void give_op(struct ring *r, struct send_op *op) {
  if (op->cap != POOLED_IOV || r->pooled >= POOL_MAX) {
    free(op);
    return;
  }
  op->next = r->pool;
  r->pool = op;
  r->pooled++;
}

static void free_pool(struct ring *r) {
  while (r->pool) {
    struct send_op *op = r->pool;
    r->pool = op->next;
    free(op);
  }
  r->pooled = 0;
}

static void add_buffer(struct ring *r, uint16_t bid) {
  struct io_uring_buf *b = &r->bufs->bufs[r->buf_tail & (r->buf_count - 1)];
  b->addr = (uint64_t)(uintptr_t)(r->buf_mem + (size_t)bid * r->buf_size);
  b->len = r->buf_size;
  b->bid = bid;
  r->buf_tail++;
}

static void recycle_buffers(struct ring *r) {
  if (r->recycle_n == 0) return;
  for (unsigned i = 0; i < r->recycle_n; i++) add_buffer(r, r->recycle[i]);
  r->recycle_n = 0;
  __atomic_store_n(&r->bufs->tail, (uint16_t)r->buf_tail, __ATOMIC_RELEASE);
}

/** Moves up to BATCH_CQES completions into the JS-visible array; returns how many. */
static unsigned reap(struct ring *r) {
  unsigned head = *r->cq_khead, n = 0;
  unsigned tail = __atomic_load_n(r->cq_ktail, __ATOMIC_ACQUIRE);
  while (head != tail && n < BATCH_CQES) {
    struct io_uring_cqe *c = &r->cqes[head & r->cq_mask];
    int32_t *q = r->out + 4 * n;
    if (c->user_data & 1) {
      q[0] = (int32_t)((c->user_data >> 1) & 0x7f);
      q[1] = (int32_t)(uint32_t)(c->user_data >> 8);
    } else {
      struct send_op *op = (struct send_op *)(uintptr_t)c->user_data;
      q[0] = KIND_SEND;
      q[1] = (int32_t)op->token;
      give_op(r, op);
    }
    q[2] = c->res;
    q[3] = (int32_t)c->flags;
    if (c->flags & IORING_CQE_F_BUFFER) r->recycle[r->recycle_n++] = (uint16_t)(c->flags >> IORING_CQE_BUFFER_SHIFT);
    head++;
    n++;
  }
  __atomic_store_n(r->cq_khead, head, __ATOMIC_RELEASE);
  return n;
}

static void dispatch(struct ring *r) {
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value resource, fn, arg, result;
  napi_get_reference_value(env, r->callback, &fn);
  napi_get_reference_value(env, r->resource_ref, &resource);
  uint64_t wakeups;
  // Resets the wakeup (EAGAIN: there was none). While dispatching, completions need none.
  if (read(r->evfd, &wakeups, sizeof wakeups) < 0 && errno != EAGAIN) wakeups = 0;
  int quiet = 1;
  set_eventfd(r, 0);
  for (;;) {
    if (r->closed) break;
    // Submits what the last callback queued (one enter for all its connections' answers) and runs
    // the ring's deferred work into completions; with neither, what is there is only reaped.
    if (r->sq_tail != r->sq_submitted || work_pending(r)) enter(r);
    unsigned n = reap(r);
    if (n == 0) {
      if (!quiet) break;
      // From here a completion wakes the loop again; one more look for what came before.
      quiet = 0;
      set_eventfd(r, 1);
      continue;
    }
    if (!quiet) {
      quiet = 1;
      set_eventfd(r, 0);
    }
    napi_create_uint32(env, n, &arg);
    // make_callback: promises and nextTicks queued by the callback run before libuv goes on. It
    // costs about as much as serving a request, so the callback takes the completions its sends
    // bring itself (ringNext), and a wake-up that carries one request makes one.
    r->dispatching = 1;
    napi_status st = napi_make_callback(env, r->async, resource, fn, 1, &arg, &result);
    r->dispatching = 0;
    if (st == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
    // Every buffer of this dispatch is the kernel's again: JS copied out what it keeps.
    if (!r->closed) recycle_buffers(r);
    if (quiet && r->sq_tail == r->sq_submitted) {
      // The callback queued nothing: the next look only finds what came meanwhile, so the
      // eventfd goes on first, and that look is the last.
      quiet = 0;
      set_eventfd(r, 1);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  dispatch((struct ring *)h->data);
}

static void free_ring(uv_handle_t *h) { free(h->data); }

static void close_ring(struct ring *r) {
  if (r->closed) return;
  r->closed = 1;
  uv_poll_stop(&r->poll);
  // Closing the ring cancels what is in flight; the send records of those are not freed (the
  // thread is ending).
  close(r->fd);
  close(r->evfd);
  munmap(r->bufs, r->bufs_len);
  munmap(r->sq_map, r->sq_map_len);
  munmap(r->sqes, r->sqes_len);
  free(r->recycle);
  free_pool(r);
  napi_delete_reference(r->env, r->callback);
  napi_delete_reference(r->env, r->buffers_ref);
  napi_delete_reference(r->env, r->out_ref);
  napi_delete_reference(r->env, r->resource_ref);
  napi_async_destroy(r->env, r->async);
  uv_close((uv_handle_t *)&r->poll, free_ring);
}

static void cleanup_hook(void *arg) { close_ring((struct ring *)arg); }

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/** Maps the rings of a set-up io_uring; 0 or an errno. */
static int map_rings(struct ring *r, struct io_uring_params *p) {
  size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
  size_t cq_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
  r->sq_map_len = sq_len > cq_len ? sq_len : cq_len;
  r->sq_map = mmap(NULL, r->sq_map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  if (r->sq_map == MAP_FAILED) return errno;
  r->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
  r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  if (r->sqes == MAP_FAILED) return errno;
  uint8_t *m = r->sq_map;
  r->sq_khead = (unsigned *)(m + p->sq_off.head);
  r->sq_ktail = (unsigned *)(m + p->sq_off.tail);
  r->sq_kflags = (unsigned *)(m + p->sq_off.flags);
  r->sq_mask = *(unsigned *)(m + p->sq_off.ring_mask);
  r->sq_entries = p->sq_entries;
  r->sq_array = (unsigned *)(m + p->sq_off.array);
  for (unsigned i = 0; i < p->sq_entries; i++) r->sq_array[i] = i;
  r->cq_khead = (unsigned *)(m + p->cq_off.head);
  r->cq_ktail = (unsigned *)(m + p->cq_off.tail);
  r->cq_kflags = (unsigned *)(m + p->cq_off.flags);
  r->cq_mask = *(unsigned *)(m + p->cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(m + p->cq_off.cqes);
  r->sq_tail = r->sq_submitted = *r->sq_ktail;
  return 0;
}

/** Sets up the ring and registers its provided buffers; 0 or an errno (with `what` naming the step). */
static int open_ring(struct ring *r, const char **what) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  // One thread submits and reaps, and the kernel's work for the ring waits for that thread's next
  // io_uring_enter instead of interrupting it (kernel 6.1); the ring's flags say when there is
  // such work (TASKRUN_FLAG), so that the thread enters only then.
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  p.cq_entries = CQ_ENTRIES;
  *what = "io_uring_setup";
  r->fd = sys_setup(SQ_ENTRIES, &p);
  if (r->fd < 0) return errno;
  *what = "io_uring features";
  // One mapping for both rings, and completions kept (not dropped) when the queue is full.
  if (!(p.features & IORING_FEAT_SINGLE_MMAP) || !(p.features & IORING_FEAT_NODROP)) return ENOTSUP;
  *what = "mmap";
  int err = map_rings(r, &p);
  if (err) return err;
  *what = "provided-buffer ring";
  r->bufs_len = r->buf_count * sizeof(struct io_uring_buf);
  r->bufs = mmap(NULL, r->bufs_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (r->bufs == MAP_FAILED) return errno;
  struct io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = (uint64_t)(uintptr_t)r->bufs;
  reg.ring_entries = r->buf_count;
  reg.bgid = BUFFER_GROUP;
  if (sys_register(r->fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) return errno;
  *what = "eventfd";
  r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (r->evfd < 0 || sys_register(r->fd, IORING_REGISTER_EVENTFD, &r->evfd, 1) < 0) return errno;
  *what = "io_uring opcodes";
  struct io_uring_probe *probe = calloc(1, sizeof *probe + 256 * sizeof(struct io_uring_probe_op));
  if (!probe) return ENOMEM;
  int ok = sys_register(r->fd, IORING_REGISTER_PROBE, probe, 256) == 0;
  int need[] = {IORING_OP_RECV, IORING_OP_SEND, IORING_OP_SENDMSG, IORING_OP_ASYNC_CANCEL};
  for (unsigned i = 0; ok && i < sizeof need / sizeof need[0]; i++)
    ok = need[i] <= probe->last_op && (probe->ops[need[i]].flags & IO_URING_OP_SUPPORTED);
  free(probe);
  return ok ? 0 : ENOTSUP;
}

// ringProbe(): null when this process can run the engine (set up a ring with its buffers, and
// complete a no-op through it), else why not ("io_uring_setup: Operation not permitted" under a
// seccomp filter that refuses it, ENOSYS on old kernels).
static napi_value RingProbe(napi_env env, napi_callback_info info) {
  (void)info;
  struct ring r;
  memset(&r, 0, sizeof r);
  r.fd = r.evfd = -1;
  r.buf_count = 2;
  const char *what;
  int err = open_ring(&r, &what);
  if (!err) {
    // A no-op through io_uring_enter, which a filter may refuse apart from io_uring_setup.
    what = "io_uring_enter";
    struct io_uring_sqe *sqe = get_sqe(&r);
    sqe->opcode = IORING_OP_NOP;
    publish(&r);
    if (sys_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS) < 0) err = errno;
  }
  if (r.bufs && r.bufs != MAP_FAILED) munmap(r.bufs, r.bufs_len);
  if (r.sq_map && r.sq_map != MAP_FAILED) munmap(r.sq_map, r.sq_map_len);
  if (r.sqes && r.sqes != MAP_FAILED) munmap(r.sqes, r.sqes_len);
  if (r.fd >= 0) close(r.fd);
  if (r.evfd >= 0) close(r.evfd);
  napi_value result;
  if (!err) {
    napi_get_null(env, &result);
    return result;
  }
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, err == ENOTSUP ? "not supported by this kernel" : strerror(err));
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &result);
  return result;
}

static struct ring *ring_arg(napi_env env, napi_value v) {
  struct ring *r = NULL;
  if (napi_get_value_external(env, v, (void **)&r) != napi_ok || !r || r->closed) {
    napi_throw_error(env, NULL, "not an open ring");
    return NULL;
  }
  return r;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "missing argument");
    return 0;
  }
  return 1;
}

/** The arguments of a call whose first is an open ring: the ring, or NULL with an exception thrown. */
static struct ring *ring_call(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  return args(env, info, want, argv) ? ring_arg(env, argv[0]) : NULL;
}

static int32_t int_at(napi_env env, napi_value *argv, int i) {
  int32_t v = -1;
  napi_get_value_int32(env, argv[i], &v);
  return v;
}

static void set_prop(napi_env env, napi_value obj, const char *name, napi_value v) { napi_set_named_property(env, obj, name, v); }

// ringCreate(onCompletions, bufferCount (power of 2), bufferSize) → { ring, buffers, completions }
static napi_value RingCreate(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  int32_t count = int_at(env, argv, 1), size = int_at(env, argv, 2);
  if (count < 2 || count > 32768 || (count & (count - 1)) || size < 64) {
    napi_throw_range_error(env, NULL, "bufferCount must be a power of 2 in 2..32768 and bufferSize at least 64");
    return NULL;
  }
  struct ring *r = calloc(1, sizeof *r);
  if (!r) return throw_errno(env, "ringCreate", ENOMEM);
  r->fd = r->evfd = -1;
  r->buf_count = (unsigned)count;
  r->buf_size = (unsigned)size;
  r->env = env;
  napi_value buffers, out_ab, out;
  void *mem, *out_mem;
  napi_create_arraybuffer(env, (size_t)count * (size_t)size, &mem, &buffers);
  napi_create_arraybuffer(env, BATCH_CQES * 4 * sizeof(int32_t), &out_mem, &out_ab);
  napi_create_typedarray(env, napi_int32_array, BATCH_CQES * 4, out_ab, 0, &out);
  r->buf_mem = mem;
  r->out = out_mem;
  r->recycle = calloc(BATCH_CQES, sizeof(uint16_t));
  const char *what;
  int err = r->recycle ? open_ring(r, &what) : ENOMEM;
  if (err) {
    if (r->fd >= 0) close(r->fd);
    if (r->evfd >= 0) close(r->evfd);
    free(r->recycle);
    free(r);
    return throw_errno(env, "ringCreate", err);
  }
  for (unsigned i = 0; i < r->buf_count; i++) add_buffer(r, (uint16_t)i);
  __atomic_store_n(&r->bufs->tail, (uint16_t)r->buf_tail, __ATOMIC_RELEASE);
  napi_create_reference(env, argv[0], 1, &r->callback);
  napi_create_reference(env, buffers, 1, &r->buffers_ref);
  napi_create_reference(env, out_ab, 1, &r->out_ref);
  napi_value name;
  napi_create_string_utf8(env, "ixring", NAPI_AUTO_LENGTH, &name);
  napi_value resource;
  napi_create_object(env, &resource);
  napi_async_init(env, resource, name, &r->async);
  // One resource object for every dispatch (make_callback's receiver), not one per wake-up.
  napi_create_reference(env, resource, 1, &r->resource_ref);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &r->poll, r->evfd);
  r->poll.data = r;
  uv_poll_start(&r->poll, UV_READABLE, on_poll);
  // An idle ring does not keep the thread alive; ringKeepAlive(true) while connections are open.
  uv_unref((uv_handle_t *)&r->poll);
  napi_add_env_cleanup_hook(env, cleanup_hook, r);
  napi_value obj, handle;
  napi_create_object(env, &obj);
  napi_create_external(env, r, NULL, NULL, &handle);
  set_prop(env, obj, "ring", handle);
  set_prop(env, obj, "buffers", buffers);
  set_prop(env, obj, "completions", out);
  return obj;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value full(napi_env env) { return throw_errno(env, "io_uring submission queue", EBUSY); }

// ringRecv(ring, fd, token): a multishot receive into the provided buffers.
static napi_value RingRecv(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  struct ring *r = ring_call(env, info, 3, argv);
  if (!r) return NULL;
  struct io_uring_sqe *sqe = get_sqe(r);
  if (!sqe) return full(env);
  sqe->opcode = IORING_OP_RECV;
  sqe->fd = int_at(env, argv, 1);
  sqe->ioprio = IORING_RECV_MULTISHOT;
  sqe->flags = IOSQE_BUFFER_SELECT;
  sqe->buf_group = BUFFER_GROUP;
  sqe->user_data = tag(KIND_RECV, (uint32_t)int_at(env, argv, 2));
  publish(r);
  return undefined(env);
}

// ringCancelRecv(ring, token): cancels the token's multishot receive (its last completion says so).
static napi_value RingCancelRecv(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct ring *r = ring_call(env, info, 2, argv);
  if (!r) return NULL;
  struct io_uring_sqe *sqe = get_sqe(r);
  if (!sqe) return full(env);
  uint32_t token = (uint32_t)int_at(env, argv, 1);
  sqe->opcode = IORING_OP_ASYNC_CANCEL;
  sqe->fd = -1;
  sqe->addr = tag(KIND_RECV, token);
  sqe->user_data = tag(KIND_CANCEL, token);
  publish(r);
  return undefined(env);
}

/** The bytes of chunks[i], or 0 with a TypeError thrown when it is not a Buffer. */
static int chunk_at(napi_env env, napi_value chunks, uint32_t i, struct iovec *iov) {
  napi_value v;
  napi_get_element(env, chunks, i, &v);
  if (napi_get_buffer_info(env, v, &iov->iov_base, &iov->iov_len) == napi_ok) return 1;
  napi_throw_type_error(env, NULL, "ringSend: chunks must be Buffers");
  return 0;
}

// ringSend(ring, fd, token, chunks: Buffer[], from) → chunks taken (at most MAX_IOV), one send.
// The caller keeps the chunks alive until the send's completion.
static napi_value RingSend(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  struct ring *r = ring_call(env, info, 5, argv);
  if (!r) return NULL;
  uint32_t len;
  napi_get_array_length(env, argv[3], &len);
  uint32_t from = (uint32_t)int_at(env, argv, 4);
  uint32_t n = len > from ? len - from : 0;
  if (n > MAX_IOV) n = MAX_IOV;
  uint32_t token = (uint32_t)int_at(env, argv, 2);
  int fd = int_at(env, argv, 1);
  struct io_uring_sqe *sqe = get_sqe(r);
  if (!sqe) return full(env);
  napi_value taken;
  napi_create_uint32(env, n, &taken);
  // WAITALL: a stream socket's short send is retried by the kernel, not completed short.
  sqe->msg_flags = MSG_NOSIGNAL | MSG_WAITALL;
  sqe->fd = fd;
  struct iovec one;
  if (n == 1) {
    if (!chunk_at(env, argv[3], from, &one)) return NULL;
  }
  if (n == 1 && one.iov_len <= INT32_MAX) {
    // One chunk (a batch of small answers is): a plain send, with no message header for the
    // kernel to copy in and no record to keep.
    sqe->opcode = IORING_OP_SEND;
    sqe->addr = (uint64_t)(uintptr_t)one.iov_base;
    sqe->len = (uint32_t)one.iov_len;
    sqe->user_data = tag(KIND_SEND, token);
    publish(r);
    return taken;
  }
  struct send_op *op = take_op(r, n);
  if (!op) return throw_errno(env, "ringSend", ENOMEM);
  if (n == 1) op->iov[0] = one;
  else
    for (uint32_t i = 0; i < n; i++)
      if (!chunk_at(env, argv[3], from + i, &op->iov[i])) {
        give_op(r, op);
        return NULL;
      }
  memset(&op->msg, 0, sizeof op->msg);
  op->msg.msg_iov = op->iov;
  op->msg.msg_iovlen = n;
  op->token = token;
  sqe->opcode = IORING_OP_SENDMSG;
  sqe->addr = (uint64_t)(uintptr_t)&op->msg;
  sqe->len = 1;
  sqe->user_data = (uint64_t)(uintptr_t)op;
  publish(r);
  return taken;
}

// ringSubmit(ring): submits what is queued (outside a dispatch, which submits on its own).
static napi_value RingSubmit(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct ring *r = ring_call(env, info, 1, argv);
  if (!r) return NULL;
  enter(r);
  return undefined(env);
}

// ringNext(ring) → completions: from the JS callback, once it has served the completions it was
// handed (their buffers go back to the kernel now): submits what it queued, in one io_uring_enter
// that also runs the deferred work, and hands it the completions there are then (a send done at
// once is one) in the same array. 0 when none (the dispatch then looks once more with the eventfd
// back on); with nothing to submit and no deferred work, no enter. Outside a dispatch, 0.
static napi_value RingNext(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct ring *r = ring_call(env, info, 1, argv);
  if (!r) return NULL;
  unsigned n = 0;
  if (r->dispatching) {
    recycle_buffers(r);
    if (r->sq_tail != r->sq_submitted || work_pending(r)) enter(r);
    n = reap(r);
  }
  napi_value v;
  napi_create_uint32(env, n, &v);
  return v;
}

// ringKeepAlive(ring, on): whether the ring keeps the thread's loop alive (while it has connections).
static napi_value RingKeepAlive(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct ring *r = ring_call(env, info, 2, argv);
  if (!r) return NULL;
  bool on = false;
  napi_get_value_bool(env, argv[1], &on);
  if (on) uv_ref((uv_handle_t *)&r->poll);
  else uv_unref((uv_handle_t *)&r->poll);
  return undefined(env);
}

// ringClose(ring): closes the ring (what is in flight is cancelled by the kernel).
static napi_value RingClose(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct ring *r = ring_call(env, info, 1, argv);
  if (!r) return NULL;
  napi_remove_env_cleanup_hook(env, cleanup_hook, r);
  close_ring(r);
  return undefined(env);
}

// closeFd(fd) / shutdownFd(fd) / socketPeer(fd): for descriptors the ring serves, which no Node handle owns.
static napi_value CloseFd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  if (close(int_at(env, argv, 0)) != 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return undefined(env);
}

static napi_value ShutdownFd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  // ENOTCONN: the peer is gone already, which is what shutting down wanted.
  if (shutdown(int_at(env, argv, 0), SHUT_RDWR) != 0 && errno != ENOTCONN) return throw_errno(env, "shutdown", errno);
  return undefined(env);
}

/** Sets `<prefix>Address` and `<prefix>Port` of obj from a socket address (IPv4 or IPv6). */
static void set_address(napi_env env, napi_value obj, const char *addr_key, const char *port_key, struct sockaddr_storage *sa) {
  char text[INET6_ADDRSTRLEN];
  uint16_t port;
  if (sa->ss_family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (sa->ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  } else {
    return;
  }
  napi_value v;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  set_prop(env, obj, addr_key, v);
  napi_create_uint32(env, port, &v);
  set_prop(env, obj, port_key, v);
}

// socketPeer(fd) → { remoteAddress, remotePort, localAddress, localPort } (those known).
static napi_value SocketPeer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  int fd = int_at(env, argv, 0);
  napi_value obj;
  napi_create_object(env, &obj);
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getpeername(fd, (struct sockaddr *)&sa, &len) == 0) set_address(env, obj, "remoteAddress", "remotePort", &sa);
  len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0) set_address(env, obj, "localAddress", "localPort", &sa);
  return obj;
}

// Enumerable, so that a copy of the exports ({ ...native }, as a test makes) has them too.
void ixring_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"ringProbe", NULL, RingProbe, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringCreate", NULL, RingCreate, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringRecv", NULL, RingRecv, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringCancelRecv", NULL, RingCancelRecv, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringSend", NULL, RingSend, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringSubmit", NULL, RingSubmit, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringNext", NULL, RingNext, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringKeepAlive", NULL, RingKeepAlive, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringClose", NULL, RingClose, NULL, NULL, NULL, napi_enumerable, NULL},
    {"closeFd", NULL, CloseFd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"shutdownFd", NULL, ShutdownFd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"socketPeer", NULL, SocketPeer, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
