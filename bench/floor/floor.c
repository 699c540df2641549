// The floor reference of the dataplane benchmark: the least a memcached server on io_uring can do
// per request on this kernel. One thread, one ring: a multishot accept, a multishot receive per
// connection into a ring of provided buffers, and every response of a batch of completions sent
// with one io_uring_enter. It answers each text request with a fixed valid response and does no
// work: a get of keys gets "VALUE <key> 0 <n>" with a fixed value per key and END, a set gets
// STORED once its data block has passed, version gets VERSION, anything else ERROR. Whatever CPU
// it uses per request is the kernel's (TCP on loopback, io_uring) plus parsing: what the kernel
// allows a server. Raw system calls, no liburing: nothing to install beyond the kernel headers.
//
//   floor -p PORT [-l ADDR] [-v VALUE_BYTES]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RING_ENTRIES 4096
#define BUF_COUNT 4096 /* a power of two: the provided-buffer ring's size */
#define BUF_SIZE 4096
#define BUF_GROUP 0
#define MAX_FDS 65536
#define MAX_LINE 2048

enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3 };
#define USER_DATA(op, fd) (((uint64_t)(op) << 32) | (uint32_t)(fd))

struct out { char *data; size_t len, cap; };

struct conn {
  int fd;
  /* An unfinished request line carried over from the previous receive. */
  char line[MAX_LINE];
  size_t line_len;
  /* Bytes of a set's data block (and its CRLF) still to pass over. */
  size_t skip;
  /* Responses gathered in this batch, and the buffer the kernel is sending (must stay put). */
  struct out pending, sending;
  size_t sent;
  int send_inflight, recv_armed, closing, queued;
};

static struct {
  int fd;
  unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
  unsigned to_submit;
} ring;

static struct io_uring_buf_ring *bufs;
static char *buf_mem;
static unsigned short buf_tail;
static struct conn *conns[MAX_FDS];
static struct conn *queue[MAX_FDS];
static size_t queued;
static int listen_fd;
static size_t value_bytes = 32;
static char *value;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int enter(unsigned submit, unsigned wait) {
  return (int)syscall(__NR_io_uring_enter, ring.fd, submit, wait, wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
}

static void submit_pending(unsigned wait) {
  for (;;) {
    int r = enter(ring.to_submit, wait);
    if (r >= 0) {
      ring.to_submit -= (unsigned)r;
      return;
    }
    if (errno != EINTR && errno != EAGAIN && errno != EBUSY) die("io_uring_enter");
    if (errno != EINTR) wait = 0;
  }
}

static struct io_uring_sqe *sqe(void) {
  unsigned tail = *ring.sq_tail;
  if (tail - __atomic_load_n(ring.sq_head, __ATOMIC_ACQUIRE) >= RING_ENTRIES) {
    submit_pending(0);
    tail = *ring.sq_tail;
  }
  unsigned i = tail & *ring.sq_mask;
  struct io_uring_sqe *s = &ring.sqes[i];
  memset(s, 0, sizeof *s);
  ring.sq_array[i] = i;
  __atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
  ring.to_submit++;
  return s;
}

static void setup_ring(void) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  p.cq_entries = RING_ENTRIES * 4;
  p.flags |= IORING_SETUP_CQSIZE;
  ring.fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  if (ring.fd < 0) die("io_uring_setup");
  if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
    fprintf(stderr, "floor: this kernel lacks IORING_FEAT_SINGLE_MMAP\n");
    exit(1);
  }
  size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  size_t len = sq_len > cq_len ? sq_len : cq_len;
  char *rings = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQ_RING);
  if (rings == MAP_FAILED) die("mmap rings");
  ring.sq_head = (unsigned *)(rings + p.sq_off.head);
  ring.sq_tail = (unsigned *)(rings + p.sq_off.tail);
  ring.sq_mask = (unsigned *)(rings + p.sq_off.ring_mask);
  ring.sq_array = (unsigned *)(rings + p.sq_off.array);
  ring.cq_head = (unsigned *)(rings + p.cq_off.head);
  ring.cq_tail = (unsigned *)(rings + p.cq_off.tail);
  ring.cq_mask = (unsigned *)(rings + p.cq_off.ring_mask);
  ring.cqes = (struct io_uring_cqe *)(rings + p.cq_off.cqes);
  ring.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQES);
  if (ring.sqes == MAP_FAILED) die("mmap sqes");
}

static void buf_return(unsigned short id) {
  struct io_uring_buf *b = &bufs->bufs[buf_tail & (BUF_COUNT - 1)];
  b->addr = (uint64_t)(uintptr_t)(buf_mem + (size_t)id * BUF_SIZE);
  b->len = BUF_SIZE;
  b->bid = id;
  buf_tail++;
}

static void buf_commit(void) {
  __atomic_store_n(&bufs->tail, buf_tail, __ATOMIC_RELEASE);
}

