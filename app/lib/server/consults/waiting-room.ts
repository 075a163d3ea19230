/**
 * The virtual waiting room and who is in the call. A patient (or proxy) who enters waits, first
 * come first served by `waiting_since`, until a clinician admits them; clinicians who may host
 * go straight into the call, and the first of them becomes the host when the consult has none.
 *
 * Every change locks the consult's row first, so capacity checks (waiting room, call) and the
 * host hand-over hold under concurrent entries. Each function authorizes through
 * access/consult-access.ts (audited), writes the timeline in the same transaction and publishes
 * the change after the commit.
 *
 * requireAdmitted is the gate for everything inside the call (media token, signaling, keys, chat,
 * shared reports, recording): a patient not admitted is refused 'not_admitted'.
 */
import { and, asc, count, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointments, consultParticipants, consults, encounters, type Consult, type ConsultParticipant, type ConsultParticipantRole } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { authorizeConsult, isUuid, type ConsultAccess } from '../access/consult-access';
import { NotFound } from '../access/errors';
import type { AuditAction } from '../audit/audit-log';
import { publishConsultChange } from './consult-changes';
import { ConsultRefusal } from './errors';
import { getConsultSettings } from './settings';
import { recordConsultEvent } from './timeline';

export type { ConsultParticipant };

/** Most characters of a message to the waiting room, or of a decline's explanation. */
export const maxWaitingMessageLength = 500;

const endedRefusal = () => new ConsultRefusal('ended', 'This consult has ended.');
const notWaiting = () => new NotFound('That person is not in the waiting room any more.');

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

async function lockConsult(tx: Tx, consultId: string): Promise<Consult> {
	const [consult] = await tx.select().from(consults).where(eq(consults.id, consultId)).for('update');
	if (!consult) throw new NotFound('There is no such consult.');
	if (consult.status === 'ended') throw endedRefusal();
	return consult;
}

async function admittedCount(tx: Tx, consultId: string, exceptUserId?: string): Promise<number> {
	const conditions = [eq(consultParticipants.consultId, consultId), eq(consultParticipants.status, 'admitted')];
	if (exceptUserId) conditions.push(ne(consultParticipants.userId, exceptUserId));
	const [row] = await tx.select({ n: count() }).from(consultParticipants).where(and(...conditions));
	return Number(row?.n ?? 0);
}

/** The call's capacity: the consult's own, never above the clinic's current setting. */
export async function callCapacityOf(db: Database, consult: Pick<Consult, 'capacity'>): Promise<number> {
	const settings = await getConsultSettings(db);
	return Math.min(consult.capacity, settings.callCapacity);
}

function textOf(value: unknown, what: string): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text.length === 0) throw new ConsultRefusal('invalid', `Write ${what}.`);
	if (text.length > maxWaitingMessageLength) throw new ConsultRefusal('invalid', `Keep ${what} under ${maxWaitingMessageLength} characters.`);
	return text;
}

function checkParticipantId(participantId: string): void {
	if (typeof participantId !== 'string' || !isUuid(participantId)) throw notWaiting();
}

export interface EnterResult {
	access: ConsultAccess;
	participant: ConsultParticipant;
}

/**
 * Enter a consult. A patient or proxy goes to the waiting room — or stays where they are when
 * already waiting (their place is kept) or admitted (a reload rejoins the call); someone who
 * left, was declined or removed knocks again at the back of the queue. Refused past the waiting
 * room's capacity. A clinician who may host is admitted at once (refused past the call's capacity
 * unless they are the host).
 */
