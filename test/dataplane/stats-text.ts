// Reading `stats` answers in the tests: STAT lines as an ordered map of names to values.
import { exchange } from './harness.ts';

/** `stats` fields of memcached's internals that this server leaves out (ADR 0016). */
export const GENERAL_LEFT_OUT = ['libevent', 'connection_structures', 'response_obj_oom', 'response_obj_count', 'response_obj_bytes',
  'read_buf_count', 'read_buf_bytes', 'read_buf_bytes_free', 'read_buf_oom', 'reserved_fds', 'conn_yields'];
/** `stats settings` of memcached's features this server does not have: its logger's buffers, extstore, TLS, NAPI (ADR 0016). */
export const SETTINGS_LEFT_OUT = /^(watcher_logbuf_size|worker_logbuf_size|read_buf_mem_limit|ext_.*|ssl_.*|num_napi_ids|memory_file)$/;
/** `stats settings` of this server's own. */
export const SETTINGS_OURS_ONLY = ['slab_page_size'];

export function parseStats(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const m1 = /^STAT (\S+) (.*)$/.exec(line);
    if (m1) m.set(m1[1]!, m1[2]!);
  }
  return m;
}

/** `stats <sub>` (or plain `stats` for '') on a fresh connection. */
export async function statsOf(port: number, sub = ''): Promise<Map<string, string>> {
  const r = await exchange(port, [`stats${sub ? ` ${sub}` : ''}\r\n`]);
  return parseStats(r.bytes.toString('latin1'));
}