static void setup_buffers(void) {
  size_t ring_len = BUF_COUNT * sizeof(struct io_uring_buf);
  bufs = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  buf_mem = mmap(NULL, (size_t)BUF_COUNT * BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (bufs == MAP_FAILED || buf_mem == MAP_FAILED) die("mmap buffers");
  struct io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = (uint64_t)(uintptr_t)bufs;
  reg.ring_entries = BUF_COUNT;
  reg.bgid = BUF_GROUP;
  if (syscall(__NR_io_uring_register, ring.fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) die("IORING_REGISTER_PBUF_RING");
  for (unsigned i = 0; i < BUF_COUNT; i++) buf_return((unsigned short)i);
  buf_commit();
}

static void arm_accept(void) {
  struct io_uring_sqe *s = sqe();
  s->opcode = IORING_OP_ACCEPT;
  s->fd = listen_fd;
  s->ioprio = IORING_ACCEPT_MULTISHOT;
  s->user_data = USER_DATA(OP_ACCEPT, listen_fd);
}

static void arm_recv(struct conn *c) {
  struct io_uring_sqe *s = sqe();
  s->opcode = IORING_OP_RECV;
  s->fd = c->fd;
  s->ioprio = IORING_RECV_MULTISHOT;
  s->flags = IOSQE_BUFFER_SELECT;
  s->buf_group = BUF_GROUP;
  s->user_data = USER_DATA(OP_RECV, c->fd);
  c->recv_armed = 1;
}

static void out_put(struct out *o, const char *p, size_t n) {
  if (o->len + n > o->cap) {
    o->cap = (o->len + n) * 2;
    o->data = realloc(o->data, o->cap);
    if (!o->data) die("realloc");
  }
  memcpy(o->data + o->len, p, n);
  o->len += n;
}

#define PUT_LITERAL(o, s) out_put((o), (s), sizeof(s) - 1)

static void enqueue(struct conn *c) {
  if (c->queued) return;
  c->queued = 1;
  queue[queued++] = c;
}

/* One request line, without its CRLF. */
static void request(struct conn *c, const char *l, size_t n) {
  struct out *o = &c->pending;
  if (n >= 4 && (memcmp(l, "get ", 4) == 0 || memcmp(l, "gets", 4) == 0)) {
    const char *p = memchr(l, ' ', n), *end = l + n;
    char header[64];
    while (p && p < end) {
      while (p < end && *p == ' ') p++;
      const char *k = p;
      while (p < end && *p != ' ') p++;
      if (p == k) break;
      PUT_LITERAL(o, "VALUE ");
      out_put(o, k, (size_t)(p - k));
      out_put(o, header, (size_t)snprintf(header, sizeof header, " 0 %zu\r\n", value_bytes));
      out_put(o, value, value_bytes);
      PUT_LITERAL(o, "\r\n");
    }
    PUT_LITERAL(o, "END\r\n");
  } else if (n >= 4 && memcmp(l, "set ", 4) == 0) {
    /* set <key> <flags> <exptime> <bytes> [noreply]: pass over the data block. */
    const char *p = l + n;
    int fields = 0;
    const char *f = l;
    for (const char *q = l; q < p && fields < 4; q++) if (*q == ' ') { fields++; f = q + 1; }
    c->skip = strtoul(f, NULL, 10) + 2;
    if (!memmem(l, n, " noreply", 8)) PUT_LITERAL(o, "STORED\r\n");
  } else if (n == 7 && memcmp(l, "version", 7) == 0) {
    PUT_LITERAL(o, "VERSION floor-1\r\n");
  } else {
    PUT_LITERAL(o, "ERROR\r\n");
  }
  enqueue(c);
}

static void received(struct conn *c, const char *p, size_t n) {
  const char *end = p + n;
  while (p < end) {
    if (c->skip) {
      size_t k = (size_t)(end - p) < c->skip ? (size_t)(end - p) : c->skip;
      p += k;
      c->skip -= k;
      continue;
    }
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    if (!lf) {
      size_t k = (size_t)(end - p);
      if (c->line_len + k > MAX_LINE) k = MAX_LINE - c->line_len; /* a runaway line is cut short */
      memcpy(c->line + c->line_len, p, k);
      c->line_len += k;
      return;
    }
    const char *l = p;
    size_t len = (size_t)(lf - p);
    if (c->line_len) {
      size_t k = len + c->line_len > MAX_LINE ? MAX_LINE - c->line_len : len;
      memcpy(c->line + c->line_len, p, k);
      l = c->line;
      len = c->line_len + k;
      c->line_len = 0;
    }
    if (len && l[len - 1] == '\r') len--;
    request(c, l, len);
    p = lf + 1;
  }
}

static void send_pending(struct conn *c) {
  if (c->send_inflight || c->pending.len == 0 || c->closing) return;
  struct out t = c->sending;
  c->sending = c->pending;
  c->pending = t;
  c->pending.len = 0;
  c->sent = 0;
  struct io_uring_sqe *s = sqe();
  s->opcode = IORING_OP_SEND;
  s->fd = c->fd;
  s->addr = (uint64_t)(uintptr_t)c->sending.data;
  s->len = (unsigned)c->sending.len;
  s->msg_flags = MSG_NOSIGNAL;
  s->user_data = USER_DATA(OP_SEND, c->fd);
  c->send_inflight = 1;
}

static void conn_free_if_done(struct conn *c) {
  if (!c->closing || c->send_inflight || c->recv_armed) return;
  conns[c->fd] = NULL;
  close(c->fd);
  free(c->pending.data);
  free(c->sending.data);
  free(c);
}

/* The caller frees it with conn_free_if_done once nothing of it is in flight. */
static void conn_close(struct conn *c) {
  if (c->closing) return;
  c->closing = 1;
  /* Ends the multishot receive: its last completion (no F_MORE) comes once the socket is shut. */
  shutdown(c->fd, SHUT_RDWR);
}

static void on_accept(struct io_uring_cqe *e) {
  if (!(e->flags & IORING_CQE_F_MORE)) arm_accept();
  if (e->res < 0) return;
  int fd = e->res;
  if (fd >= MAX_FDS) {
    close(fd);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct conn *c = calloc(1, sizeof *c);
  if (!c) die("calloc");
  c->fd = fd;
  conns[fd] = c;
  arm_recv(c);
}

static void on_recv(struct conn *c, struct io_uring_cqe *e) {
  if (!(e->flags & IORING_CQE_F_MORE)) c->recv_armed = 0;
  if (e->res > 0) {
    unsigned short id = (unsigned short)(e->flags >> IORING_CQE_BUFFER_SHIFT);
    if (!c->closing) received(c, buf_mem + (size_t)id * BUF_SIZE, (size_t)e->res);
    buf_return(id);
  } else if (e->res == -ENOBUFS && !c->closing) {
    /* Every buffer was in use: they are back once this batch is done; receive again then. */
  } else {
    conn_close(c);
  }
  if (!c->recv_armed && !c->closing) arm_recv(c);
  conn_free_if_done(c);
}

static void on_send(struct conn *c, struct io_uring_cqe *e) {
  c->send_inflight = 0;
  if (e->res < 0) {
    conn_close(c);
  } else if (c->sent + (size_t)e->res < c->sending.len && !c->closing) {
    /* A short send: the rest goes first, before what was gathered since. */
    c->sent += (size_t)e->res;
    struct io_uring_sqe *s = sqe();
    s->opcode = IORING_OP_SEND;
    s->fd = c->fd;
    s->addr = (uint64_t)(uintptr_t)(c->sending.data + c->sent);
    s->len = (unsigned)(c->sending.len - c->sent);
    s->msg_flags = MSG_NOSIGNAL;
    s->user_data = USER_DATA(OP_SEND, c->fd);
    c->send_inflight = 1;
  } else if (c->pending.len) {
    enqueue(c);
  }
  conn_free_if_done(c);
}

int main(int argc, char **argv) {
  int port = 0;
  const char *addr = "127.0.0.1";
  for (int o; (o = getopt(argc, argv, "p:l:v:")) != -1;) {
    if (o == 'p') port = atoi(optarg);
    else if (o == 'l') addr = optarg;
    else if (o == 'v') value_bytes = strtoul(optarg, NULL, 10);
    else {
      fprintf(stderr, "usage: floor -p PORT [-l ADDR] [-v VALUE_BYTES]\n");
      return 2;
    }
  }
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "floor: -p PORT is required\n");
    return 2;
  }
  value = malloc(value_bytes + 1);
  memset(value, 'v', value_bytes);

  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) die("inet_pton");
  if (bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
  if (listen(listen_fd, 4096) < 0) die("listen");

  setup_ring();
  setup_buffers();
  arm_accept();
  fprintf(stderr, "floor: serving on %s:%d\n", addr, port);

  for (;;) {
    submit_pending(1);
    unsigned head = *ring.cq_head, tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
    for (; head != tail; head++) {
      struct io_uring_cqe *e = &ring.cqes[head & *ring.cq_mask];
      int op = (int)(e->user_data >> 32), fd = (int)(uint32_t)e->user_data;
      if (op == OP_ACCEPT) on_accept(e);
      else if (conns[fd] && op == OP_RECV) on_recv(conns[fd], e);
      else if (conns[fd] && op == OP_SEND) on_send(conns[fd], e);
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
    buf_commit();
    /* The batch's responses: one send per connection, all submitted by the next enter. */
    for (size_t i = 0; i < queued; i++) {
      queue[i]->queued = 0;
      send_pending(queue[i]);
    }
    queued = 0;
  }
}
