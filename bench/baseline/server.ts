/**
 * The baseline of the dataplane benchmark: a memcached server as a developer would write it in an
 * afternoon with Node.js: one event loop, incoming bytes appended to a string, split on "\r\n",
 * a Map for the store, one socket.write per response. No batching, no zero-copy, no eviction.
 * It is the "straightforward Node.js server" the brief's 3x target refers to, so it is kept
 * deliberately plain; only Nagle is turned off, since leaving it on stalls pipelined replies on
 * delayed ACKs and would measure a socket option rather than the design.
 */
import net from 'node:net';

interface Item { flags: string; data: string }

export function createBaselineServer(): net.Server {
  const store = new Map<string, Item>();
  return net.createServer({ noDelay: true }, (socket) => {
    // latin1 maps bytes 1:1 to characters, so lengths in "set" match string lengths.
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const parts = buffer.slice(0, eol).split(' ');
        const cmd = parts[0];
        if (cmd === 'set') {
          const bytes = Number(parts[4]);
          if (parts.length < 5 || !Number.isInteger(bytes) || bytes < 0) {
            buffer = buffer.slice(eol + 2);
            socket.write('CLIENT_ERROR bad command line format\r\n');
            continue;
          }
          // Wait until the data block and its "\r\n" have arrived.
          if (buffer.length < eol + 2 + bytes + 2) return;
          const data = buffer.slice(eol + 2, eol + 2 + bytes);
          buffer = buffer.slice(eol + 2 + bytes + 2);
          store.set(parts[1]!, { flags: parts[2]!, data });
          if (parts[5] !== 'noreply') socket.write('STORED\r\n');
          continue;
        }
        buffer = buffer.slice(eol + 2);
        if (cmd === 'get' || cmd === 'gets') {
          let out = '';
          for (const key of parts.slice(1)) {
            const item = store.get(key);
            if (item) out += `VALUE ${key} ${item.flags} ${item.data.length}\r\n${item.data}\r\n`;
          }
          socket.write(out + 'END\r\n', 'latin1');
        } else if (cmd === 'delete') {
          socket.write(store.delete(parts[1] ?? '') ? 'DELETED\r\n' : 'NOT_FOUND\r\n');
        } else if (cmd === 'version') {
          socket.write('VERSION baseline-1\r\n');
        } else if (cmd === 'quit') {
          socket.end();
          return;
        } else {
          socket.write('ERROR\r\n');
        }
      }
    });
    socket.on('error', () => socket.destroy());
  });
}