export async function enterConsult(db: Database, actor: Actor, consultId: string): Promise<EnterResult> {
	const portal = actor.role === 'patient' || actor.role === 'proxy';
	const access = await authorizeConsult(db, actor, consultId, { action: portal ? 'consult.wait' : 'consult.join' });
	if (access.consult.status === 'ended') throw endedRefusal();
	if (access.consult.appointmentId) {
		const [appointment] = await db.select({ status: appointments.status }).from(appointments).where(eq(appointments.id, access.consult.appointmentId));
		if (appointment && (appointment.status === 'cancelled' || appointment.status === 'no_show'))
			throw new ConsultRefusal('ended', 'This video visit was cancelled. Book a new appointment if you still need one.');
	}
	const settings = await getConsultSettings(db);
	const result = await db.transaction(async (tx) => {
		const consult = await lockConsult(tx, consultId);
		const [existing] = await tx
			.select()
			.from(consultParticipants)
			.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.userId, actor.userId)));
		if (access.side === 'patient') {
			if (existing && (existing.status === 'waiting' || existing.status === 'admitted')) return { participant: existing, change: null };
			const [waiting] = await tx
				.select({ n: count() })
				.from(consultParticipants)
				.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.status, 'waiting')));
			if (Number(waiting?.n ?? 0) >= settings.waitingRoomCapacity)
				throw new ConsultRefusal('waiting_room_full', 'The waiting room is full right now. Please try again in a few minutes.');
			const role: ConsultParticipantRole = actor.role === 'proxy' ? 'proxy' : 'patient';
			const values = { status: 'waiting' as const, role, waitingSince: sql`clock_timestamp()`, admittedAt: null, admittedBy: null, leftAt: null, updatedAt: sql`now()` };
			const [participant] = existing
				? await tx.update(consultParticipants).set(values).where(eq(consultParticipants.id, existing.id)).returning()
				: await tx
						.insert(consultParticipants)
						.values({ consultId, userId: actor.userId, ...values })
						.returning();
			await recordConsultEvent(tx, { consultId, kind: 'waiting', userId: actor.userId, detail: { participantId: participant!.id, role } });
			return { participant: participant!, change: 'waiting' as const };
		}

		// Staff: straight into the call. The first clinician in becomes the host when there is none.
		let hostUserId = consult.hostUserId;
		if (hostUserId === null) {
			await tx.update(consults).set({ hostUserId: actor.userId, updatedAt: sql`now()` }).where(eq(consults.id, consultId));
			hostUserId = actor.userId;
		}
		const role: ConsultParticipantRole = hostUserId === actor.userId ? 'host' : 'clinician';
		if (existing?.status === 'admitted' && existing.role === role) return { participant: existing, change: null };
		if (existing?.status !== 'admitted' && role !== 'host' && (await admittedCount(tx, consultId, actor.userId)) >= Math.min(consult.capacity, settings.callCapacity))
			throw new ConsultRefusal('room_full', 'The call is full. Someone must leave before you can join.');
		const values = { status: 'admitted' as const, role, admittedAt: sql`now()`, admittedBy: actor.userId, joinedAt: sql`coalesce(${consultParticipants.joinedAt}, now())`, leftAt: null, updatedAt: sql`now()` };
		const [participant] = existing
			? await tx.update(consultParticipants).set(values).where(eq(consultParticipants.id, existing.id)).returning()
			: await tx
					.insert(consultParticipants)
					.values({ consultId, userId: actor.userId, ...values, joinedAt: sql`now()` })
					.returning();
		await recordConsultEvent(tx, { consultId, kind: 'joined', userId: actor.userId, detail: { participantId: participant!.id, role } });
		return { participant: participant!, change: 'roster' as const };
	});
	if (result.change) publishConsultChange({ consultId, kind: result.change });
	const [consult] = await db.select().from(consults).where(eq(consults.id, consultId));
	return { access: { ...access, consult: consult ?? access.consult, mayHost: access.side === 'staff' && (consult?.hostUserId ?? actor.userId) === actor.userId }, participant: result.participant };
}

