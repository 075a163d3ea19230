/**
 * What one participant knows of a consult right now (`consult:state`), built per recipient:
 *  - someone waiting: their own status, place in the queue and how many wait (a number, never
 *    names) — patients never see each other;
 *  - someone admitted: the people in the call, the report on screen and recording;
 *  - clinicians: the waiting queue too (names, device check, who is online);
 *  - declined, removed, left: their own status only.
 * The caller has authorized the recipient for this consult (the socket did on entering).
 */
import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { consults, users, type ConsultParticipant } from '../../../../db/schema/index';
import type { CallParticipant, ConsultState, RecordingStateView, WaitingPatient } from '../../realtime/consult-events';
import { NotFound } from '../access/errors';
import { liveSession } from './presence';
import { recordingState } from './recording';
import { getSharedView } from './shared-view';
import { callCapacityOf, participantsOf } from './waiting-room';

export type { ConsultState };

const isStaffRole = (p: Pick<ConsultParticipant, 'role'>) => p.role === 'host' || p.role === 'clinician';

const noRecording = (enabled: boolean): RecordingStateView => ({ enabled, consents: {}, everyoneConsented: false, active: null });

export async function consultStateFor(db: Database, consultId: string, userId: string): Promise<ConsultState> {
	const [consult] = await db.select().from(consults).where(eq(consults.id, consultId));
	if (!consult) throw new NotFound('There is no such consult.');
	const participants = await participantsOf(db, consultId);
	const you = participants.find((p) => p.userId === userId);
	if (!you) throw new NotFound('You have not entered this consult.');

	const waiting = participants.filter((p) => p.status === 'waiting').sort((a, b) => (a.waitingSince?.getTime() ?? 0) - (b.waitingSince?.getTime() ?? 0));
	const admitted = participants.filter((p) => p.status === 'admitted');
	const capacity = await callCapacityOf(db, consult);
	const ended = consult.status === 'ended';
	const position = you.status === 'waiting' && !ended ? waiting.findIndex((p) => p.id === you.id) + 1 : null;

	const base: ConsultState = {
		consultId,
		status: consult.status,
		transport: consult.transport,
		you: {
			participantId: you.id,
			role: you.role,
			status: you.status,
			position,
			waitingCount: position === null ? null : waiting.length
		},
		inCall: [],
		waiting: [],
		capacity,
		view: null,
		recording: noRecording(false)
	};
	if (ended || you.status !== 'admitted') return base;

	const shown = isStaffRole(you) ? [...admitted, ...waiting] : admitted;
	const names = new Map<string, string>();
	if (shown.length > 0) {
		const rows = await db.select({ id: users.id, displayName: users.displayName }).from(users).where(inArray(users.id, shown.map((p) => p.userId)));
		for (const row of rows) names.set(row.id, row.displayName);
	}
	const inCall: CallParticipant[] = admitted.map((p) => {
		const session = liveSession(consultId, p.id);
		return { participantId: p.id, userId: p.userId, displayName: names.get(p.userId) ?? 'Unknown', role: p.role, publicKey: session.publicKey, online: session.online };
	});
	const queue: WaitingPatient[] = isStaffRole(you)
		? waiting.map((p, index) => {
				const session = liveSession(consultId, p.id);
				return {
					participantId: p.id,
					userId: p.userId,
					displayName: names.get(p.userId) ?? 'Unknown',
					role: p.role === 'proxy' ? 'proxy' : 'patient',
					waitingSince: (p.waitingSince ?? p.updatedAt).toISOString(),
					position: index + 1,
					deviceCheck: session.deviceCheck,
					online: session.online
				};
			})
		: [];
	return {
		...base,
		inCall,
		waiting: queue,
		view: getSharedView(consultId),
		recording: await recordingState(db, consultId, admitted.map((p) => p.userId))
	};
}
