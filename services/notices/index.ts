export { NoticeService } from './service';
export { NOTICES_CHANGED, PublishedNotices, type PurposeNotices } from './published';
export { GENERAL_SCOPE, NoticeStore, scopeOf, type PublishedNotice, type ScopeVersions } from './store';
export { noticeRoutes } from './routes';
export { diffNotices, missingForPublication, MATERIAL_FIELDS } from './diff';
export type { Notice, NoticeContent, NoticeDiff, PublicNotice } from './schemas';
export { disclosesField, undisclosed, fieldLabel, type DisclosedCategory, type SensitiveRelease } from './disclosure';