/** A clinician admits a waiting patient; refused past the call's capacity. Admitting twice changes nothing. */
export async function admitParticipant(db: Database, actor: Actor, consultId: string, participantId: string): Promise<ConsultParticipant> {
	const access = await authorizeConsult(db, actor, consultId, { action: 'consult.admit', require: 'staff' });
	if (access.consult.status === 'ended') throw endedRefusal();
	checkParticipantId(participantId);
	const settings = await getConsultSettings(db);
	const result = await db.transaction(async (tx) => {
		const consult = await lockConsult(tx, consultId);
		const [participant] = await tx
			.select()
			.from(consultParticipants)
			.where(and(eq(consultParticipants.id, participantId), eq(consultParticipants.consultId, consultId)));
		if (!participant) throw notWaiting();
		if (participant.status === 'admitted') return { participant, changed: false };
		if (participant.status !== 'waiting') throw notWaiting();
		const capacity = Math.min(consult.capacity, settings.callCapacity);
		if ((await admittedCount(tx, consultId)) >= capacity)
			throw new ConsultRefusal('room_full', `The call is full (${capacity} people). Someone must leave before you admit another person.`);
		const [admitted] = await tx
			.update(consultParticipants)
			.set({ status: 'admitted', admittedAt: sql`now()`, admittedBy: actor.userId, leftAt: null, updatedAt: sql`now()` })
			.where(eq(consultParticipants.id, participantId))
			.returning();
		if (consult.status === 'open') {
			await tx.update(consults).set({ status: 'in_progress', startedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(consults.id, consultId));
			await tx.update(encounters).set({ status: 'in_progress', updatedAt: sql`now()` }).where(and(eq(encounters.id, consult.encounterId), eq(encounters.status, 'planned')));
		}
		await recordConsultEvent(tx, { consultId, kind: 'admitted', userId: participant.userId, detail: { participantId, by: actor.userId } });
		return { participant: admitted!, changed: true };
	});
	if (result.changed) publishConsultChange({ consultId, kind: 'admission' });
	return result.participant;
}

/** A clinician turns a waiting patient away with a sentence they will read (the text is not stored). */
export async function declineParticipant(db: Database, actor: Actor, consultId: string, participantId: string, message: string): Promise<{ participant: ConsultParticipant; message: string }> {
	const access = await authorizeConsult(db, actor, consultId, { action: 'consult.decline', require: 'staff' });
	if (access.consult.status === 'ended') throw endedRefusal();
	checkParticipantId(participantId);
	const text = textOf(message, 'a short explanation for the patient');
	const participant = await db.transaction(async (tx) => {
		await lockConsult(tx, consultId);
		const [row] = await tx
			.update(consultParticipants)
			.set({ status: 'declined', updatedAt: sql`now()` })
			.where(and(eq(consultParticipants.id, participantId), eq(consultParticipants.consultId, consultId), eq(consultParticipants.status, 'waiting')))
			.returning();
		if (!row) throw notWaiting();
		await recordConsultEvent(tx, { consultId, kind: 'declined', userId: row.userId, detail: { participantId, by: actor.userId } });
		return row;
	});
	publishConsultChange({ consultId, kind: 'waiting' });
	return { participant, message: text };
}

/** A clinician removes someone from the call or the waiting room (never the host). */
export async function removeParticipant(db: Database, actor: Actor, consultId: string, participantId: string): Promise<ConsultParticipant> {
	const access = await authorizeConsult(db, actor, consultId, { action: 'consult.remove', require: 'staff' });
	if (access.consult.status === 'ended') throw endedRefusal();
	checkParticipantId(participantId);
	const participant = await db.transaction(async (tx) => {
		await lockConsult(tx, consultId);
		const [row] = await tx
			.update(consultParticipants)
			.set({ status: 'removed', leftAt: sql`now()`, updatedAt: sql`now()` })
			.where(
				and(
					eq(consultParticipants.id, participantId),
					eq(consultParticipants.consultId, consultId),
					inArray(consultParticipants.status, ['waiting', 'admitted']),
					ne(consultParticipants.role, 'host')
				)
			)
			.returning();
		if (!row) throw new NotFound('That person is not in this consult, or is running it.');
		await recordConsultEvent(tx, { consultId, kind: 'removed', userId: row.userId, detail: { participantId, by: actor.userId } });
		return row;
	});
	publishConsultChange({ consultId, kind: 'roster' });
	return participant;
}

/**
 * Leave the waiting room or the call. Leaving when not in it changes nothing. A host who leaves
 * hands the room to the clinician admitted longest, or to the next clinician to enter.
 */
export async function leaveConsult(db: Database, actor: Actor, consultId: string): Promise<ConsultParticipant | null> {
	const access = await authorizeConsult(db, actor, consultId, { action: 'consult.leave' });
	if (access.consult.status === 'ended') return null;
	const participant = await db.transaction(async (tx) => {
		await lockConsult(tx, consultId);
		const [row] = await tx
			.update(consultParticipants)
			.set({ status: 'left', leftAt: sql`now()`, updatedAt: sql`now()` })
			.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.userId, actor.userId), inArray(consultParticipants.status, ['waiting', 'admitted'])))
			.returning();
		if (!row) return null;
		await recordConsultEvent(tx, { consultId, kind: 'left', userId: actor.userId, detail: { participantId: row.id } });
		if (row.role === 'host') {
			// The clinician admitted longest runs the room from now on; with none, the next to enter.
			const [next] = await tx
				.select()
				.from(consultParticipants)
				.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.status, 'admitted'), eq(consultParticipants.role, 'clinician')))
				.orderBy(asc(consultParticipants.admittedAt))
				.limit(1);
			if (next) await tx.update(consultParticipants).set({ role: 'host', updatedAt: sql`now()` }).where(eq(consultParticipants.id, next.id));
			// The one who left comes back as a clinician when someone else took over.
			if (next) await tx.update(consultParticipants).set({ role: 'clinician' }).where(eq(consultParticipants.id, row.id));
			await tx.update(consults).set({ hostUserId: next?.userId ?? null, updatedAt: sql`now()` }).where(eq(consults.id, consultId));
		}
		return row;
	});
	if (participant) publishConsultChange({ consultId, kind: participant.role === 'patient' || participant.role === 'proxy' ? 'waiting' : 'roster' });
	return participant;
}

