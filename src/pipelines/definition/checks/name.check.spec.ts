import { describe, expect, it } from 'vitest';
import { dailySales, problemsFor } from '../pipeline-fixtures.js';

describe('name check', () => {
  it('reports a name that differs from the one in the URL', () => {
    expect(problemsFor(dailySales(), { expectedName: 'weekly-sales' })).toEqual([
      { path: 'name', message: 'The definition is named `daily-sales` but is being saved as `weekly-sales`' },
    ]);
  });
});
