import { DepartmentCode, PageQuery, Timestamp, Uuid, page, FreeText } from '../shared/schemas';
import { z } from '../shared/zod';

export const TransferStatus = z.enum(['proposed', 'accepted', 'rejected', 'cancelled']).openapi('OwnershipTransferStatus');
export type TransferStatus = z.infer<typeof TransferStatus>;

export const OwnershipTransfer = z
  .object({
    id: Uuid,
    assetId: Uuid,
    assetKey: z.string(),
    fromDepartment: DepartmentCode,
    toDepartment: DepartmentCode,
    reason: z.string(),
    status: TransferStatus,
    proposedBy: z.string(),
    proposedAt: Timestamp,
    decidedBy: z.string().nullable(),
    decidedAt: Timestamp.nullable(),
    decisionNote: z.string().nullable(),
  })
  .openapi('OwnershipTransfer');
export type OwnershipTransfer = z.infer<typeof OwnershipTransfer>;

const Text = FreeText(2000);

export const ProposeTransfer = z.strictObject({ toDepartment: DepartmentCode, reason: Text }).openapi('ProposeOwnershipTransfer');
export type ProposeTransfer = z.infer<typeof ProposeTransfer>;

export const RejectTransfer = z.strictObject({ note: Text }).openapi('RejectOwnershipTransfer');
export type RejectTransfer = z.infer<typeof RejectTransfer>;

export const TransferParams = z.strictObject({ id: Uuid, transferId: Uuid });

export const TransferHistory = z.object({ items: z.array(OwnershipTransfer) }).openapi('OwnershipTransferHistory');

export const TransferQuery = z.strictObject({
  ...PageQuery,
  status: TransferStatus.optional(),
  direction: z
    .enum(['incoming', 'outgoing'])
    .optional()
    .openapi({ description: 'incoming: to one of your departments; outgoing: from one of them; both when absent' }),
});
export type TransferQuery = z.infer<typeof TransferQuery>;
export const TransferPage = page(OwnershipTransfer, 'OwnershipTransferPage');

export const FieldCounts = z
  .object({ none: z.number().int(), personal: z.number().int(), sensitive: z.number().int(), total: z.number().int() })
  .openapi('FieldCounts', { description: 'Active fields by PI category' });

export const OwnershipMapEntry = z
  .object({
    assetId: Uuid,
    key: z.string(),
    name: z.string(),
    status: z.enum(['active', 'retired']),
    classification: z.number().int(),
    owningDepartment: DepartmentCode,
    owningDepartmentName: z.string(),
    dataOwners: z.array(z.string()).openapi({ description: 'Subjects holding data_owner in the department or in every department' }),
    fieldCounts: FieldCounts,
    openTransferTo: DepartmentCode.nullable().openapi({ description: 'The receiving department of the open transfer, if any' }),
  })
  .openapi('OwnershipMapEntry');
export type OwnershipMapEntry = z.infer<typeof OwnershipMapEntry>;

export const OwnershipMap = z.object({ generatedAt: Timestamp, items: z.array(OwnershipMapEntry) }).openapi('OwnershipMap');
export type OwnershipMap = z.infer<typeof OwnershipMap>;

export const OwnershipMapQuery = z.strictObject({
  department: DepartmentCode.optional(),
  status: z.enum(['active', 'retired']).optional(),
});
export type OwnershipMapQuery = z.infer<typeof OwnershipMapQuery>;

export const OwnershipMapCsv = z.string().openapi({
  description: 'RFC 4180 CSV with a header row: one line per asset, data owners separated by "; "',
});
