// The README's reliability figures are the suites' own: the table must be exactly what
// test/reliability/figures-table.mjs renders from the recorded figures, and every record must come
// from the current version of the test that measured it ("npm run figures" records them again).
import { describe, expect, it } from 'vitest';
import { loadRecords, readmeSection, renderTable } from './figures-table.mjs';

describe('README reliability figures', () => {
  it('were recorded by the current version of every reliability suite', () => {
    const { problems } = loadRecords();
    expect(problems, 'run "npm run figures" (or "npm run figures -- <suite>") to record them again').toEqual([]);
  });

  it('are the table rendered from those records, not typed by hand', () => {
    const { records } = loadRecords();
    expect(readmeSection().body).toBe(renderTable(records));
  });

  it('the renderer uses every figure it is given (a changed number changes the table)', () => {
    const { records } = loadRecords();
    const table = renderTable(records);
    for (const [suite, figures] of Object.entries(records)) {
      for (const name of Object.keys(figures)) {
        const changed = structuredClone(records);
        changed[suite] = { ...figures, [name]: 987_654 };
        expect(renderTable(changed), `${suite}.${name}`).not.toBe(table);
      }
    }
  });
});
