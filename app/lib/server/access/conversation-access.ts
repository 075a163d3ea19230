import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeams, proxyGrants, users, type Conversation, type ConversationKind, type MemberAccess, type Role } from '../../../../db/schema/index';
import type { Actor } from './actor';
import { isStaff, staffRoles } from './actor';
import { authorizePatient, isOnCareTeam } from './patient-access';
import { activeProxyScopes } from './grants';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';
import { ChatRefusal } from '../messaging/errors';

/**
 * Who may be in which conversation, and with what access. The one place that decides it: the
 * messaging modules ask here when a conversation is created, a member is added, a message is
 * sent or history is read, and membership of patient threads is derived from these rules (and
 * re-derived when a care team or a proxy grant changes).
 *
 *  - direct, group: staff with staff (patients and proxies never; outside people never).
 *  - care_team: the physicians and nurses on the patient's care team; clinical, so the front
 *    desk and billing never, even as viewers.
 *  - patient_care: the patient, proxies whose active grant has the 'messages' scope, and the care
 *    team's clinicians.
 *  - patient_appointments: the patient, proxies with 'messages' or 'appointments', and every
 *    front desk account.
 *  - view-only: a role named in conversations.view_only_roles joins read-only, when the thread's
 *    kind allows that role at all (clinical threads: administrators and clinicians only).
 *
 * Patient threads also pass authorizePatient on every open, send and history read, so each is
 * in the patient's audit trail and a relationship that ended refuses at once.
 */

export const patientThreadKinds = ['care_team', 'patient_care', 'patient_appointments'] as const satisfies readonly ConversationKind[];
export type PatientThreadKind = (typeof patientThreadKinds)[number];

export function isPatientThread(kind: ConversationKind): kind is PatientThreadKind {
	return (patientThreadKinds as readonly string[]).includes(kind);
}

/** Threads whose content is clinical: only clinicians (and administrators as viewers) of the patient. */
const clinicalKinds: readonly ConversationKind[] = ['care_team', 'patient_care'];
/** Roles that may be viewers of a clinical thread (front desk and billing never are). */
const clinicalViewerRoles: readonly Role[] = ['clinic_admin', 'physician', 'nurse'];

/** What the rules need to know of a person. */
export interface ChatPerson {
	id: string;
	role: Role;
	practitionerId: string | null;
	patientId: string | null;
}

const personColumns = { id: users.id, role: users.role, practitionerId: users.practitionerId, patientId: users.patientId };

/** The highest access the rules give `person` in a thread of `kind`, or null when they may not be in it. */
export async function ruleAccess(
	db: Database,
	conversation: Pick<Conversation, 'kind' | 'patientId' | 'viewOnlyRoles'>,
	person: ChatPerson
): Promise<MemberAccess | null> {
	const { kind, patientId } = conversation;
	if (kind === 'direct' || kind === 'group') return (staffRoles as readonly Role[]).includes(person.role) ? 'post' : null;
	if (!patientId) return null;
	const viewer = (): MemberAccess | null => {
		if (!conversation.viewOnlyRoles.includes(person.role)) return null;
		if (clinicalKinds.includes(kind)) return clinicalViewerRoles.includes(person.role) ? 'read' : null;
		return (staffRoles as readonly Role[]).includes(person.role) ? 'read' : null;
	};
	switch (person.role) {
		case 'patient':
			return kind !== 'care_team' && person.patientId === patientId ? 'post' : null;
		case 'proxy': {
			if (kind === 'care_team') return null;
			const scopes = await activeProxyScopes(db, person.id, patientId);
			const wanted = kind === 'patient_care' ? ['messages'] : ['messages', 'appointments'];
			return scopes.some((s) => wanted.includes(s)) ? 'post' : null;
		}
		case 'physician':
		case 'nurse':
			if (kind !== 'patient_appointments' && person.practitionerId && (await isOnCareTeam(db, person.practitionerId, patientId))) return 'post';
			return viewer();
		case 'front_desk':
			return kind === 'patient_appointments' ? 'post' : viewer();
		case 'clinic_admin':
		case 'billing':
			return viewer();
		default:
			return null;
	}
}

