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
 * lines that can matter: the policy is indexed vendor → asset → field, and for each check the
 * enforcer's policy is set to that small slice before the synchronous enforce call (Node runs
 * it to completion, so no other check can see the slice). A million lines cost the same per
 * decision as ten.
 */
type AssetIndex = Map<string, Map<string, VendorLine[]>>;

/**
 * A whole policy index under construction (start-up, full reload): lines go in page by page and
 * are interned as they arrive, so a million lines never sit in memory twice. `VendorPolicy.install`
 * swaps it in at once.
 */
export class PolicyIndexBuilder {
  readonly index = new Map<string, AssetIndex>();
  readonly strings = new Map<string, string>();
  lines = 0;

  add(lines: Iterable<readonly string[]>): void {
    for (const raw of lines) {
      let byAsset = this.index.get(raw[LINE.vendor]);
      if (!byAsset) this.index.set(this.intern(raw[LINE.vendor]), (byAsset = new Map()));
      insertLine(byAsset, raw.map((v) => this.intern(v)) as unknown as VendorLine);
      this.lines += 1;
    }
  }

  intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }
}

function insertLine(into: AssetIndex, line: VendorLine): void {
  let byField = into.get(line[LINE.asset]);
  if (!byField) into.set(line[LINE.asset], (byField = new Map()));
  let list = byField.get(line[LINE.field]);
  if (!list) byField.set(line[LINE.field], (list = []));
  list.push(line);
}

// Latest end first, so the first allowing line is the one that lasts longest.
function sortLines(byAsset: AssetIndex): void {
  for (const byField of byAsset.values()) for (const l of byField.values()) l.sort((a, b) => (a[LINE.until] < b[LINE.until] ? 1 : -1));
}

function countLines(byAsset: AssetIndex | undefined): number {
  let n = 0;
  if (byAsset) for (const byField of byAsset.values()) for (const l of byField.values()) n += l.length;
  return n;
}

export class VendorPolicy {
  private index = new Map<string, AssetIndex>();
  private strings = new PolicyIndexBuilder();
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
    const fresh: AssetIndex = new Map();
    for (const raw of lines) insertLine(fresh, raw.map((v) => this.strings.intern(v)) as unknown as VendorLine);
    sortLines(fresh);
    this.lines += lines.length - countLines(this.index.get(vendorId));
    if (fresh.size > 0) this.index.set(this.strings.intern(vendorId), fresh);
    else this.index.delete(vendorId);
  }

  /** Swaps in a whole index built page by page (start-up, full reload). */
  install(built: PolicyIndexBuilder): void {
    for (const byAsset of built.index.values()) sortLines(byAsset);
    this.index = built.index;
    this.strings = built;
    this.lines = built.lines;
  }

  /** Loads lines of many vendors at once (tests; the service builds with PolicyIndexBuilder). */
  replaceAll(lines: Iterable<readonly string[]>): void {
    const built = new PolicyIndexBuilder();
    built.add(lines);
    this.install(built);
  }

  /** Lines a vendor holds on an asset (for reports and token narrowing). */
  linesOf(vendorId: string, assetId: string): ReadonlyMap<string, readonly VendorLine[]> | undefined {
    return this.index.get(vendorId)?.get(assetId);
  }

  /** Assets a vendor holds any line on, in id order (the search APIs' candidates). */
  assetsOf(vendorId: string): string[] {
    return [...(this.index.get(vendorId)?.keys() ?? [])].sort();
  }

  /** Fields a vendor holds any line on, on one asset. */
  fieldsOf(vendorId: string, assetId: string): string[] {
    return [...(this.index.get(vendorId)?.get(assetId)?.keys() ?? [])];
  }

  /** Vendors holding a line on every one of `fields` of an asset, in id order (the search APIs' candidates). */
  vendorsOn(assetId: string, fields: readonly string[]): string[] {
    const found: string[] = [];
    for (const [vendorId, byAsset] of this.index) {
      const byField = byAsset.get(assetId);
      if (byField && fields.every((f) => byField.has(f))) found.push(vendorId);
    }
    return found.sort();
  }

  /** May `vendor` do `action` on `field` of `assetId` for `purpose` at `now`? Denies name their reason. */
  check(vendor: VendorAttributes | undefined, assetId: string, field: string, action: string, purpose: string, now: string): FieldVerdict {
    if (!vendor) return { allowed: false, reason: 'no_grant' };
    const byField = this.index.get(vendor.id)?.get(assetId);
    const slice = byField?.get(field) ?? [];
    const rvals = [vendor, assetId, field, action, purpose, now];
    const [allowed, matched] = this.enforceOn(slice, undefined, rvals);
    if (allowed) return { allowed: true, line: matched as unknown as VendorLine };
    if (!this.enforceOn([], VENDOR_ACTIVE, rvals)[0]) return { allowed: false, reason: 'vendor_suspended' };
    if (!this.enforceOn([], IN_CONTRACT, rvals)[0]) return { allowed: false, reason: 'contract_expired' };
    if (!byField) return { allowed: false, reason: 'no_grant' };
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
