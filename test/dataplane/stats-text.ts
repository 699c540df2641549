// Reading `stats` answers in the tests: STAT lines as an ordered map of names to values.
import { exchange } from './harness.ts';

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
