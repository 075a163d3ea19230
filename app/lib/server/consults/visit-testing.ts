/**
 * A consult with people already in it, for the recording and visit-history tests: written
 * straight to the tables (the waiting room has its own tests), on the access test clinic.
 * Test-only; nothing in the app imports it.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../../db/client';
import { consultParticipants, consults, encounters, type ConsultParticipantRole, type ConsultParticipantStatus } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';

export interface ConsultFixture {
	consultId: string;
	encounterId: string;
	roomName: string;
}

export async function createConsultFixture(
	db: Database,
	options: {
		patientId: string;
		practitionerId?: string | null;
		host: Actor;
		people?: { actor: Actor; role: ConsultParticipantRole; status?: ConsultParticipantStatus }[];
		transport?: 'p2p' | 'livekit';
		startAt?: Date;
		reason?: string;
	}
): Promise<ConsultFixture> {
	const [encounter] = await db
		.insert(encounters)
		.values({
			patientId: options.patientId,
			practitionerId: options.practitionerId ?? options.host.practitionerId,
			kind: 'telehealth',
			status: 'in_progress',
			startAt: options.startAt ?? new Date(),
			reason: options.reason ?? 'Video visit'
		})
		.returning();
	const roomName = `room-${randomUUID()}`;
	const [consult] = await db
		.insert(consults)
		.values({
			patientId: options.patientId,
			encounterId: encounter!.id,
			practitionerId: options.practitionerId ?? options.host.practitionerId,
			hostUserId: options.host.userId,
			status: 'in_progress',
			transport: options.transport ?? 'p2p',
			roomName,
			createdBy: options.host.userId,
			startedAt: options.startAt ?? new Date()
		})
		.returning();
	const people = [{ actor: options.host, role: 'host' as const, status: 'admitted' as const }, ...(options.people ?? [])];
	await db.insert(consultParticipants).values(
		people.map((p) => ({
			consultId: consult!.id,
			userId: p.actor.userId,
			role: p.role,
			status: p.status ?? 'admitted',
			waitingSince: new Date(),
			admittedAt: (p.status ?? 'admitted') === 'admitted' ? new Date() : null
		}))
	);
	return { consultId: consult!.id, encounterId: encounter!.id, roomName };
}
