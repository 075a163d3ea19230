/**
 * Video consults: opening one for a telehealth appointment (or unscheduled, from the patient's
 * page), ending it, and the lists and page views. Every function authorizes through
 * access/consult-access.ts (or the patient and agent checks for lists), changes the rows, audits
 * and writes the timeline in one transaction, and after the commit publishes the change and
 * tells the media layer (a LiveKit room to create or close; nothing for peer-to-peer).
 *
 * A consult is tied to an encounter (kind 'telehealth'), whose `note:<encounterId>` document is
 * the consult note. Its media room's name is random, never the patient's name: LiveKit shows
 * room names in its own logs and dashboards.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNull, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointments, consultParticipants, consults, encounters, patients, practitioners, type Consult, type MediaTransportKind } from '../../../../db/schema/index';
import { isPortalUser, type Actor } from '../access/actor';
import { authorizeConsult, isUuid, type ConsultAccess } from '../access/consult-access';
import { AccessDenied, NotFound } from '../access/errors';
import { agentPatientIds, authorizeAgent, authorizePatient } from '../access/patient-access';
import { roleMay } from '../access/policy';
import { recordAuditEvent } from '../audit/audit-log';
import type { AppConfig } from '../platform/config';
import { getRuntime, hasRuntime } from '../platform/runtime';
import { publishConsultChange } from './consult-changes';
import { ConsultRefusal } from './errors';
import { forgetLiveSessions } from './presence';
import { stopRecordingFor } from './recording';
import { getConsultSettings } from './settings';
import { setSharedView } from './shared-view';
import { recordConsultEvent } from './timeline';

export type { Consult, ConsultAccess };

/** How the media server's rooms are made and closed (B's media/livekit/rooms.ts); injectable for tests. */
export interface MediaRoomPort {
	ensureMediaRoom(config: Pick<AppConfig, 'livekit'>, roomName: string, options: { maxParticipants: number }): Promise<void>;
	closeMediaRoom(config: Pick<AppConfig, 'livekit'>, roomName: string): Promise<void>;
}

export interface ConsultOptions {
	/** Which transport a new consult uses (LiveKit when configured). Defaults to the running app's config. */
	config?: Pick<AppConfig, 'livekit'>;
	mediaRooms?: MediaRoomPort;
}

function configOf(options: ConsultOptions): Pick<AppConfig, 'livekit'> {
	if (options.config) return options.config;
	return hasRuntime() ? getRuntime().config : { livekit: undefined };
}

async function defaultMediaRooms(): Promise<MediaRoomPort> {
	// Loaded on first use: the LiveKit SDK stays out of the way of peer-to-peer clinics.
	const rooms = await import('../../../../media/livekit/rooms');
	return { ensureMediaRoom: rooms.ensureMediaRoom, closeMediaRoom: rooms.closeMediaRoom };
}

/** The media layer's failures never undo a consult: LiveKit also makes a room when the first person joins. */
async function tellMedia(options: ConsultOptions, consult: Consult, what: 'ensure' | 'close'): Promise<void> {
	const config = configOf(options);
	if (consult.transport !== 'livekit' || !config.livekit) return;
	try {
		const rooms = options.mediaRooms ?? (await defaultMediaRooms());
		if (what === 'ensure') await rooms.ensureMediaRoom(config, consult.roomName, { maxParticipants: consult.capacity });
		else await rooms.closeMediaRoom(config, consult.roomName);
	} catch (error) {
		if (hasRuntime()) getRuntime().logger.warn({ consultId: consult.id, err: { name: (error as Error).name, message: (error as Error).message } }, `media room ${what} failed`);
	}
}

const newRoomName = () => `consult-${randomBytes(16).toString('base64url')}`;
const transportFor = (options: ConsultOptions): MediaTransportKind => (configOf(options).livekit ? 'livekit' : 'p2p');

/** Staff who may run consults, with clinical access to this patient; both refusals audited. */
async function authorizeClinician(db: Database, actor: Actor, patientId: string, action: 'consult.create' | 'consult.list', resourceType: string, resourceId: string): Promise<void> {
	if (!roleMay(actor.role, 'consult.host')) {
		await recordAuditEvent(db, actor, { action, outcome: 'denied', patientId, resourceType, resourceId, reason: `role ${actor.role}` });
		throw new AccessDenied('Your role does not allow video consults.');
	}
	await authorizePatient(db, actor, patientId, { action, require: ['clinical'], resourceType, resourceId });
}

/**
 * The consult room of a telehealth appointment, made on first use (idempotent: every later call
 * returns the same consult). Staff who may host and have clinical access to the patient, or the
 * patient and their proxies with the appointments scope, may open it.
 */
