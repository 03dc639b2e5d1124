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

/** The public notice URL of a published version: the receipt's policyUrl. */
export const policyUrl = (publicUrl: string, purposeKey: string, version: number): string =>
  `${publicUrl.replace(/\/$/, '')}/v1/public/notices/${encodeURIComponent(purposeKey)}?version=${version}`;

/**
 * The Kantara Consent Receipt (v1.1.0) of one consent: what the person was told (the exact notice
 * version) and agreed to, with the principal only as the service's pseudonym.
 */
export function receiptClaims(consent: ConsentEventRecord, notice: PublishedNotice, publicUrl: string): Record<string, unknown> {
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
    thirdParties: c.thirdParties.map((p) => ({ name: p.name, kind: p.kind })),
  };
}

export async function signReceipt(signer: ReceiptSigner, issuer: string, claims: Record<string, unknown>): Promise<string> {
  const key = signer.signingKey();
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: RECEIPT_TYPE }).setIssuer(issuer).setIssuedAt().sign(key.privateKey);
}
