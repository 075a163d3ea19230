import type { Role } from '../../../../db/schema/index';

/**
 * Who is acting, built once per request (hooks.server.ts), per collaborative connection and
 * per socket, and passed to every domain call. Nothing reads patient data without one.
 */
export interface Actor {
	userId: string;
	role: Role;
	displayName: string;
	practitionerId: string | null;
	patientId: string | null;
	sessionId: string;
	/** Client address as the server saw it; goes into audit events. */
	sourceAddress: string | null;
	requestId: string | null;
}

export const staffRoles = ['clinic_admin', 'physician', 'nurse', 'front_desk', 'billing'] as const satisfies readonly Role[];
export const clinicalRoles = ['physician', 'nurse'] as const satisfies readonly Role[];

export function isStaff(actor: Pick<Actor, 'role'>): boolean {
	return (staffRoles as readonly Role[]).includes(actor.role);
}

export function isPortalUser(actor: Pick<Actor, 'role'>): boolean {
	return actor.role === 'patient' || actor.role === 'proxy';
}

/** An outside person a patient shared parts of the record with: sees only what was shared, only in /portal/shared. */
export function isExternal(actor: Pick<Actor, 'role'>): boolean {
	return actor.role === 'external';
}

/** Clinicians outside a patient's care team may "break the glass" in an emergency. */
export function isClinician(actor: Pick<Actor, 'role'>): boolean {
	return (clinicalRoles as readonly Role[]).includes(actor.role);
}
