import { SignJWT, type CryptoKey } from 'jose';
import type { PublishedNotice } from '../notices';
import type { ConsentEventRecord } from './store';

/** The service key that signs receipts: the authorization server's current key, published in its JWKS. */
export interface ReceiptSigner {
  signingKey(): { readonly kid: string; readonly alg: string; readonly privateKey: CryptoKey };
}

export const RECEIPT_TYPE = 'consent-receipt+jwt';
export const KANTARA_VERSION = 'KI-CR-v1.1.0';
const JURISDICTION = 'CN';

/**
 * Where a consent stands when its receipt is signed: `given` (in force), `withdrawn` (by the
 * customer), `stale` (a later material notice version needs fresh consent) or `superseded` (the
 * customer consented again, to a newer version). `since` is when it entered that status.
 */
export interface ReceiptStatus {
  readonly status: 'given' | 'withdrawn' | 'stale' | 'superseded';
  readonly since: string;
  /** The withdrawal, the newer consent, or the notice version that made this one stale. */
  readonly cause?:
    { readonly kind: 'withdrawal' | 'consent'; readonly id: string } | { readonly kind: 'notice_version'; readonly version: number };
}

/** The public notice URL of a published version: the receipt's policyUrl. */
export const policyUrl = (publicUrl: string, purposeKey: string, version: number): string =>
  `${publicUrl.replace(/\/$/, '')}/v1/public/notices/${encodeURIComponent(purposeKey)}?version=${version}`;

/**
 * The Kantara Consent Receipt (v1.1.0) of one consent: what the person was told (the exact notice
 * version) and agreed to, with the principal only as the service's pseudonym.
 */
export function receiptClaims(
  consent: ConsentEventRecord,
  notice: PublishedNotice,
  publicUrl: string,
  state: ReceiptStatus,
): Record<string, unknown> {
  const c = notice.content;
  // A notice may be published without the field (no sensitive categories).
  const sensitive = (c.sensitivePiCategories ?? []).map((s) => s.category);
  const controller = c.controller;
  return {
    version: KANTARA_VERSION,
    jurisdiction: JURISDICTION,
    consentTimestamp: Math.floor(Date.parse(consent.recordedAt) / 1000),
    collectionMethod: consent.evidence?.collectionMethod ?? `recorded by the app back end of channel ${consent.channel}`,
    consentReceiptID: consent.id,
    language: c.language,
    piiPrincipalId: consent.subjectRef,
    piiControllers: [
      {
        piiController: controller.name,
        contact: controller.contact,
        ...(controller.address ? { address: controller.address } : {}),
        ...(controller.email ? { email: controller.email } : {}),
        ...(controller.phone ? { phone: controller.phone } : {}),
        ...(controller.url ? { piiControllerUrl: controller.url } : {}),
      },
    ],
    policyUrl: policyUrl(publicUrl, consent.purposeKey, notice.version),
    services: [
      {
        service: consent.channel,
        purposes: [
          {
            purpose: c.purposeDescription,
            purposeCategory: [consent.purposeKey],
            consentType: 'EXPLICIT',
            piiCategory: [...c.piCategories, ...sensitive],
            primaryPurpose: true,
            termination: `Kept at most ${c.retentionDays} days; processing on this consent stops when it is withdrawn`,
            thirdPartyDisclosure: c.thirdParties.length > 0,
            ...(c.thirdParties.length > 0 ? { thirdPartyName: c.thirdParties.map((p) => p.name).join(', ') } : {}),
          },
        ],
      },
    ],
    sensitive: sensitive.length > 0,
    spiCat: sensitive,
    // Beyond Kantara: the exact version agreed to, and whether consent was given separately (PIPL Art. 29).
    noticeVersion: notice.version,
    separateConsent: consent.separate,
    // Beyond Kantara: the consent's status when this receipt was signed (iat), in the receipt's own time format.
    consentStatus: state.status,
    consentStatusTimestamp: Math.floor(Date.parse(state.since) / 1000),
    ...(state.status === 'withdrawn' ? { withdrawalTimestamp: Math.floor(Date.parse(state.since) / 1000) } : {}),
    ...(state.cause?.kind === 'withdrawal' ? { withdrawalID: state.cause.id } : {}),
    ...(state.cause?.kind === 'consent' ? { supersededBy: state.cause.id } : {}),
    ...(state.cause?.kind === 'notice_version' ? { staleSinceNoticeVersion: state.cause.version } : {}),
    thirdParties: c.thirdParties.map((p) => ({ name: p.name, kind: p.kind })),
  };
}

export async function signReceipt(signer: ReceiptSigner, issuer: string, claims: Record<string, unknown>): Promise<string> {
  const key = signer.signingKey();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: RECEIPT_TYPE })
    .setIssuer(issuer)
    .setIssuedAt()
    .sign(key.privateKey);
}