export async function openConsultForAppointment(db: Database, actor: Actor, appointmentId: string, options: ConsultOptions = {}): Promise<Consult> {
	if (typeof appointmentId !== 'string' || !isUuid(appointmentId)) throw new NotFound('No appointment with that id.');
	const [appointment] = await db.select().from(appointments).where(eq(appointments.id, appointmentId));
	if (!appointment) throw new NotFound('No appointment with that id.');
	if (isPortalUser(actor)) {
		try {
			await authorizeAgent(db, actor, appointment.patientId, { action: 'consult.create', scope: 'appointments', resourceType: 'appointment', resourceId: appointmentId });
		} catch (error) {
			// Another patient's appointment is not one this person may know of.
			if (error instanceof AccessDenied) throw new NotFound('No appointment with that id.');
			throw error;
		}
	} else {
		await authorizeClinician(db, actor, appointment.patientId, 'consult.create', 'appointment', appointmentId);
	}
	if (appointment.modality !== 'telehealth') throw new ConsultRefusal('not_telehealth', 'This appointment is an office visit, not a video visit.');

	const settings = await getConsultSettings(db);
	const transport = transportFor(options);
	const { consult, created } = await db.transaction(async (tx) => {
		// The appointment's row lock makes two first opens (patient and clinician at once) make one consult.
		const [locked] = await tx.select().from(appointments).where(eq(appointments.id, appointmentId)).for('update');
		const [existing] = await tx.select().from(consults).where(eq(consults.appointmentId, appointmentId));
		if (existing) return { consult: existing, created: false };
		if (locked!.status === 'cancelled' || locked!.status === 'no_show') throw new ConsultRefusal('ended', 'This appointment was cancelled, so its video visit cannot open.');
		let encounterId = locked!.encounterId;
		if (!encounterId) {
			const [encounter] = await tx
				.insert(encounters)
				.values({
					patientId: locked!.patientId,
					practitionerId: locked!.practitionerId,
					locationId: locked!.locationId,
					kind: 'telehealth',
					status: 'planned',
					startAt: locked!.startsAt,
					reason: locked!.reason
				})
				.returning({ id: encounters.id });
			encounterId = encounter!.id;
			await tx.update(appointments).set({ encounterId, updatedAt: sql`now()` }).where(eq(appointments.id, appointmentId));
		}
		const [row] = await tx
			.insert(consults)
			.values({
				patientId: locked!.patientId,
				encounterId,
				appointmentId,
				practitionerId: locked!.practitionerId,
				transport,
				roomName: newRoomName(),
				capacity: settings.callCapacity,
				createdBy: actor.userId
			})
			.returning();
		await recordConsultEvent(tx, { consultId: row!.id, kind: 'created', userId: actor.userId, detail: { appointmentId, transport } });
		await recordAuditEvent(tx, actor, { action: 'consult.create', outcome: 'success', patientId: row!.patientId, resourceType: 'consult', resourceId: row!.id, reason: `for appointment ${appointmentId}` });
		return { consult: row!, created: true };
	});
	if (consult.status !== 'ended') await tellMedia(options, consult, 'ensure');
	if (created) publishConsultChange({ consultId: consult.id, kind: 'waiting' });
	return consult;
}

/**
 * A clinician starts a consult now, without an appointment, from the patient's page. An open
 * unscheduled consult of this patient that the same clinician started is reused (a second click
 * does not make a second room).
 */
export async function startUnscheduledConsult(db: Database, actor: Actor, patientId: string, options: ConsultOptions = {}): Promise<Consult> {
	if (typeof patientId !== 'string' || !isUuid(patientId)) throw new NotFound('No patient with that id.');
	await authorizeClinician(db, actor, patientId, 'consult.create', 'patient', patientId);
	const settings = await getConsultSettings(db);
	const transport = transportFor(options);
	const { consult, created } = await db.transaction(async (tx) => {
		await tx.select({ id: patients.id }).from(patients).where(eq(patients.id, patientId)).for('update');
		const [existing] = await tx
			.select()
			.from(consults)
			.where(and(eq(consults.patientId, patientId), isNull(consults.appointmentId), eq(consults.createdBy, actor.userId), ne(consults.status, 'ended')))
			.orderBy(desc(consults.createdAt))
			.limit(1);
		if (existing) return { consult: existing, created: false };
		const [encounter] = await tx
			.insert(encounters)
			.values({ patientId, practitionerId: actor.practitionerId, kind: 'telehealth', status: 'planned', startAt: new Date(), reason: 'Video consult' })
			.returning({ id: encounters.id });
		const [row] = await tx
			.insert(consults)
			.values({
				patientId,
				encounterId: encounter!.id,
				practitionerId: actor.practitionerId,
				hostUserId: actor.userId,
				transport,
				roomName: newRoomName(),
				capacity: settings.callCapacity,
				createdBy: actor.userId
			})
			.returning();
		await recordConsultEvent(tx, { consultId: row!.id, kind: 'created', userId: actor.userId, detail: { unscheduled: true, transport } });
		await recordAuditEvent(tx, actor, { action: 'consult.create', outcome: 'success', patientId, resourceType: 'consult', resourceId: row!.id, reason: 'unscheduled' });
		return { consult: row!, created: true };
	});
	await tellMedia(options, consult, 'ensure');
	if (created) publishConsultChange({ consultId: consult.id, kind: 'waiting' });
	return consult;
}

