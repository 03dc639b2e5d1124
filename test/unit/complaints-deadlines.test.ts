import { ConflictError, ValidationError } from '../../services/shared/errors';
import { DAYS_WITHOUT_APPROVAL, INITIAL_DAYS, MAX_TOTAL_DAYS, dueOf, extendedTotal, isOverdue } from '../../services/complaints/deadlines';
import { addressKey } from '../../services/http/rate-limit';

describe('complaint deadline: the last day, counted in China Standard Time from the day after receipt', () => {
  it.each([
    // received (UTC)               days  due date       ends (24:00 +08:00)
    ['2026-03-02T02:00:00.000Z', 15, '2026-03-17', '2026-03-17T16:00:00.000Z'],
    // 23:59:59 in Beijing is still the 1st: the 15 days start on the 2nd
    ['2026-01-31T15:59:59.999Z', 15, '2026-02-15', '2026-02-15T16:00:00.000Z'],
    // one millisecond later it is the 1st of February in Beijing
    ['2026-01-31T16:00:00.000Z', 15, '2026-02-16', '2026-02-16T16:00:00.000Z'],
    // across a year end
    ['2026-12-20T08:00:00.000Z', 15, '2027-01-04', '2027-01-04T16:00:00.000Z'],
    // into a leap day
    ['2028-02-14T01:00:00.000Z', 15, '2028-02-29', '2028-02-29T16:00:00.000Z'],
    // 30 and 60 days
    ['2026-03-02T02:00:00.000Z', 30, '2026-04-01', '2026-04-01T16:00:00.000Z'],
    ['2026-03-02T02:00:00.000Z', 60, '2026-05-01', '2026-05-01T16:00:00.000Z'],
  ])('received %s + %i days → due %s, ending %s', (receivedAt, days, dueDate, dueAt) => {
    expect(dueOf(receivedAt, days)).toEqual({ dueDate, dueAt });
  });

  it('starts at 15 days and never allows more than 60', () => {
    expect(INITIAL_DAYS).toBe(15);
    expect(DAYS_WITHOUT_APPROVAL).toBe(30);
    expect(MAX_TOTAL_DAYS).toBe(60);
  });
});

describe('complaint extensions', () => {
  it('extends a complex case to 30 days without senior approval', () => {
    expect(extendedTotal(15, 15, undefined)).toBe(30);
    expect(extendedTotal(15, 1, undefined)).toBe(16);
    expect(extendedTotal(20, 10, undefined)).toBe(30);
  });

  it('needs a senior approval to go past 30 days', () => {
    expect(() => extendedTotal(15, 16, undefined)).toThrow(ValidationError);
    expect(() => extendedTotal(30, 1, undefined)).toThrow(/approval/);
    expect(extendedTotal(30, 30, 'Head office deputy president')).toBe(60);
    expect(extendedTotal(15, 16, 'Head of consumer protection')).toBe(31);
  });

  it('refuses anything past 60 days in all (409), whoever approved it', () => {
    expect(() => extendedTotal(30, 30, undefined)).toThrow(ValidationError);
    expect(() => extendedTotal(31, 30, 'Head office')).toThrow(ConflictError);
    expect(() => extendedTotal(60, 1, 'Head office')).toThrow(/at most 0 more/);
    expect(() => extendedTotal(45, 16, 'Head office')).toThrow(/at most 15 more/);
    expect(extendedTotal(45, 15, 'Head office')).toBe(60);
  });

  it('takes 1 to 30 days per extension', () => {
    expect(() => extendedTotal(15, 0, undefined)).toThrow(ValidationError);
    expect(() => extendedTotal(15, 31, 'Head office')).toThrow(ValidationError);
    expect(() => extendedTotal(15, 1.5, undefined)).toThrow(ValidationError);
  });
});

describe('overdue', () => {
  const due = '2026-03-17T16:00:00.000Z';
  it.each([
    ['received', '2026-03-17T15:59:59.999Z', false],
    ['received', due, true],
    ['acknowledged', '2026-03-18T00:00:00.000Z', true],
    ['investigating', '2026-03-18T00:00:00.000Z', true],
    ['resolved', '2026-03-18T00:00:00.000Z', false],
    ['rejected', '2026-03-18T00:00:00.000Z', false],
    ['closed', '2026-03-18T00:00:00.000Z', false],
  ])('%s at %s → %s', (status, now, expected) => {
    expect(isOverdue(status, due, now)).toBe(expected);
  });
});

describe('rate-limit keys', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s is counted as %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});
