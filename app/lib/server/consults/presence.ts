/**
 * Who is in a consult right now.
 *
 *  - Live sessions (in memory): which participants have a socket open in the consult, with the
 *    X25519 public key of that browser session (for the sealed call key) and the device check's
 *    verdict. A participant is online while at least one of their sockets is. Keys are per
 *    browser session and never stored: a restart makes everyone enter again with a fresh key.
 *  - Media presence (stored): LiveKit's verified webhooks say when a participant's media joined
 *    and left the room; that goes on the participant row and into the visit's timeline.
 *
 * The in-memory part lives on globalThis for the reason runtime.ts gives.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { consultParticipants, consults } from '../../../../db/schema/index';
import type { DeviceCheckVerdict } from '../../realtime/consult-events';
import { recordAuditEvent } from '../audit/audit-log';
import { isUuid } from '../access/consult-access';
import { publishConsultChange } from './consult-changes';
import { recordConsultEvent } from './timeline';

export interface LiveSession {
	online: boolean;
	publicKey: string | null;
	deviceCheck: DeviceCheckVerdict | null;
}

interface LiveEntry {
	sockets: Set<string>;
	publicKey: string | null;
	deviceCheck: DeviceCheckVerdict | null;
}

const liveKey = Symbol.for('clinicsync.consult-live-sessions');
type LiveHolder = { [liveKey]?: Map<string, Map<string, LiveEntry>> };

function live(): Map<string, Map<string, LiveEntry>> {
	return ((globalThis as LiveHolder)[liveKey] ??= new Map());
}

/** A socket of this participant is in the consult; the latest socket's key and verdict win. */
export function markOnline(consultId: string, participantId: string, socketId: string, session: { publicKey: string | null; deviceCheck?: DeviceCheckVerdict | null }): void {
	const byParticipant = live().get(consultId) ?? new Map<string, LiveEntry>();
	live().set(consultId, byParticipant);
	const entry = byParticipant.get(participantId) ?? { sockets: new Set<string>(), publicKey: null, deviceCheck: null };
	entry.sockets.add(socketId);
	entry.publicKey = session.publicKey;
	if (session.deviceCheck !== undefined) entry.deviceCheck = session.deviceCheck;
	byParticipant.set(participantId, entry);
}

/** That socket left (or disconnected). Returns true when the participant has no socket left. */
export function markOffline(consultId: string, participantId: string, socketId: string): boolean {
	const byParticipant = live().get(consultId);
	const entry = byParticipant?.get(participantId);
	if (!byParticipant || !entry) return true;
	entry.sockets.delete(socketId);
	if (entry.sockets.size > 0) return false;
	// Keep the device check's verdict for the queue; the key belonged to the closed session.
	entry.publicKey = null;
	return true;
}

export function liveSession(consultId: string, participantId: string): LiveSession {
	const entry = live().get(consultId)?.get(participantId);
	return { online: (entry?.sockets.size ?? 0) > 0, publicKey: entry?.publicKey ?? null, deviceCheck: entry?.deviceCheck ?? null };
}

/** Forgets a consult's live sessions (it ended). */
export function forgetLiveSessions(consultId: string): void {
	live().delete(consultId);
}

export interface MediaPresenceInput {
	roomName: string;
	/** The LiveKit participant identity: our consult_participants.id. */
	participantIdentity: string;
	event: 'joined' | 'left';
	at: Date;
	source: 'livekit';
}

export type MediaPresenceResult = { recorded: true; consultId: string; participantId: string } | { recorded: false; reason: 'unknown_room' | 'unknown_participant' };

/**
 * A verified media-server webhook: the participant's media joined or left the room. Sets the
 * first join and the last leave on the participant, adds the timeline event and audits it
 * (no actor: the media server is the source). An unknown room or identity changes nothing.
 */
export async function recordMediaPresence(db: Database, input: MediaPresenceInput): Promise<MediaPresenceResult> {
	const [consult] = await db.select({ id: consults.id, patientId: consults.patientId }).from(consults).where(eq(consults.roomName, input.roomName));
	if (!consult) return { recorded: false, reason: 'unknown_room' };
	if (!isUuid(input.participantIdentity)) return { recorded: false, reason: 'unknown_participant' };
	const at = input.at instanceof Date && !Number.isNaN(input.at.getTime()) ? input.at : new Date();
	const recorded = await db.transaction(async (tx) => {
		const [participant] = await tx
			.update(consultParticipants)
			.set(
				input.event === 'joined'
					? { joinedAt: sql`coalesce(${consultParticipants.joinedAt}, ${at.toISOString()}::timestamptz)`, updatedAt: sql`now()` }
					: { leftAt: at, updatedAt: sql`now()` }
			)
			.where(and(eq(consultParticipants.id, input.participantIdentity), eq(consultParticipants.consultId, consult.id)))
			.returning();
		if (!participant) return null;
		await recordConsultEvent(tx, { consultId: consult.id, kind: input.event, userId: participant.userId, source: input.source, detail: { participantId: participant.id }, at });
		await recordAuditEvent(tx, null, {
			action: 'consult.webhook',
			outcome: 'success',
			patientId: consult.patientId,
			resourceType: 'consult',
			resourceId: consult.id,
			reason: `${input.source} participant ${input.event}`
		});
		return participant;
	});
	if (!recorded) return { recorded: false, reason: 'unknown_participant' };
	publishConsultChange({ consultId: consult.id, kind: 'roster' });
	return { recorded: true, consultId: consult.id, participantId: recorded.id };
}
