import { ColumnName, RowScope, prototypeFreeRowScope } from '../../services/access-grants/schemas';

describe('row scope keys are column names', () => {
  it.each(['branch', 'region_code', 'b2', 'a'.repeat(63)])('accepts %s', (key) => {
    expect(ColumnName.safeParse(key).success).toBe(true);
  });

  it.each([
    'constructor',
    'prototype',
    '__proto__',
    'hasOwnProperty',
    'select',
    'from',
    'user',
    'table',
    'Branch',
    '_branch',
    '1branch',
    'a'.repeat(64),
    'a-b',
    'a b',
    '',
  ])('refuses %j', (key) => {
    expect(ColumnName.safeParse(key).success).toBe(false);
    expect(RowScope.safeParse(JSON.parse(`{${JSON.stringify(key)}:["x"]}`)).success).toBe(false);
  });

  it('builds the scope as an object without a prototype', () => {
    const parsed = RowScope.parse({ branch: ['SZ01'] });
    const scope = prototypeFreeRowScope(parsed);
    expect(Object.getPrototypeOf(scope)).toBeNull();
    expect({ ...scope }).toEqual({ branch: ['SZ01'] });
    expect(JSON.parse(JSON.stringify(scope))).toEqual({ branch: ['SZ01'] });
  });
});
