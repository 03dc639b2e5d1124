import type { CreateDataAsset } from '../../services/data-assets/schemas';
import type { CreateDepartment } from '../../services/departments/schemas';
import type { CreateRoleAssignment } from '../../services/role-assignments/schemas';

/** What a seed puts in a bank: its departments, the people who hold roles there, and the data assets each business owns. */
export interface BankSeed {
  readonly departments: readonly CreateDepartment[];
  readonly roles: readonly CreateRoleAssignment[];
  readonly assets: readonly CreateDataAsset[];
}

const demoDepartments: CreateDepartment[] = [
  { code: 'RETAIL', name: 'Retail Banking', kind: 'business' },
  { code: 'CORPORATE', name: 'Corporate Banking', kind: 'business' },
  { code: 'IT', name: 'Information Technology', kind: 'technology' },
  { code: 'COMPLIANCE', name: 'Compliance', kind: 'compliance' },
  { code: 'PRIVACY', name: 'Privacy Office', kind: 'privacy' },
];

const demoRoles: CreateRoleAssignment[] = [
  { subject: 'admin', role: 'admin', department: '*' },
  { subject: 'alice', role: 'data_owner', department: 'RETAIL' },
  { subject: 'bob', role: 'data_owner', department: 'CORPORATE' },
  { subject: 'carol', role: 'privacy_officer', department: '*' },
  { subject: 'dave', role: 'vendor_manager', department: '*' },
  { subject: 'erin', role: 'auditor', department: '*' },
  { subject: 'frank', role: 'app_manager', department: '*' },
  // The lead department for mobile-app management is IT: grace approves app entry and exit there.
  { subject: 'grace', role: 'app_manager', department: 'IT' },
];

const demoAssets: CreateDataAsset[] = [
  {
    key: 'retail.customer_profile',
    name: 'Retail customer profile',
    description: 'Identity and contact details of retail customers',
    owningDepartment: 'RETAIL',
    classification: 4,
    fields: [
      { name: 'name', piCategory: 'personal' },
      { name: 'phone', piCategory: 'personal' },
      { name: 'address', piCategory: 'personal' },
      { name: 'date_of_birth', piCategory: 'personal' },
      { name: 'id_number', piCategory: 'sensitive', description: 'Resident identity card number' },
      { name: 'account_balance', piCategory: 'sensitive', description: 'Financial account information (PIPL Art. 28)' },
      { name: 'customer_segment', piCategory: 'none' },
      { name: 'branch_code', piCategory: 'none' },
    ],
  },
  {
    key: 'retail.card_transactions',
    name: 'Card transactions',
    description: 'Debit and credit card transactions of retail customers',
    owningDepartment: 'RETAIL',
    classification: 4,
    fields: [
      { name: 'card_number', piCategory: 'sensitive' },
      { name: 'amount', piCategory: 'sensitive' },
      { name: 'merchant_category', piCategory: 'none' },
      { name: 'transaction_time', piCategory: 'none' },
      { name: 'cardholder_name', piCategory: 'personal' },
    ],
  },
  {
    key: 'retail.branch_directory',
    name: 'Branch directory',
    owningDepartment: 'RETAIL',
    classification: 1,
    fields: [
      { name: 'branch_code', piCategory: 'none' },
      { name: 'branch_name', piCategory: 'none' },
      { name: 'city', piCategory: 'none' },
    ],
  },
  {
    key: 'corporate.loan_book',
    name: 'Corporate loan book',
    description: 'Facilities granted to corporate borrowers, with their guarantors',
    owningDepartment: 'CORPORATE',
    classification: 4,
    fields: [
      { name: 'borrower_company', piCategory: 'none' },
      { name: 'unified_credit_code', piCategory: 'none' },
      { name: 'facility_limit', piCategory: 'none' },
      { name: 'outstanding_principal', piCategory: 'none' },
      { name: 'guarantor_name', piCategory: 'personal' },
      { name: 'guarantor_id_number', piCategory: 'sensitive' },
      { name: 'relationship_manager', piCategory: 'personal' },
    ],
  },
  {
    key: 'corporate.trade_finance',
    name: 'Trade finance',
    description: 'Letters of credit and guarantees',
    owningDepartment: 'CORPORATE',
    classification: 3,
    fields: [
      { name: 'applicant_company', piCategory: 'none' },
      { name: 'lc_number', piCategory: 'none' },
      { name: 'beneficiary_company', piCategory: 'none' },
      { name: 'contact_phone', piCategory: 'personal' },
    ],
  },
];

/** A small demo bank. */
export const demoBank: BankSeed = { departments: demoDepartments, roles: demoRoles, assets: demoAssets };
