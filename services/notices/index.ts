import type { Feature, FeatureDeps } from '../feature';
import type { PurposeService } from '../purposes';
import { noticeRoutes } from './routes';
import { NoticeService } from './service';
import { NoticeStore } from './store';

export { NoticeService } from './service';
export { NOTICES_CHANGED, PublishedNotices, type PurposeNotices } from './published';
export { GENERAL_SCOPE, NoticeStore, scopeOf, type PublishedNotice, type ScopeVersions } from './store';
export { noticeRoutes } from './routes';
export { diffNotices, missingForPublication, MATERIAL_FIELDS } from './diff';
export type { Notice, NoticeContent, NoticeDiff, PublicNotice } from './schemas';
export { disclosesField, undisclosed, fieldLabel, type DisclosedCategory, type SensitiveRelease } from './disclosure';

/** Versioned privacy notices per purpose; `notices.published` answers what was published, for consents and release gates. */
export function createNoticesFeature(
  { db, audit, changes, clock }: FeatureDeps,
  ports: { readonly purposes: PurposeService },
): Feature<{ notices: NoticeService }> {
  const notices = new NoticeService(db, new NoticeStore(db), audit, changes, ports.purposes, clock);
  return { name: 'notices', provides: { notices }, routes: noticeRoutes(notices) };
}
