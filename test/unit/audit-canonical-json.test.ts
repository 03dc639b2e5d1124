import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson } from '../../services/audit/canonical-json';
import { hashEvent, type AuditEvent } from '../../services/audit/store';

// The audit chain's hashes must never change with the encoder: the fast one is held, output for
// output, to the `canonicalize` package that hashed every event recorded so far.

const json = fc.jsonValue();
const withOddMembers = fc.dictionary(
  fc.string(),
  fc.oneof(json, fc.constant(undefined), fc.date({ noInvalidDate: true }), fc.array(fc.oneof(json, fc.constant(undefined)))),
);

describe('canonicalJson', () => {
  it('encodes every JSON value exactly as the canonicalize package does', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });

  it('skips undefined members, turns undefined array items into null and calls toJSON, as the package does', () => {
    fc.assert(
      fc.property(withOddMembers, (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 300 },
    );
    expect(canonicalJson({ b: '\u2028', a: [undefined, -0, 1e21, 0.1], '\u00e9': null, A: true })).toBe(
      canonicalize({ b: '\u2028', a: [undefined, -0, 1e21, 0.1], '\u00e9': null, A: true }),
    );
  });

  it('refuses NaN and Infinity, as the package does', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow('NaN is not allowed');
    expect(() => canonicalJson([Infinity])).toThrow('Infinity is not allowed');
  });
});

describe('hashEvent', () => {
  const event = fc.record({
    seq: fc.nat(),
    id: fc.uuid(),
    occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    actorType: fc.constantFrom('staff' as const, 'client' as const, 'public' as const, 'system' as const),
    actorId: fc.string(),
    action: fc.string(),
    objectType: fc.string(),
    objectId: fc.option(fc.string()),
    requestId: fc.option(fc.string()),
    details: fc.dictionary(fc.string(), json),
    prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
  });

  it('is the SHA-256 of the package’s canonical encoding of the event, as it always was', () => {
    fc.assert(
      fc.property(event, (e: Omit<AuditEvent, 'hash'>) => {
        const expected = crypto
          .createHash('sha256')
          .update(
            canonicalize({
              seq: e.seq,
              id: e.id,
              occurredAt: e.occurredAt,
              actorType: e.actorType,
              actorId: e.actorId,
              action: e.action,
              objectType: e.objectType,
              objectId: e.objectId,
              requestId: e.requestId,
              details: e.details,
              prevHash: e.prevHash,
            }) ?? '',
          )
          .digest('hex');
        expect(hashEvent(e)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