/** Everyone the rules put in a patient thread, with their access (active accounts only). */
export async function derivedMembers(db: Database, conversation: Pick<Conversation, 'kind' | 'patientId' | 'viewOnlyRoles'>): Promise<Map<string, MemberAccess>> {
	const { kind, patientId } = conversation;
	const members = new Map<string, MemberAccess>();
	if (!patientId || !isPatientThread(kind)) return members;
	const candidates: ChatPerson[] = [];
	const active = eq(users.active, true);
	if (kind !== 'care_team') {
		candidates.push(...(await db.select(personColumns).from(users).where(and(active, eq(users.role, 'patient'), eq(users.patientId, patientId)))));
		const proxies = await db
			.select(personColumns)
			.from(users)
			.innerJoin(proxyGrants, eq(proxyGrants.proxyUserId, users.id))
			.where(and(active, eq(users.role, 'proxy'), eq(proxyGrants.patientId, patientId), isNull(proxyGrants.revokedAt)));
		candidates.push(...proxies);
	}
	if (kind !== 'patient_appointments') {
		const team = await db
			.select(personColumns)
			.from(users)
			.innerJoin(careTeamMembers, eq(careTeamMembers.practitionerId, users.practitionerId))
			.innerJoin(careTeams, eq(careTeams.id, careTeamMembers.careTeamId))
			.where(and(active, inArray(users.role, ['physician', 'nurse']), eq(careTeams.patientId, patientId)));
		candidates.push(...team);
	} else {
		candidates.push(...(await db.select(personColumns).from(users).where(and(active, eq(users.role, 'front_desk')))));
	}
	if (conversation.viewOnlyRoles.length > 0) {
		candidates.push(...(await db.select(personColumns).from(users).where(and(active, inArray(users.role, conversation.viewOnlyRoles as Role[])))));
	}
	const seen = new Set<string>();
	for (const person of candidates) {
		if (seen.has(person.id)) continue;
		seen.add(person.id);
		const access = await ruleAccess(db, conversation, person);
		if (access) members.set(person.id, access);
	}
	return members;
}

/** May this person start a conversation of this kind (about this patient)? Throws a refusal if not. */
export async function requireMayCreate(db: Database, actor: Actor, kind: ConversationKind, patientId: string | null): Promise<void> {
	if (kind === 'direct' || kind === 'group') {
		if (!isStaff(actor)) throw new ChatRefusal('forbidden', 'Only clinic staff can start a staff conversation.');
		return;
	}
	if (!patientId) throw new ChatRefusal('invalid', 'Choose the patient this conversation is about.');
	const access = await ruleAccess(db, { kind, patientId, viewOnlyRoles: [] }, personOf(actor));
	if (access !== 'post') {
		await denied(db, actor, 'conversation.create', patientId, null, `not a participant of ${kind}`);
		throw new ChatRefusal('forbidden', refusalFor(kind));
	}
	await authorizePatient(db, actor, patientId, { action: 'conversation.create', require: requiredParts(kind, actor), resourceType: 'conversation' });
}

/**
 * Checks that `actor` may read (`need` 'read') or post in `conversation` now, beyond the
 * membership row: the rules again (a grant may have expired without anyone telling us) and, for
 * a patient thread, authorizePatient (audited under `action`). Throws a ChatRefusal.
 */
export async function requireConversationAccess(
	db: Database,
	actor: Actor,
	conversation: Conversation,
	memberAccess: MemberAccess,
	need: MemberAccess,
	action: AuditAction
): Promise<void> {
	if (need === 'post' && memberAccess !== 'post') throw new ChatRefusal('read_only', 'You can read this conversation but not write in it.');
	const rule = await ruleAccess(db, conversation, personOf(actor));
	const explicitViewer = memberAccess === 'read' && (conversation.kind === 'direct' || conversation.kind === 'group') && isStaff(actor);
	if (!rule && !explicitViewer) {
		if (conversation.patientId) await denied(db, actor, action, conversation.patientId, conversation.id, 'no longer a participant');
		throw new ChatRefusal('forbidden', 'You no longer have access to this conversation.');
	}
	if (need === 'post' && rule === 'read') throw new ChatRefusal('read_only', 'You can read this conversation but not write in it.');
	if (conversation.patientId && isPatientThread(conversation.kind)) {
		await authorizePatient(db, actor, conversation.patientId, {
			action,
			require: requiredParts(conversation.kind, actor),
			resourceType: 'conversation',
			resourceId: conversation.id
		});
	}
}

/** Staff in clinical threads need the clinical part; the patient's own agents reach them through the grant the rules checked. */
function requiredParts(kind: ConversationKind, actor: Pick<Actor, 'role'>): ('clinical' | 'demographics')[] {
	return clinicalKinds.includes(kind) && isStaff(actor) ? ['clinical'] : ['demographics'];
}

function refusalFor(kind: ConversationKind): string {
	switch (kind) {
		case 'care_team':
			return 'Only the physicians and nurses on this patient’s care team can use its care-team thread.';
		case 'patient_care':
			return 'Only the patient, people they allowed to message for them, and their care team can use this thread.';
		default:
			return 'Only the patient, people they allowed to act for them, and the front desk can use the appointments thread.';
	}
}

export function personOf(actor: Actor): ChatPerson {
	return { id: actor.userId, role: actor.role, practitionerId: actor.practitionerId, patientId: actor.patientId };
}

export async function personById(db: Database, userId: string): Promise<(ChatPerson & { active: boolean }) | null> {
	const [row] = await db.select({ ...personColumns, active: users.active }).from(users).where(eq(users.id, userId));
	return row ?? null;
}

async function denied(db: Database, actor: Actor, action: AuditAction, patientId: string, conversationId: string | null, reason: string): Promise<void> {
	await recordAuditEvent(db, actor, { action, outcome: 'denied', patientId, resourceType: 'conversation', resourceId: conversationId ?? patientId, reason });
}
