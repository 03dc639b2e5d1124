import fs from 'node:fs';
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import type { Db } from '../db';
import { boundedCache } from '../platform/bounded-cache';
import { ServiceUnavailableError } from '../shared/errors';
import type { DepartmentAccess } from '../http/route';
import type { StaffAccessResolver } from '../http/router';
import { KnexAdapter } from './knex-adapter';
import { policyFile } from './policies-dir';

export const ALL_DEPARTMENTS = '*';
/** access() answers remembered per loaded enforcer (no TTL: a reload, the only way they change, starts afresh). */
export const MAX_ACCESS_ANSWERS = 10_000;
const newAnswers = () => boundedCache<string, DepartmentAccess>({ max: MAX_ACCESS_ANSWERS });

// Casbin's role manager links every name to itself, so a subject spelled like a role ('admin',
// 'auditor') would hold that role everywhere. Subjects are namespaced inside the enforcer; role
// names cannot contain ':'.
const SUBJECT_PREFIX = 'staff:';
const asMember = (subject: string): string => `${SUBJECT_PREFIX}${subject}`;
const asSubject = (member: string): string => member.slice(SUBJECT_PREFIX.length);

/**
 * Staff permissions from policies/staff.conf: role permissions from staff_policy.csv and role
 * assignments (g lines) from the database. Reloads build a fresh enforcer and swap it in, so a
 * request never sees a half-loaded policy.
 */
export class StaffAuthorizer implements StaffAccessResolver {
  private enforcer: Enforcer | undefined;
  private loadedAt = 0;
  /** access() answers of the current enforcer; a reload swaps in an empty one with the new enforcer. */
  private answers = newAnswers();

  constructor(private readonly db: Db) {}

  get ready(): boolean {
    return this.enforcer !== undefined;
  }

  get lastLoadedAt(): number {
    return this.loadedAt;
  }

  /** How many permission lines and role assignments the loaded enforcer holds (start-up log). */
  async policyCounts(): Promise<{ permissions: number; assignments: number }> {
    const enforcer = this.current();
    return { permissions: (await enforcer.getPolicy()).length, assignments: (await enforcer.getGroupingPolicy()).length };
  }

  async reload(): Promise<void> {
    const model = newModelFromString(fs.readFileSync(policyFile('staff.conf'), 'utf8'));
    const adapter = new KnexAdapter(this.db, {
      filter: { ptypes: ['g'] },
      seedFile: policyFile('staff_policy.csv'),
      mapLine: (ptype, line) => (ptype === 'g' ? [asMember(line[0]), ...line.slice(1)] : line),
    });
    const fresh = await newEnforcer(model, adapter);
    this.enforcer = fresh;
    this.answers = newAnswers();
    this.loadedAt = Date.now();
  }

  private current(): Enforcer {
    if (!this.enforcer) throw new ServiceUnavailableError('Staff permissions are not loaded yet');
    return this.enforcer;
  }

  async access(subject: string, object: string, action: string): Promise<DepartmentAccess> {
    const enforcer = this.current();
    const answers = this.answers;
    const key = `${subject}\u0000${object}\u0000${action}`;
    const known = answers.get(key);
    if (known) return known;
    const access = await this.resolve(enforcer, subject, object, action);
    // Remembered only in the map of the enforcer it was computed with (a reload meanwhile starts a new map).
    answers.set(key, access);
    return access;
  }

  private async resolve(enforcer: Enforcer, subject: string, object: string, action: string): Promise<DepartmentAccess> {
    const member = asMember(subject);
    if (enforcer.enforceSync(member, ALL_DEPARTMENTS, object, action)) return Object.freeze({ all: true });
    const domains = new Set((await enforcer.getFilteredGroupingPolicy(0, member)).map((line) => line[2]));
    domains.delete(ALL_DEPARTMENTS);
    const departments = Object.freeze([...domains].filter((d) => enforcer.enforceSync(member, d, object, action)).sort());
    return Object.freeze({ all: false, departments });
  }

  async can(subject: string, department: string, object: string, action: string): Promise<boolean> {
    return this.current().enforceSync(asMember(subject), department, object, action);
  }

  /** The roles a staff member holds: [role, department] pairs. */
  async rolesOf(subject: string): Promise<Array<{ role: string; department: string }>> {
    const lines = await this.current().getFilteredGroupingPolicy(0, asMember(subject));
    return lines.map((l) => ({ role: l[1], department: l[2] }));
  }

  /** Every role name that has at least one permission in the staff policy. */
  async knownRoles(): Promise<string[]> {
    const policy = await this.current().getPolicy();
    return [...new Set(policy.map((l) => l[0]))].sort();
  }

  /** Subjects holding `role` in `department` (directly, or for every department). */
  async holders(role: string, department: string): Promise<string[]> {
    const lines = await this.current().getFilteredGroupingPolicy(1, role);
    const held = lines.filter((l) => l[0].startsWith(SUBJECT_PREFIX) && (l[2] === department || l[2] === ALL_DEPARTMENTS));
    return [...new Set(held.map((l) => asSubject(l[0])))].sort();
  }
}
