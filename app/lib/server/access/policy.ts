import { recordParts, type RecordPart, type Role } from '../../../../db/schema/index';

export { recordParts, type RecordPart };

/**
 * The parts of a patient record, by how sensitive they are. A page asks for the parts it shows;
 * the policy answers which of them this actor may see.
 *  - demographics: name, date of birth, MRN, contacts (what the front desk works with)
 *  - codes: problem codes and encounters (what billing works with)
 *  - clinical: allergies, medications, observations, notes
 *  - documents: uploaded reports and images
 */

/** What each role may see of a record it has a relationship with. */
export const partsByRole: Record<Role, readonly RecordPart[]> = {
	clinic_admin: recordParts,
	physician: recordParts,
	nurse: recordParts,
	front_desk: ['demographics'],
	billing: ['demographics', 'codes'],
	patient: recordParts,
	// A proxy's parts come from the grant's scopes, see partsForProxyScopes.
	proxy: [],
	// An outside person sees only what a record share names, see the access module.
	external: []
};

export function partsForProxyScopes(scopes: readonly string[]): RecordPart[] {
	if (scopes.includes('records')) return [...recordParts];
	if (scopes.length > 0) return ['demographics'];
	return [];
}

/** Staff-wide actions that are not about one patient. */
export const rolePermissions = {
	'patients.search': ['clinic_admin', 'physician', 'nurse', 'front_desk', 'billing'],
	'documents.upload': ['clinic_admin', 'physician', 'nurse'],
	'clinic.manage': ['clinic_admin'],
	/** The audit trail and the break-glass review: who looked at what, and why. */
	'audit.view': ['clinic_admin'],
	'break_glass.use': ['physician', 'nurse'],
	/** A legal review's export of a conversation (ciphertext and keys sealed to the compliance key). */
	'compliance.export': ['clinic_admin'],
	/** The clinic's calendars (who is booked when), the request queue and the utilization dashboard. */
	'schedule.view': ['clinic_admin', 'physician', 'nurse', 'front_desk'],
	/** Book, reschedule, cancel and record attendance for any patient the actor may see. */
	'schedule.book': ['clinic_admin', 'physician', 'nurse', 'front_desk'],
	/** Providers' working hours, blocks, appointment types, capacity thresholds, scheduling settings. */
	'schedule.manage': ['clinic_admin', 'front_desk'],
	/** Scheduling analytics, the monthly report and the no-show model. */
	'schedule.analytics': ['clinic_admin'],
	/** Run a video consult: start one, admit from the waiting room, share reports, record. */
	'consult.host': ['physician', 'nurse'],
	/** Who may annotate, the waiting room's and the call's capacity, whether recording is offered. */
	'consult.manage': ['clinic_admin']
} as const satisfies Record<string, readonly Role[]>;
export type RolePermission = keyof typeof rolePermissions;

export function roleMay(role: Role, permission: RolePermission): boolean {
	return (rolePermissions[permission] as readonly Role[]).includes(role);
}
