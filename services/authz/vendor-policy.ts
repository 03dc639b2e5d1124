import fs from 'node:fs';
import { EnforceContext, newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { policyFile } from './policies-dir';

/** p, vendor, asset, field, action, purpose, validFrom, validUntil, grant (see policies/vendor_access.conf). */
export type VendorLine = readonly [string, string, string, string, string, string, string, string];
export const LINE = { vendor: 0, asset: 1, field: 2, action: 3, purpose: 4, from: 5, until: 6, grant: 7 } as const;

/** The vendor as the model sees it (r.sub). Times are ISO-8601 UTC strings. */
export interface VendorAttributes {
  readonly id: string;
  readonly status: string;
  readonly contractFrom: string;
  readonly contractUntil: string;
  readonly purposes: readonly string[];
}

export type DenyReason =
  | 'no_grant'
  | 'field_not_granted'
  | 'purpose_mismatch'
  | 'grant_expired'
  | 'grant_not_yet_valid'
  | 'vendor_suspended'
  | 'contract_expired'
  | 'consent_missing'
  | 'volume_exceeded'
  | 'row_scope';

export type FieldVerdict = { readonly allowed: true; readonly line: VendorLine } | { readonly allowed: false; readonly reason: DenyReason };

const CONTEXT = (m: string) => new EnforceContext('r', 'p', 'e', m);
const VENDOR_ACTIVE = CONTEXT('m2');
const IN_CONTRACT = CONTEXT('m3');
const FIELD_GRANTED = CONTEXT('m4');
const PURPOSE_MATCHES = CONTEXT('m5');
const STARTED = CONTEXT('m6');

/**
 * Vendor need-to-know decisions from policies/vendor_access.conf, scaled by scanning only the
 * lines that can matter: for each check the enforcer's policy is set to the lines of this vendor
 * on this asset and field before the synchronous enforce call (Node runs it to completion, so no
 * other check can see the slice). A million lines cost the same per decision as ten.
 *
 * The lines are held compactly, because a bank has millions of them: every distinct value once
 * (interned to a number), and each vendor's lines packed seven numbers to a line in one typed
 * array, sorted by asset, field and latest end first, found by binary search. A check turns only
 * the few lines it needs back into strings.
 */
const COLUMNS = 7;
const ASSET = 0;
const FIELD = 1;
const UNTIL = 5;

/** Every distinct value of the lines once, numbered in order of first appearance. */
class InternedValues {
  private readonly numbers = new Map<string, number>();
  readonly values: string[] = [];

  number(value: string): number {
    let n = this.numbers.get(value);
    if (n === undefined) {
      n = this.values.length;
      this.values.push(value);
      this.numbers.set(value, n);
    }
    return n;
  }

  /** The number of a value already seen; -1 for any other (no line holds it). */
  find(value: string): number {
    return this.numbers.get(value) ?? -1;
  }
}

/** One vendor's lines: asset, field, action, purpose, from, until, grant as numbers, sorted by asset, field, latest end first. */
class VendorLines {
  constructor(
    readonly vendor: string,
    private readonly packed: Int32Array,
    readonly count: number,
  ) {}

  /** The first line at or after (asset, field) in sort order. */
  private lowerBound(asset: number, field: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const a = this.packed[mid * COLUMNS + ASSET];
      if (a < asset || (a === asset && this.packed[mid * COLUMNS + FIELD] < field)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The lines on one field of an asset, as the model reads them (latest end first). */
  linesOn(asset: number, field: number, values: readonly string[]): VendorLine[] {
    const found: VendorLine[] = [];
    if (asset < 0 || field < 0) return found;
    for (let i = this.lowerBound(asset, field); i < this.count; i += 1) {
      const at = i * COLUMNS;
      if (this.packed[at + ASSET] !== asset || this.packed[at + FIELD] !== field) break;
      const p = this.packed;
      found.push([
        this.vendor,
        values[p[at]],
        values[p[at + 1]],
        values[p[at + 2]],
        values[p[at + 3]],
        values[p[at + 4]],
        values[p[at + 5]],
        values[p[at + 6]],
      ]);
    }
    return found;
  }

  holdsAsset(asset: number): boolean {
    if (asset < 0) return false;
    const i = this.lowerBound(asset, -1);
    return i < this.count && this.packed[i * COLUMNS + ASSET] === asset;
  }

  /** Distinct values of one column over the lines of an asset (every asset when `asset` is undefined). */
  distinct(column: number, asset?: number): number[] {
    const seen = new Set<number>();
    const start = asset === undefined ? 0 : this.lowerBound(asset, -1);
    for (let i = start; i < this.count; i += 1) {
      if (asset !== undefined && this.packed[i * COLUMNS + ASSET] !== asset) break;
      seen.add(this.packed[i * COLUMNS + column]);
    }
    return [...seen];
  }
}

/** A vendor's lines as they arrive: packed into a typed array that doubles as it fills. */
class LineBuffer {
  private packed = new Int32Array(COLUMNS * 16);
  count = 0;

  push(numbers: readonly number[]): void {
    if ((this.count + 1) * COLUMNS > this.packed.length) {
      const grown = new Int32Array(this.packed.length * 2);
      grown.set(this.packed);
      this.packed = grown;
    }
    this.packed.set(numbers, this.count * COLUMNS);
    this.count += 1;
  }

  /** Sorted by asset, field, then latest end first (lines loaded earlier first among equals); exactly as long as needed. */
  sorted(vendor: string, values: readonly string[]): VendorLines {
    const p = this.packed;
    const order = Array.from({ length: this.count }, (_, i) => i);
    order.sort((x, y) => {
      const a = x * COLUMNS;
      const b = y * COLUMNS;
      if (p[a + ASSET] !== p[b + ASSET]) return p[a + ASSET] - p[b + ASSET];
      if (p[a + FIELD] !== p[b + FIELD]) return p[a + FIELD] - p[b + FIELD];
      const ua = values[p[a + UNTIL]];
      const ub = values[p[b + UNTIL]];
      return ua === ub ? x - y : ua < ub ? 1 : -1;
    });
    const packed = new Int32Array(this.count * COLUMNS);
    order.forEach((from, to) => packed.set(p.subarray(from * COLUMNS, from * COLUMNS + COLUMNS), to * COLUMNS));
    return new VendorLines(vendor, packed, this.count);
  }
}

/**
 * A whole policy index under construction (start-up, full reload): lines go in page by page and
 * are packed as they arrive, so a million lines never sit in memory as strings. `VendorPolicy.install`
 * swaps it in at once.
 */
export class PolicyIndexBuilder {
  readonly values = new InternedValues();
  private readonly buffers = new Map<string, LineBuffer>();
  lines = 0;

  add(lines: Iterable<readonly string[]>): void {
    const numbers = new Array<number>(COLUMNS);
    for (const raw of lines) {
      let buffer = this.buffers.get(raw[LINE.vendor]);
      if (!buffer) this.buffers.set(this.values.values[this.values.number(raw[LINE.vendor])], (buffer = new LineBuffer()));
      for (let c = 0; c < COLUMNS; c += 1) numbers[c] = this.values.number(raw[c + 1]);
      buffer.push(numbers);
      this.lines += 1;
    }
  }

  /** The finished index: vendor id → its packed lines. */
  build(): Map<string, VendorLines> {
    const index = new Map<string, VendorLines>();
    for (const [vendor, buffer] of this.buffers) index.set(vendor, buffer.sorted(vendor, this.values.values));
    this.buffers.clear();
    return index;
  }
}

export class VendorPolicy {
  private index = new Map<string, VendorLines>();
  private values = new InternedValues();
  private lines = 0;

  private constructor(private readonly enforcer: Enforcer) {}

  static async create(): Promise<VendorPolicy> {
    const model = newModelFromString(fs.readFileSync(policyFile('vendor_access.conf'), 'utf8'));
    const enforcer = await newEnforcer(model);
    enforcer.addFunction('contractAllows', (purposes: unknown, purpose: unknown) => Array.isArray(purposes) && purposes.includes(purpose));
    return new VendorPolicy(enforcer);
  }

  get lineCount(): number {
    return this.lines;
  }

  /** Replaces every line of one vendor (after a grant of theirs changed). */
  replaceVendor(vendorId: string, lines: readonly (readonly string[])[]): void {
    const buffer = new LineBuffer();
    const numbers = new Array<number>(COLUMNS);
    for (const raw of lines) {
      for (let c = 0; c < COLUMNS; c += 1) numbers[c] = this.values.number(raw[c + 1]);
      buffer.push(numbers);
    }
    this.lines += lines.length - (this.index.get(vendorId)?.count ?? 0);
    if (lines.length > 0) this.index.set(vendorId, buffer.sorted(vendorId, this.values.values));
    else this.index.delete(vendorId);
  }

  /** Swaps in a whole index built page by page (start-up, full reload). */
  install(built: PolicyIndexBuilder): void {
    this.index = built.build();
    this.values = built.values;
    this.lines = built.lines;
  }

  /** Loads lines of many vendors at once (tests; the service builds with PolicyIndexBuilder). */
  replaceAll(lines: Iterable<readonly string[]>): void {
    const built = new PolicyIndexBuilder();
    built.add(lines);
    this.install(built);
  }

  /** Assets a vendor holds any line on, in id order (the search APIs' candidates). */
  assetsOf(vendorId: string): string[] {
    const lines = this.index.get(vendorId);
    return lines
      ? lines
          .distinct(ASSET)
          .map((n) => this.values.values[n])
          .sort()
      : [];
  }

  /** Fields a vendor holds any line on, on one asset. */
  fieldsOf(vendorId: string, assetId: string): string[] {
    const asset = this.values.find(assetId);
    const lines = this.index.get(vendorId);
    return lines && asset >= 0 ? lines.distinct(FIELD, asset).map((n) => this.values.values[n]) : [];
  }

  /** Vendors holding a line on every one of `fields` of an asset, in id order (the search APIs' candidates). */
  vendorsOn(assetId: string, fields: readonly string[]): string[] {
    const asset = this.values.find(assetId);
    const numbers = fields.map((f) => this.values.find(f));
    if (asset < 0 || numbers.some((n) => n < 0)) return [];
    const found: string[] = [];
    for (const [vendorId, lines] of this.index) {
      if (lines.holdsAsset(asset) && numbers.every((f) => lines.linesOn(asset, f, this.values.values).length > 0)) found.push(vendorId);
    }
    return found.sort();
  }

  /** May `vendor` do `action` on `field` of `assetId` for `purpose` at `now`? Denies name their reason. */
  check(vendor: VendorAttributes | undefined, assetId: string, field: string, action: string, purpose: string, now: string): FieldVerdict {
    if (!vendor) return { allowed: false, reason: 'no_grant' };
    const lines = this.index.get(vendor.id);
    const asset = this.values.find(assetId);
    const slice = lines ? lines.linesOn(asset, this.values.find(field), this.values.values) : [];
    const rvals = [vendor, assetId, field, action, purpose, now];
    const [allowed, matched] = this.enforceOn(slice, undefined, rvals);
    if (allowed) return { allowed: true, line: matched as unknown as VendorLine };
    if (!this.enforceOn([], VENDOR_ACTIVE, rvals)[0]) return { allowed: false, reason: 'vendor_suspended' };
    if (!this.enforceOn([], IN_CONTRACT, rvals)[0]) return { allowed: false, reason: 'contract_expired' };
    if (!lines?.holdsAsset(asset)) return { allowed: false, reason: 'no_grant' };
    if (!this.enforceOn(slice, FIELD_GRANTED, rvals)[0]) return { allowed: false, reason: 'field_not_granted' };
    if (!this.enforceOn(slice, PURPOSE_MATCHES, rvals)[0]) return { allowed: false, reason: 'purpose_mismatch' };
    if (!this.enforceOn(slice, STARTED, rvals)[0]) return { allowed: false, reason: 'grant_not_yet_valid' };
    return { allowed: false, reason: 'grant_expired' };
  }

  private enforceOn(slice: readonly VendorLine[], context: EnforceContext | undefined, rvals: unknown[]): [boolean, string[]] {
    const assertion = this.enforcer.getModel().model.get('p')?.get('p');
    if (!assertion) throw new Error('vendor_access.conf has no policy definition');
    assertion.policy = slice as unknown as string[][];
    try {
      return context ? this.enforcer.enforceExSync(context, ...rvals) : this.enforcer.enforceExSync(...rvals);
    } finally {
      assertion.policy = [];
    }
  }
}
