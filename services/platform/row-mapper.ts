/** The columns of row type R that hold exactly the value type V. */
type ColumnOf<R, V> = { [C in keyof R]-?: [R[C]] extends [V] ? ([V] extends [R[C]] ? C : never) : never }[keyof R];

/** Which column holds each property: the compiler checks that the two hold the same type. */
export type ColumnMap<T, R> = { readonly [K in keyof T]-?: ColumnOf<R, T[K]> };

/** The snake_case ↔ camelCase mapping of one table, written once per store. */
export interface RowMapper<T, R> {
  fromRow(row: R): T;
  toRow(value: T): R;
  /** The column of a property, for where and order by. */
  column(key: keyof T): keyof R & string;
}

/**
 * A typed mapper between a table's rows (R) and the domain value (T) for tables whose columns map
 * one to one onto the value's properties. Values that nest (a vendor's contract) map by hand.
 */
export function rowMapper<T extends object, R extends object>(columns: ColumnMap<T, R>): RowMapper<T, R> {
  const pairs = Object.entries(columns) as Array<[keyof T & string, keyof R & string]>;
  return {
    fromRow(row) {
      const value: Partial<Record<keyof T, unknown>> = {};
      for (const [key, column] of pairs) value[key] = row[column];
      return value as T;
    },
    toRow(value) {
      const row: Partial<Record<keyof R, unknown>> = {};
      for (const [key, column] of pairs) row[column] = value[key];
      return row as R;
    },
    column: (key) => columns[key] as keyof R & string,
  };
}

/** A timestamp column as an ISO 8601 instant in UTC, whether the driver gave a string or a Date. */
export const isoInstant = (v: string | Date): string => new Date(v).toISOString();

/** A date column as YYYY-MM-DD, whether the driver gave a string or a Date. */
export const isoDay = (v: string | Date): string => (typeof v === 'string' ? v.slice(0, 10) : v.toISOString().slice(0, 10));
