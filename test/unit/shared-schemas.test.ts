import {
  CalendarDate,
  FreeText,
  Label,
  Timestamp,
  decodeCursor,
  decodeInstantCursor,
  encodeCursor,
  pageFrom,
  showsWhatItSays,
} from '../../services/shared/schemas';

describe('Timestamp and CalendarDate', () => {
  it.each([
    '1900-01-01T00:00:00Z',
    '2026-11-27T09:30:00.000Z',
    '2026-11-27T17:30:00+08:00',
    '2024-02-29T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59+08:00',
  ])('accepts %s', (v) => expect(Timestamp.safeParse(v).success).toBe(true));
  it.each([
    '0000-01-01T00:00:00Z',
    '1899-12-31T23:59:59Z',
    '1900-01-01T07:59:59+08:00',
    '9999-12-31T16:00:00-08:00',
    '2025-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-11-27',
    'now',
    '',
  ])('refuses %j', (v) => expect(Timestamp.safeParse(v).success).toBe(false));
  it.each(['1900-01-01', '2024-02-29', '9999-12-31'])('accepts the date %s', (v) => expect(CalendarDate.safeParse(v).success).toBe(true));
  it.each(['0000-01-01', '1899-12-31', '2025-02-29', '10000-01-01', '2026-11-27T00:00:00Z'])('refuses the date %j', (v) =>
    expect(CalendarDate.safeParse(v).success).toBe(false),
  );
});

describe('Label and FreeText', () => {
  it.each(
    [
      '\u202E',
      '\u202A',
      '\u2066',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
      '\u200B',
      '\u200C',
      '\u200D',
      '\u2060',
      '\u00AD',
      '\u180E',
      '\u3164',
      '\uFE0F',
      '\u{E0001}',
      '\u{E0100}',
      '\u0000',
      '\u0085',
    ].map((ch) => [(ch.codePointAt(0) as number).toString(16), ch]),
  )('refuses U+%s inside a name or a text', (_code, ch) => {
    expect(showsWhatItSays(`a${ch}b`)).toBe(false);
    expect(Label(50).safeParse(`a${ch}b`).success).toBe(false);
    expect(FreeText(50).safeParse(`a${ch}b`).success).toBe(false);
  });
  it('keeps line breaks and tabs, the only control characters allowed', () => {
    expect(FreeText(50).safeParse('one\ntwo\tthree\r\nfour').success).toBe(true);
    expect(Label(50).safeParse('one\ntwo').success).toBe(true);
    expect(Label(50).safeParse('one\u0007two').success).toBe(false);
  });
  it('accepts names in any script', () => {
    for (const name of ['零售银行部', 'Müller & Söhne', 'مصرف', 'Банк', 'O’Brien-Smith'])
      expect(Label(50).safeParse(name).success).toBe(true);
  });
});

describe('pageFrom', () => {
  const rows = [{ key: 'a' }, { key: 'b' }, { key: 'c' }];
  it('shows `limit` rows and, when the extra row says there are more, a cursor after the last one shown', () => {
    const page = pageFrom(rows, 2, (last) => last.key);
    expect(page.items).toEqual([{ key: 'a' }, { key: 'b' }]);
    expect(decodeCursor(page.nextCursor ?? undefined)).toBe('b');
  });
  it('has no next page when no row is left over', () => {
    expect(pageFrom(rows, 3, (last) => last.key)).toEqual({ items: rows, nextCursor: null });
    expect(pageFrom([], 3, (last: { key: string }) => last.key)).toEqual({ items: [], nextCursor: null });
  });
});

describe('decodeInstantCursor', () => {
  const id = '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01';
  it('reads back the instant and id a page ended on', () => {
    expect(decodeInstantCursor(encodeCursor(`2026-11-27T09:30:00.000Z_${id}`))).toEqual({ at: '2026-11-27T09:30:00.000Z', id });
    expect(decodeInstantCursor(undefined)).toBeUndefined();
  });
  it.each([
    ['no id', '2026-11-27T09:30:00.000Z'],
    ['no milliseconds', `2026-11-27T09:30:00Z_${id}`],
    ['a day the calendar does not have', `2026-13-27T09:30:00.000Z_${id}`],
    ['something after the id', `2026-11-27T09:30:00.000Z_${id}_x`],
  ])('refuses a cursor with %s as a 400', (_why, value) => {
    expect(() => decodeInstantCursor(encodeCursor(value))).toThrow('query.cursor: not a cursor this service issued');
  });
});
