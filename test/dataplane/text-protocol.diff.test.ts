// Differential tests: the same byte sequences go to Debian's memcached and to our server, and the
// answers must be byte-identical after normalize() (which masks version, pid and clocks).
import { describeDifferential } from './diff-cases.ts';
import type { DiffCase } from './diff-cases.ts';

const K251 = 'k'.repeat(251);
const K250 = 'k'.repeat(250);
const BIG = 'b'.repeat(300_000);

const cases: DiffCase[] = [
  { name: 'set/get/gets, several keys, misses', send: ['set a 1 0 3\r\nabc\r\nset b 4294967295 0 0\r\n\r\nget a b c\r\ngets a b\r\nget c\r\n'] },
  { name: 'flags: truncated to 32 bits, bad forms', send: ['set f 4294967296 0 1\r\nx\r\nget f\r\nset f -1 0 1\r\nx\r\nset f 1x 0 1\r\nx\r\nset f +5 0 1\r\ny\r\nget f\r\n'] },
  { name: 'add/replace/append/prepend', send: ['add a 0 0 1\r\n1\r\nadd a 0 0 1\r\n2\r\nreplace b 0 0 1\r\n1\r\nreplace a 5 0 1\r\n3\r\nappend a 9 0 2\r\n45\r\nprepend a 9 0 2\r\n01\r\nappend zz 0 0 1\r\nx\r\nprepend zz 0 0 1\r\nx\r\nget a\r\n'] },
  { name: 'cas: match, mismatch, missing, bad unique', send: ['set c 0 0 1\r\n1\r\ngets c\r\n', 'cas c 0 0 1 999999\r\n2\r\ncas missing 0 0 1 1\r\n2\r\ncas c 0 0 1 abc\r\n2\r\ncas c 0 0 1\r\n', 'gets c\r\n'] },
  { name: 'cas with the current unique', send: ['set c2 0 0 1\r\n1\r\ngets c2\r\n', 'cas c2 7 0 1 1\r\nx\r\ngets c2\r\n'] },
  { name: 'incr/decr: wrap, floor, padding, errors', send: ['set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\nincr n 18446744073709551615\r\nincr n abc\r\nincr n -1\r\ndecr n 1000\r\nincr nope 1\r\ndecr nope 1\r\nset n 0 0 20\r\n18446744073709551615\r\nincr n 1\r\nget n\r\nset e 0 0 0\r\n\r\nincr e 1\r\nset m 0 0 2\r\n-5\r\nincr m 1\r\nset z 0 0 2\r\n-0\r\nincr z 1\r\nset s 0 0 3\r\n 12\r\nincr s 1\r\nset t 0 0 3\r\n1 2\r\nincr t 1\r\nget s t\r\nincr n\r\nincr n 1 2 3\r\n'] },
  { name: 'incr growing past the old length', send: ['set g 0 0 1\r\n9\r\nincr g 1\r\nget g\r\nincr g 18446744073709551600\r\nget g\r\n'] },
  { name: 'touch, gat, gats', send: ['set t 3 0 2\r\nhi\r\ntouch t 100\r\ntouch nope 100\r\ntouch t abc\r\ntouch t\r\ngat 100 t nope\r\ngats 0 t\r\ngat abc t\r\ngat 100\r\ngat\r\ntouch t -1\r\nget t\r\n'] },
  { name: 'delete forms', send: ['set d 0 0 1\r\n1\r\ndelete d\r\ndelete d\r\nset d 0 0 1\r\n1\r\ndelete d 0\r\ndelete d 0 noreply\r\ndelete d noreply\r\ndelete d 1\r\ndelete d 0 0\r\ndelete d 0 noreply x\r\ndelete\r\ndelete ' + K251 + '\r\n'] },
  { name: 'noreply on every command that has it', send: ['set a 0 0 1 noreply\r\n1\r\nadd a 0 0 1 noreply\r\n1\r\nreplace a 0 0 1 noreply\r\n2\r\nappend a 0 0 1 noreply\r\n3\r\nprepend a 0 0 1 noreply\r\n0\r\ncas a 0 0 1 1 noreply\r\n9\r\nincr a 1 noreply\r\ndecr a 1 noreply\r\ntouch a 0 noreply\r\nget a\r\nincr a x noreply\r\nset a x 0 1 noreply\r\n1\r\nflush_all noreply\r\nget a\r\n'] },
  { name: 'errors: empty, short, unknown commands, wrong token counts', send: ['\r\n\n \r\nx\r\nfoo\r\nget\r\ngetx a\r\nset a 0 0\r\nset a 0 0 1 2 3\r\nadd\r\ncas a 0 0 1\r\nincr a\r\ntouch a\r\nsx\r\nax\r\ncx\r\nix\r\ndx\r\ntx\r\nverbosity\r\nflush_all 1 2 3\r\nGET\r\n'] },
  // A get with an over-long key makes memcached drop every reply it has not sent yet, earlier
  // commands' included (conn_release_items); we do not copy that, so here each get that fails
  // this way starts its own write, after the earlier replies have gone out.
  { name: 'keys of 250 and 251 bytes', send: [`set ${K250} 0 0 1\r\n1\r\nget ${K250}\r\nset ${K251} 0 0 1\r\n1\r\n`, `get ${K251}\r\nincr ${K251} 1\r\ntouch ${K251} 1\r\n`, `get a ${K251} b\r\n`] },
  { name: 'bad data chunks', send: ['set a 0 0 1\r\nxyz\r\nset a 0 0 1\r\n\r\n\r\nset a 0 0 2\r\nab\n\r\nget a\r\n'] },
  { name: 'bad numbers in storage commands', send: ['set a 0 0 -1\r\nset a 0 abc 1\r\n1\r\nset a 0 0 abc\r\n1\r\nset a 0 0 1 noreply\r\n1\r\nset a 0 99999999999 1\r\nx\r\nget a\r\n'] },
  { name: 'object too large: refused and its data skipped; set drops the old value', send: ['set big 0 0 1\r\n1\r\nset big 0 0 2000000\r\n', Buffer.alloc(2000000, 'z'), '\r\nget big\r\nadd big2 0 0 1048577 noreply\r\n', Buffer.alloc(1048577, 'q'), '\r\nget big2\r\n'] },
  { name: 'large values split across many writes', send: [`set L 0 0 ${BIG.length}\r\n`, BIG.slice(0, 1000), BIG.slice(1000, 150_000), BIG.slice(150_000), '\r\nget L\r\n'] },
  { name: 'requests split byte by byte', send: [...'set s 0 0 5\r\nhello\r\nget s\r\nincr s 1\r\n'] },
  { name: 'pipelined batch larger than the batch bound', send: [Array.from({ length: 200 }, (_, i) => `set p${i} ${i} 0 ${String(i).length}\r\n${i}\r\nget p${i}\r\n`).join('')] },
  { name: 'multi-get beyond the token limit', send: [Array.from({ length: 30 }, (_, i) => `set m${i} 0 0 1\r\n${i % 10}\r\n`).join('') + `get ${Array.from({ length: 30 }, (_, i) => `m${i}`).join(' ')}\r\ngets ${Array.from({ length: 30 }, (_, i) => `m${i}`).join('  ')} \r\n`] },
  { name: 'spaces, tabs and bare newlines', send: ['set  sp  0  0  1 \r\n1\r\n  get sp  \r\nget sp\nset tab\t0 0 1\r\n1\r\nset tb 0\t 0 1\r\n2\r\nget tb\r\n'] },
  { name: 'expiration: negative, past absolute, relative', send: ['set x 0 -1 1\r\n1\r\nget x\r\nset y 0 1000 1\r\n1\r\nset z 0 2592001 1\r\n1\r\nget y z\r\nset w 0 abc 1\r\n1\r\n'] },
  { name: 'flush_all forms', send: ['set a 0 0 1\r\n1\r\nflush_all\r\nget a\r\nset a 0 0 1\r\n1\r\nflush_all 0\r\nget a\r\nflush_all abc\r\nflush_all 100 noreply\r\nflush_all -1\r\nset b 0 0 1\r\n1\r\nget b\r\n'] },
  { name: 'verbosity forms', send: ['verbosity 1\r\nverbosity 0 noreply\r\nverbosity noreply\r\nverbosity abc\r\nverbosity 1 2\r\n'] },
  { name: 'stats reset and unknown stats', send: ['stats reset\r\nstats nonsense\r\n'] },
  { name: 'shutdown is not enabled', send: ['shutdown\r\n'] },
  { name: 'quit answers what came before and closes', send: ['set q 0 0 1\r\n1\r\nget q\r\nquit\r\nget q\r\n'], sentinel: false },
  { name: 'an HTTP request is hung up on', send: ['GET / HTTP/1.1\r\nHost: x\r\n\r\n'], sentinel: false },
  { name: 'over 2048 bytes without a newline closes', send: ['x'.repeat(3000)], sentinel: false },
  { name: 'a long multi-get line is waited for', send: [`get ${'a'.repeat(100)} `, `${'b '.repeat(1500)}`, 'c\r\n'] },
  { name: 'a half-sent request just waits', send: ['set h 0 0 10\r\nhalf'], sentinel: false },
];

describeDifferential('text protocol, byte for byte against memcached 1.6', cases);
