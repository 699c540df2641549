// Linux cpuset list strings ("0-3,8,10-11"), the form the ix.dev/cpus annotation and the kernel's
// cpuset.cpus use. Parsing is strict because a silently misread annotation would hand a CPU to two
// pods; anything the kernel would not write itself is refused with a message naming the problem.

const NUMBER = /^(0|[1-9][0-9]*)$/;

/** Largest CPU id accepted; far above any real machine, low enough to catch garbage like "99999999". */
export const MAX_CPU_ID = 65535;

function parseId(text: string, whole: string): number {
  if (!NUMBER.test(text)) {
    throw new Error(`invalid cpuset "${whole}": "${text}" is not a CPU number`);
  }
  const id = Number(text);
  if (id > MAX_CPU_ID) throw new Error(`invalid cpuset "${whole}": CPU ${id} is above ${MAX_CPU_ID}`);
  return id;
}

/**
 * Parses a cpuset list into sorted, distinct CPU ids. The empty string is the empty set.
 * Throws on empty elements ("1,,2"), reversed ranges ("3-1"), non-numbers, signs, spaces,
 * leading zeros and ids listed twice.
 */
export function parseCpuset(text: string): number[] {
  if (text === '') return [];
  const ids: number[] = [];
  for (const part of text.split(',')) {
    if (part === '') throw new Error(`invalid cpuset "${text}": empty element`);
    const dash = part.indexOf('-');
    if (dash === -1) {
      ids.push(parseId(part, text));
      continue;
    }
    const first = parseId(part.slice(0, dash), text);
    const last = parseId(part.slice(dash + 1), text);
    if (last < first) throw new Error(`invalid cpuset "${text}": range "${part}" runs backwards`);
    for (let id = first; id <= last; id++) ids.push(id);
  }
  ids.sort((a, b) => a - b);
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === ids[i - 1]) throw new Error(`invalid cpuset "${text}": CPU ${ids[i]} is listed twice`);
  }
  return ids;
}

/** Formats CPU ids as a cpuset list, consecutive runs written as ranges ("0-1,4") as the kernel writes them. */
export function formatCpuset(cpus: readonly number[]): string {
  const ids = [...new Set(cpus)].sort((a, b) => a - b);
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > MAX_CPU_ID) throw new Error(`cannot format CPU id ${id}`);
  }
  const parts: string[] = [];
  let i = 0;
  while (i < ids.length) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === (ids[j] as number) + 1) j++;
    const first = ids[i] as number;
    const last = ids[j] as number;
    parts.push(last === first ? String(first) : `${first}-${last}`);
    i = j + 1;
  }
  return parts.join(',');
}
