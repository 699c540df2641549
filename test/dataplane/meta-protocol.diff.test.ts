// Meta commands (mg ms md ma mn me), byte for byte against Debian's memcached 1.6.18. The E flag
// (explicit new CAS) and append/prepend with N (vivify) are left out: 1.6.18 predates them (it
// answers "invalid flag" and NS); unit tests cover them.
import { describeDifferential } from './diff-cases.ts';
import type { DiffCase } from './diff-cases.ts';

const cases: DiffCase[] = [
  { name: 'mg return flags in request order, hits and misses', send: ['ms foo 2\r\nhi\r\nmg foo v\r\nmg foo s v t f c k O123 h l\r\nmg foo\r\nmg missing v k O9\r\nmg missing\r\nmg foo q\r\nmg missing q\r\nmg missing q k O5\r\nmn\r\n'] },
  { name: 'ms flags, TTL, client flags, cas return', send: ['ms foo 2 T100 F5 c\r\nyo\r\nmg foo t f v\r\nms foo 2 F4294967295\r\nab\r\nmg foo f\r\nms foo 2 F99999999999\r\nab\r\nmg foo f\r\n'] },
  { name: 'ms modes: add, replace, append, prepend, invalid', send: ['ms foo 2 ME\r\nhi\r\nms foo 2 ME\r\nxx\r\nms foo 2 MA\r\ncd\r\nms foo 2 MP\r\nab\r\nmg foo v\r\nms new 2 MR\r\nxx\r\nms new 2 MA\r\nxx\r\nms new 2 MS\r\nxx\r\nmg new v\r\nms y 1 MX\r\n1\r\nms y 1 Mab\r\n1\r\nms y 1 Ms\r\n1\r\n'] },
  { name: 'ms compare-and-swap and invalidation', send: ['ms c 1\r\n1\r\nmg c c\r\n', 'ms c 1 C1\r\n2\r\nms c 1 C0\r\n2\r\nms gone 1 C5\r\n2\r\nms gone 1 MR C5\r\n2\r\nmd c I T30\r\nmg c v c t\r\nmg c v c t\r\nms c 3 I C1\r\nold\r\nmg c v\r\n'] },
  { name: 'ms errors: key, length, flags, opaque; data skipped after the length is known', send: ['ms\r\nms foo\r\nms foo abc\r\nms w -1\r\nms foo S2\r\nab\r\nms z 1 c c\r\n1\r\nms z 2 T\r\n12\r\nms w 1 zz\r\nab\r\nms x 1 b\r\n1\r\nms z 1 O123456789012345678901234567890123\r\n1\r\nms z 1\r\n123\r\nms z 2 q\r\nok\r\nmg z v\r\n'] },
  { name: 'ms c flag when nothing is stored', send: ['ms a 0 c C1\r\n\r\nms a 1 c ME\r\n1\r\nms a 1 c ME\r\n2\r\nms b 1 c MR\r\n2\r\n'] },
  { name: 'ms noreply (q) hides only success', send: ['ms q1 1 q\r\n1\r\nms q1 1 q ME\r\n2\r\nms q1 1 q C1\r\n3\r\nmn\r\n'] },
  { name: 'base64 keys', send: ['ms Zm9v 2 b\r\nhi\r\nmg foo v\r\nmg Zm9v b k v\r\nmg Zm9v= b\r\nmg !!!! b\r\nms eHg= 1 k O2 c b\r\n1\r\nme eHg= b\r\nme eHg=\r\nmd Zm9v b k q\r\nmg foo\r\n'] },
  { name: 'vivify, recache and win tokens', send: ['mg nope N30 v c t s\r\nmg nope N30 v c t s\r\nms nope 3 T0\r\nnew\r\nmg nope v c\r\n', 'ms foo 2\r\nhi\r\nmg foo R30 v\r\nms foo 2 T10\r\nab\r\nmg foo R30 v t\r\nmg foo R30 v t\r\nmg foo T99 t v\r\n'] },
  { name: 'mg touch, no-bump, hit-before and last-access', send: ['ms f 1 F7\r\n1\r\nmg f f h l\r\nmg f h\r\nmg f h u\r\nmg f T-1 v\r\nmg f v\r\n'] },
  { name: 'mg errors', send: ['mg\r\nmg foo zz\r\nmg foo v v\r\nmg foo T\r\nmg foo Tx\r\nmg foo O123456789012345678901234567890123\r\n'] },
  { name: 'md forms', send: ['ms x 1\r\n1\r\nmd x O3 k\r\nmd x q O4\r\nms x 1\r\n1\r\nmd x q\r\nmd x\r\nmd\r\nms x 1\r\n1\r\nmd x C1\r\nmd x C1 q\r\nmd x zz\r\nmd z C1 q\r\n'] },
  { name: 'ma: modes, deltas, initial values, vivify, quiet', send: ['ma cnt\r\nma cnt N0 J13\r\nma cnt v\r\nma cnt MD D5 v\r\nma cnt v t c N0\r\nma cnt M- D100 v\r\nma cnt M+ D18446744073709551615 v\r\nma cnt q\r\nma n q\r\nma n q N0\r\nma cnt MX\r\nma cnt Dabc\r\nma cnt Jabc\r\nma cnt D1 D2\r\nma\r\nma x O5 k\r\nmn\r\n'] },
  { name: 'ma on non-numeric values and with cas', send: ['ms s 3\r\nabc\r\nma s\r\nms n 2\r\n10\r\nmg n c\r\n', 'ma n C1 v\r\nma n T100 t v\r\nma n t v\r\n'] },
  { name: 'me', send: ['ms cnt 2\r\n10\r\nme cnt\r\nmg cnt v\r\nme cnt\r\nme\r\nme missing\r\n'] },
  { name: 'mn and unknown m commands', send: ['mn\r\nmn x\r\nmx\r\nmz a b\r\n'] },
];

describeDifferential('meta protocol, byte for byte against memcached 1.6', cases);