export interface WaitingMessage {
	participant: ConsultParticipant;
	from: string;
	text: string;
	at: Date;
}

/** A clinician's short message to one waiting patient ("Running 5 minutes late"). The text is delivered, not stored. */
export async function messageWaiting(db: Database, actor: Actor, consultId: string, participantId: string, text: string): Promise<WaitingMessage> {
	const access = await authorizeConsult(db, actor, consultId, { action: 'consult.message_waiting', require: 'staff' });
	if (access.consult.status === 'ended') throw endedRefusal();
	checkParticipantId(participantId);
	const body = textOf(text, 'a message');
	const [participant] = await db
		.select()
		.from(consultParticipants)
		.where(and(eq(consultParticipants.id, participantId), eq(consultParticipants.consultId, consultId), eq(consultParticipants.status, 'waiting')));
	if (!participant) throw notWaiting();
	await recordConsultEvent(db, { consultId, kind: 'message_to_waiting', userId: participant.userId, detail: { participantId, by: actor.userId } });
	return { participant, from: actor.displayName, text: body, at: new Date() };
}

/**
 * The actor's participation, if they are admitted to the call now; refused 'not_admitted'
 * otherwise (a patient still waiting, someone who left or was removed, or staff who have not
 * entered), and 'ended' after the consult ended. Authorizes the consult (audited under `action`).
 */
export async function requireAdmitted(db: Database, actor: Actor, consultId: string, options: { action?: AuditAction } = {}): Promise<ConsultParticipant> {
	return (await requireAdmittedIn(db, actor, consultId, options)).participant;
}

/** requireAdmitted, with the consult the access check already loaded (its room name, say). */
export async function requireAdmittedIn(db: Database, actor: Actor, consultId: string, options: { action?: AuditAction } = {}): Promise<{ participant: ConsultParticipant; consult: Consult }> {
	const access = await authorizeConsult(db, actor, consultId, { action: options.action ?? 'consult.join' });
	if (access.consult.status === 'ended') throw endedRefusal();
	const participant = await admittedParticipant(db, consultId, actor.userId);
	if (!participant) throw new ConsultRefusal('not_admitted', access.side === 'patient' ? 'You are not in the call yet: please wait until the clinician admits you.' : 'Join the call first.');
	return { participant, consult: access.consult };
}

/**
 * The admitted participation of a user, without an access check or audit: for the socket relays
 * (signal, key, chat) on every message, after the socket passed requireAdmitted on entering.
 * Null when not admitted or the consult ended.
 */
export async function admittedParticipant(db: Database, consultId: string, userId: string): Promise<ConsultParticipant | null> {
	const [row] = await db
		.select({ participant: consultParticipants })
		.from(consultParticipants)
		.innerJoin(consults, eq(consults.id, consultParticipants.consultId))
		.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.userId, userId), eq(consultParticipants.status, 'admitted'), ne(consults.status, 'ended')));
	return row?.participant ?? null;
}

/** An admitted participant of this consult by id (the relays' recipient), or null. */
export async function admittedParticipantById(db: Database, consultId: string, participantId: string): Promise<ConsultParticipant | null> {
	if (!isUuid(participantId)) return null;
	const [row] = await db
		.select()
		.from(consultParticipants)
		.where(and(eq(consultParticipants.id, participantId), eq(consultParticipants.consultId, consultId), eq(consultParticipants.status, 'admitted')));
	return row ?? null;
}

/** Everyone of a consult, in waiting order (for the state builder). */
export async function participantsOf(db: Database, consultId: string): Promise<ConsultParticipant[]> {
	return db.select().from(consultParticipants).where(eq(consultParticipants.consultId, consultId)).orderBy(asc(consultParticipants.waitingSince), asc(consultParticipants.admittedAt));
}
