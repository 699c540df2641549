import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, linearTicks, logTicks, renderFigure, seriesPath, shortNumber } from '../../../bench/lib/svg-plot.ts';
import type { Figure } from '../../../bench/lib/svg-plot.ts';

/**
 * A strict enough XML well-formedness check for what the builder writes: balanced tags, quoted
 * attributes, no raw "<" or stray "&" in text or attribute values. Returns the element names seen.
 */
function checkWellFormed(xml: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  const entity = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
  const checkText = (s: string, where: string) => {
    for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', i + 1)) {
      entity.lastIndex = i;
      assert.ok(entity.test(s), `stray & in ${where}: ${s.slice(i, i + 12)}`);
    }
    assert.ok(!s.includes('<'), `raw < in ${where}`);
  };
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g;
  let pos = 0;
  let roots = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    checkText(xml.slice(pos, m.index), 'text');
    pos = tag.lastIndex;
    const [, closing, name, attrs, selfClosing] = m;
    for (const a of attrs!.matchAll(/([\w:-]+)="([^"]*)"/g)) checkText(a[2]!, `attribute ${a[1]} of <${name}>`);
    if (closing) {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    } else {
      seen.push(name!);
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name!);
    }
  }
  assert.equal(xml.slice(pos).trim(), '', 'text after the root element');
  assert.equal(stack.length, 0, `unclosed: ${stack.join(', ')}`);
  assert.equal(roots, 1, 'one root element');
  // Every "<" must have been part of a tag the pattern accepted.
  assert.equal((xml.match(/</g) ?? []).length, xml.match(tag)!.length, 'a malformed tag');
  return seen;
}

const figure: Figure = {
  title: 'Elasticity <test> & "quotes"',
  subtitle: 'p99 ≤ 500 µs',
  xLabel: 'time (s)',
  columns: [
    {
      title: 'steps',
      xMax: 4,
      panels: [
        { yLabel: 'load (req/s)', series: [{ name: 'offered', color: '#555555', points: [[0, 1000], [1, 5000], [2, 1000], [4, 1000]], step: true }, { name: 'achieved', color: '#1f77b4', points: [[0.5, 990], [1.5, 4800], [2.5, NaN], [3.5, 1010]] }] },
        { yLabel: 'active threads', yMin: 0, yMax: 3, series: [{ name: 'elastic', color: '#1f77b4', points: [[0, 1], [1.03, 2], [3, 1], [4, 1]], step: true }, { name: 'static 2', color: '#ff7f0e', points: [[0, 2], [4, 2]], dash: '6 4' }] },
        { yLabel: 'p99 (µs, log)', log: true, series: [{ name: 'elastic p99', color: '#1f77b4', points: [[0.5, 120], [1.5, 4000], [2.5, 0], [3.5, 150]] }], lines: [{ y: 500, label: 'SLO 500 µs', color: '#d62728', dash: '8 4' }] },
      ],
    },
    { title: 'diurnal', xMax: 6, panels: [{ yLabel: 'load', series: [{ name: 'offered', color: '#555555', points: [[0, 1], [3, 9], [6, 1]] }] }] },
  ],
};

describe('renderFigure', () => {
  const svg = renderFigure(figure);

  it('writes well-formed SVG with one root svg element and escaped text', () => {
    const elements = checkWellFormed(svg);
    assert.equal(elements[0], 'svg');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
    assert.ok(svg.includes('Elasticity &lt;test&gt; &amp; &quot;quotes&quot;'));
  });

  it('draws every series as a path, with its legend entry, and the reference lines', () => {
    const paths = [...svg.matchAll(/<path data-series="([^"]*)" d="([^"]*)"/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(paths.map((p) => p[0]), ['offered', 'achieved', 'elastic', 'static 2', 'elastic p99', 'offered']);
    for (const name of ['offered', 'achieved', 'elastic', 'static 2', 'elastic p99', 'SLO 500 µs', 'steps', 'diurnal', 'time (s)']) assert.ok(svg.includes(`>${name}<`), name);
    assert.ok(svg.includes('stroke-dasharray="6 4"'));
    // The NaN in "achieved" and the 0 on the log axis break their lines into two runs.
    assert.equal(paths[1]![1]!.match(/M/g)!.length, 2);
    assert.equal(paths[4]![1]!.match(/M/g)!.length, 2);
    // Steps hold their value: horizontal then vertical moves.
    assert.match(paths[0]![1]!, /^M[\d.]+ [\d.]+ H[\d.]+ V[\d.]+/);
  });

  it('puts decades on a log axis', () => {
    for (const label of ['100', '1k', '10k']) assert.ok(svg.includes(`>${label}</text>`), label);
  });
});

describe('svg-plot helpers', () => {
  it('chooses 1-2-5 linear ticks and decade log ticks', () => {
    assert.deepEqual(linearTicks(0, 10), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(linearTicks(0, 48_000), [0, 10_000, 20_000, 30_000, 40_000]);
    assert.deepEqual(linearTicks(0, 3), [0, 1, 2, 3]);
    assert.deepEqual(linearTicks(0, 0.9), [0, 0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(logTicks(120, 40_000), [100, 1000, 10_000, 100_000]);
  });

  it('shortens numbers and escapes XML', () => {
    assert.equal(shortNumber(1500), '1.5k');
    assert.equal(shortNumber(2_000_000), '2M');
    assert.equal(shortNumber(0.5), '0.5');
    assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  });

  it('maps points through the scales into a path', () => {
    const y = { map: (v: number) => 100 - v, ticks: [], valid: (v: number) => Number.isFinite(v) };
    assert.equal(seriesPath({ name: 's', color: '#000', points: [[0, 10], [1, 20], [2, NaN], [3, 30]] }, (x) => x * 10, y), 'M0 90 L10 80 M30 70');
    assert.equal(seriesPath({ name: 's', color: '#000', points: [] }, (x) => x, y), '');
  });
});
