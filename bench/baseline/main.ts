// node --import tsx bench/baseline/main.ts -p PORT [-l 127.0.0.1]
// Runs the baseline memcached server as its own process, so it gets a core of its own like the
// servers it is compared with.
import { parseArgs } from 'node:util';
import { createBaselineServer } from './server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' }, listen: { type: 'string', short: 'l', default: '127.0.0.1' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port: expected a port number, got ${values.port}`);
const server = createBaselineServer();
server.listen(port, values.listen, () => process.stderr.write(`baseline: serving memcached protocol on ${values.listen}:${port}\n`));
// Nothing to flush: the store lives in memory only.
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