/**
 * The host ends the consult for everyone: the waiting room empties, everyone in the call is
 * marked as left, a running recording stops ('call_ended'), the encounter is finished and the
 * media room closed. Ending an ended consult changes nothing.
 */
export async function endConsult(db: Database, actor: Actor, consultId: string, options: ConsultOptions = {}): Promise<Consult> {
	const access = await authorizeConsult(db, actor, consultId, { action: 'consult.end', require: 'host' });
	if (access.consult.status === 'ended') return access.consult;
	const ended = await db.transaction(async (tx) => {
		const [row] = await tx
			.update(consults)
			.set({ status: 'ended', endedAt: sql`now()`, updatedAt: sql`now()` })
			.where(and(eq(consults.id, consultId), ne(consults.status, 'ended')))
			.returning();
		if (!row) return null;
		await tx
			.update(consultParticipants)
			.set({ status: 'left', leftAt: sql`now()`, updatedAt: sql`now()` })
			.where(and(eq(consultParticipants.consultId, consultId), inArray(consultParticipants.status, ['waiting', 'admitted'])));
		await tx.update(encounters).set({ status: 'finished', endAt: sql`now()`, updatedAt: sql`now()` }).where(eq(encounters.id, row.encounterId));
		await recordConsultEvent(tx, { consultId, kind: 'ended', userId: actor.userId });
		await recordAuditEvent(tx, actor, { action: 'consult.end', outcome: 'success', patientId: row.patientId, resourceType: 'consult', resourceId: consultId, reason: 'ended by host' });
		return row;
	});
	if (!ended) {
		const [current] = await db.select().from(consults).where(eq(consults.id, consultId));
		return current!;
	}
	await stopRecordingFor(db, consultId, 'call_ended', actor, { config: configOf(options) });
	setSharedView(consultId, null);
	await tellMedia(options, ended, 'close');
	publishConsultChange({ consultId, kind: 'ended' });
	forgetLiveSessions(consultId);
	return ended;
}

export interface ConsultSummary {
	consult: Consult;
	patientName: string;
	appointmentStartsAt: Date | null;
	practitionerName: string | null;
}

const summaryColumns = {
	consult: consults,
	patientName: sql<string>`${patients.givenName} || ' ' || ${patients.familyName}`,
	appointmentStartsAt: appointments.startsAt,
	practitionerName: sql<string | null>`case when ${practitioners.id} is null then null else ${practitioners.givenName} || ' ' || ${practitioners.familyName} end`
};

function summaries(db: Database) {
	return db
		.select(summaryColumns)
		.from(consults)
		.innerJoin(patients, eq(patients.id, consults.patientId))
		.leftJoin(appointments, eq(appointments.id, consults.appointmentId))
		.leftJoin(practitioners, eq(practitioners.id, consults.practitionerId));
}

/** A patient's consults, newest first: clinicians with clinical access, or the patient's agents (appointments scope). */
export async function listConsultsForPatient(db: Database, actor: Actor, patientId: string): Promise<ConsultSummary[]> {
	if (typeof patientId !== 'string' || !isUuid(patientId)) throw new NotFound('No patient with that id.');
	if (isPortalUser(actor)) await authorizeAgent(db, actor, patientId, { action: 'consult.list', scope: 'appointments' });
	else await authorizeClinician(db, actor, patientId, 'consult.list', 'patient', patientId);
	return summaries(db).where(eq(consults.patientId, patientId)).orderBy(desc(consults.createdAt));
}

/**
 * What the portal shows: the open and running consults of the patients this person acts for
 * (themself, and those whose proxy grant carries the appointments scope). One audit event.
 */
export async function listOpenConsultsForAgent(db: Database, actor: Actor): Promise<ConsultSummary[]> {
	const patientIds = await agentPatientIds(db, actor, 'appointments');
	if (patientIds.length === 0) return [];
	const rows = await summaries(db)
		// A visit cancelled after its room opened is not offered any more.
		.where(and(inArray(consults.patientId, patientIds), ne(consults.status, 'ended'), or(isNull(consults.appointmentId), notInArray(appointments.status, ['cancelled', 'no_show']))))
		.orderBy(desc(consults.createdAt));
	await recordAuditEvent(db, actor, {
		action: 'consult.list',
		outcome: 'success',
		resourceType: 'consult',
		reason: `open consults of ${patientIds.length} patient(s): ${rows.length}`
	});
	return rows;
}

export interface ConsultView extends ConsultAccess {
	appointmentStartsAt: Date | null;
	practitionerName: string | null;
	encounterId: string;
}

/** For page loads: the consult, whose it is, when it was booked for, and which side the viewer is on. */
export async function getConsultView(db: Database, actor: Actor, consultId: string): Promise<ConsultView> {
	const access = await authorizeConsult(db, actor, consultId, { action: 'consult.view' });
	const [row] = await summaries(db).where(eq(consults.id, consultId));
	return { ...access, appointmentStartsAt: row?.appointmentStartsAt ?? null, practitionerName: row?.practitionerName ?? null, encounterId: access.consult.encounterId };
}
