/**
 * socket.io handlers of video consults (issue 7): the waiting room, admission, WebRTC signaling,
 * sealed call keys, in-call chat, the shared view and recording consent. Thin: each handler
 * validates its payload (a bad one is answered with a sentence and changes nothing) and calls
 * app/lib/server/consults/*, which passes the access module.
 *
 * Each socket keeps the consults it entered. On every committed consult change (the change bus)
 * it rebuilds its own `consult:state` — per recipient, so a waiting patient never learns of
 * anyone else — and moves itself in or out of the call room. Relays (signal, key, chat) check
 * both ends are admitted to the same consult on every message; the server never holds a key.
 */
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Database } from '../db/client';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../app/lib/realtime/events';
import { consultCallRoom, consultParticipantRoom, consultStaffRoom, type ConsultClientToServerEvents } from '../app/lib/realtime/consult-events';
import { onAccessEvent } from '../app/lib/server/access/access-events';
import { AccessDenied, NotFound } from '../app/lib/server/access/errors';
import { onConsultChange, publishConsultChange } from '../app/lib/server/consults/consult-changes';
import { endConsult } from '../app/lib/server/consults/consults';
import { consultStateFor } from '../app/lib/server/consults/consult-state';
import { ConsultRefusal } from '../app/lib/server/consults/errors';
import { liveSession, markOffline, markOnline } from '../app/lib/server/consults/presence';
import { setRecordingConsent, startRecording, stopRecording } from '../app/lib/server/consults/recording';
import { shareDocumentIntoConsult } from '../app/lib/server/consults/shared-documents';
import { getSharedView, setSharedView } from '../app/lib/server/consults/shared-view';
import {
	admitParticipant,
	admittedParticipant,
	admittedParticipantById,
	declineParticipant,
	enterConsult,
	leaveConsult,
	maxWaitingMessageLength,
	messageWaiting,
	requireAdmitted,
	requireAdmittedIn
} from '../app/lib/server/consults/waiting-room';
import type { AppConfig } from '../app/lib/server/platform/config';
import type { Logger } from '../app/lib/server/platform/logger';
import { mediaAccessFor } from '../media/server/media-access';

export type ConsultServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ConsultSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface ConsultHandlerDeps {
	db: Database;
	logger: Logger;
	config: AppConfig;
}

/** Size caps of relayed payloads: a WebRTC signal, a sealed call key, a chat message (characters of base64/JSON). */
export const consultRelayLimits = { signal: 64 * 1024, sealedKey: 1024, chat: 16 * 1024 } as const;

const uuid = z.string().uuid();
const base64 = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9+/_-]+={0,2}$/);

const consultOnly = z.object({ consultId: uuid }).strict();
const schemas = {
	enter: z
		.object({ consultId: uuid, publicKey: base64(128), deviceCheck: z.enum(['good', 'fair', 'poor']).nullable().optional() })
		.strict(),
	participant: z.object({ consultId: uuid, participantId: uuid }).strict(),
	decline: z.object({ consultId: uuid, participantId: uuid, message: z.string().trim().min(1).max(maxWaitingMessageLength) }).strict(),
	messageWaiting: z.object({ consultId: uuid, participantId: uuid, text: z.string().trim().min(1).max(maxWaitingMessageLength) }).strict(),
	signal: z
		.object({
			consultId: uuid,
			to: uuid,
			signal: z.discriminatedUnion('type', [
				z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().max(consultRelayLimits.signal) }).strict(),
				z
					.object({
						type: z.literal('candidate'),
						candidate: z
							.object({
								candidate: z.string().max(4096),
								sdpMid: z.string().max(256).nullable().optional(),
								sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
								usernameFragment: z.string().max(256).nullable().optional()
							})
							.strict()
							.nullable()
					})
					.strict(),
				z.object({ type: z.literal('restart') }).strict(),
				z.object({ type: z.literal('media-info'), screenStreamId: z.string().max(256).nullable() }).strict()
			])
		})
		.strict(),
	key: z.object({ consultId: uuid, to: uuid, sealed: base64(consultRelayLimits.sealedKey) }).strict(),
	chat: z.object({ consultId: uuid, nonce: base64(64), ciphertext: base64(consultRelayLimits.chat) }).strict(),
	view: z
		.object({ consultId: uuid, documentId: uuid.nullable(), page: z.number().int().min(1).max(10_000) })
		.strict(),
	consent: z.object({ consultId: uuid, granted: z.boolean() }).strict(),
	recording: z.object({ consultId: uuid, action: z.enum(['start', 'stop']) }).strict()
};

/** What each event says when its payload is not what it should be. */
const invalid: Record<keyof ConsultClientToServerEvents, string> = {
	'consult:enter': 'Send the consult’s id and this browser’s public key to enter.',
	'consult:leave': 'Send the id of the consult to leave.',
	'consult:admit': 'Say which consult and which waiting person to admit.',
	'consult:decline': `Say which waiting person to turn away, with a message for them (up to ${maxWaitingMessageLength} characters).`,
	'consult:message-waiting': `Say which waiting person to write to, and the message (up to ${maxWaitingMessageLength} characters).`,
	'consult:media': 'Send the id of the consult to connect to.',
	'consult:signal': `That connection message is malformed or too large (at most ${consultRelayLimits.signal / 1024} KiB).`,
	'consult:key': 'That key message is malformed or too large.',
	'consult:chat': `That chat message is malformed or too long (at most ${consultRelayLimits.chat / 1024} KiB).`,
	'consult:view': 'Say which report to show (or none) and a page number from 1.',
	'consult:recording-consent': 'Say whether you agree to recording (yes or no).',
	'consult:recording': 'Say whether to start or stop recording.',
	'consult:end': 'Send the id of the consult to end.'
};

const generalFailure = 'Something went wrong on our side. Try again.';

interface Entered {
	participantId: string;
	patientId: string;
	side: 'staff' | 'patient';
}

export function registerConsultHandlers(io: ConsultServer, socket: ConsultSocket, deps: ConsultHandlerDeps): void {
	const { db, logger, config } = deps;
	const entered = new Map<string, Entered>();
	/** Signals and keys of this socket, relayed one after another (see handle). */
	let relayQueue: Promise<void> = Promise.resolve();
	/** Per consult: a rebuild is running, and another was asked for meanwhile (coalesced). */
	const rebuilding = new Map<string, { dirty: boolean }>();

	const fail = (event: string, error: unknown, reply: (r: { ok: false; error: string }) => void) => {
		if (error instanceof ConsultRefusal || error instanceof AccessDenied || error instanceof NotFound) return reply({ ok: false, error: error.message });
		logger.error({ event, err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'consult handler failed');
		reply({ ok: false, error: generalFailure });
	};

	/**
	 * Registers a handler: the payload is validated first (a bad one is answered with the event's
	 * sentence and nothing runs); the result is spread into `{ ok: true }`.
	 */
	function handle<E extends keyof ConsultClientToServerEvents, S extends z.ZodTypeAny>(
		event: E,
		schema: S,
		run: (payload: z.infer<S>) => Promise<object | void>,
		options: { ordered?: boolean } = {}
	): void {
		const listener = (payload: unknown, ack?: unknown) => {
			const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => {};
			const parsed = schema.safeParse(payload);
			if (!parsed.success) return reply({ ok: false, error: invalid[event] });
			const settle = (work: Promise<object | void>) =>
				work.then(
					(extra) => reply({ ok: true, ...(extra ?? {}) }),
					(error: unknown) => fail(event, error, reply)
				);
			if (!options.ordered) return void settle(run(parsed.data));
			// Each relay waits on the database (is the recipient admitted?); on a pool, two lookups can
			// finish out of order, and an answer overtaking its offer breaks negotiation. Relays of
			// one socket therefore go out in the order they came in.
			relayQueue = relayQueue.then(() => settle(run(parsed.data)));
		};
		socket.on(event, listener as never);
	}

	const leaveRooms = async (consultId: string, participantId: string) => {
		await Promise.all([socket.leave(consultCallRoom(consultId)), socket.leave(consultStaffRoom(consultId)), socket.leave(consultParticipantRoom(consultId, participantId))]);
	};

	/** This socket is out of the consult (left, removed, declined, ended, access gone). */
	const drop = async (consultId: string, announce: boolean) => {
		const e = entered.get(consultId);
		if (!e) return;
		entered.delete(consultId);
		await leaveRooms(consultId, e.participantId);
		if (markOffline(consultId, e.participantId, socket.id) && announce) publishConsultChange({ consultId, kind: 'roster' });
	};

	const pushState = async (consultId: string) => {
		const e = entered.get(consultId);
		if (!e || socket.disconnected) return;
		const state = await consultStateFor(db, consultId, socket.data.userId);
		// Dropped while the state was built: say nothing more.
		if (!entered.has(consultId) || socket.disconnected) return;
		if (state.status === 'ended') {
			await drop(consultId, false);
			socket.emit('consult:state', state);
			socket.emit('consult:closed', { consultId, reason: 'The consult has ended.' });
			return;
		}
		if (state.you.status === 'admitted') await socket.join(consultCallRoom(consultId));
		else await socket.leave(consultCallRoom(consultId));
		socket.emit('consult:state', state);
		if (state.you.status === 'removed') {
			await drop(consultId, false);
			socket.emit('consult:closed', { consultId, reason: 'The clinician has ended your part in this call.' });
		} else if (state.you.status === 'left') {
			await drop(consultId, false);
		}
		// Declined: the socket stays in its own room only (the clinician's words come with
		// 'consult:closed' from the decline), and may knock again with 'consult:enter'.
	};

	const rebuild = (consultId: string) => {
		const running = rebuilding.get(consultId);
		if (running) {
			running.dirty = true;
			return;
		}
		const marker = { dirty: false };
		rebuilding.set(consultId, marker);
		void (async () => {
			try {
				do {
					marker.dirty = false;
					await pushState(consultId);
				} while (marker.dirty);
			} catch (error) {
				logger.warn({ consultId, err: { name: (error as Error).name, message: (error as Error).message } }, 'consult state push failed');
			} finally {
				rebuilding.delete(consultId);
			}
		})();
	};

	const stopChanges = onConsultChange((change) => {
		if (entered.has(change.consultId)) rebuild(change.consultId);
	});
	// A revoked share or emergency access closes the consult of that patient for this socket at
	// once (sign-out closes the whole socket in realtime.ts, which lands in 'disconnect').
	const stopAccess = onAccessEvent((event) => {
		if (event.kind !== 'access-revoked' || event.userId !== socket.data.userId) return;
		for (const [consultId, e] of [...entered]) {
			if (e.patientId !== event.patientId) continue;
			socket.emit('consult:closed', { consultId, reason: 'Your access to this patient’s record has ended.' });
			void drop(consultId, true);
		}
	});
	socket.on('disconnect', () => {
		stopChanges();
		stopAccess();
		for (const [consultId, e] of entered) {
			if (markOffline(consultId, e.participantId, socket.id)) publishConsultChange({ consultId, kind: 'roster' });
		}
		entered.clear();
	});

	/** The admitted participant behind this socket, for relays: entered here and admitted now. */
	const relaySender = async (consultId: string) => {
		const e = entered.get(consultId);
		const participant = e ? await admittedParticipant(db, consultId, socket.data.userId) : null;
		if (!participant) throw new ConsultRefusal('not_admitted', e?.side === 'staff' ? 'Join the call first.' : 'You are not in the call yet: please wait until the clinician admits you.');
		return participant;
	};

	handle('consult:enter', schemas.enter, async ({ consultId, publicKey, deviceCheck }) => {
		const actor = socket.data.actor;
		const { access, participant } = await enterConsult(db, actor, consultId);
		// The socket may have gone while we looked.
		if (socket.disconnected) return;
		entered.set(consultId, { participantId: participant.id, patientId: access.consult.patientId, side: access.side });
		markOnline(consultId, participant.id, socket.id, { publicKey, deviceCheck: deviceCheck ?? null });
		await socket.join(consultParticipantRoom(consultId, participant.id));
		if (access.side === 'staff') await socket.join(consultStaffRoom(consultId));
		if (participant.status === 'admitted') await socket.join(consultCallRoom(consultId));
		// Everyone else rebuilds (this one is online now, with a key); this socket answers here.
		publishConsultChange({ consultId, kind: 'roster' });
		const state = await consultStateFor(db, consultId, actor.userId);
		return { state };
	});

	handle('consult:leave', consultOnly, async ({ consultId }) => {
		await leaveConsult(db, socket.data.actor, consultId);
		await drop(consultId, true);
	});

	handle('consult:admit', schemas.participant, async ({ consultId, participantId }) => {
		await admitParticipant(db, socket.data.actor, consultId, participantId);
		// Into the call room now, so nothing said right after the admission is missed.
		io.in(consultParticipantRoom(consultId, participantId)).socketsJoin(consultCallRoom(consultId));
	});

	handle('consult:decline', schemas.decline, async ({ consultId, participantId, message }) => {
		const declined = await declineParticipant(db, socket.data.actor, consultId, participantId, message);
		const room = consultParticipantRoom(consultId, participantId);
		io.in(room).socketsLeave(consultCallRoom(consultId));
		io.to(room).emit('consult:closed', { consultId, reason: declined.message });
	});

	handle('consult:message-waiting', schemas.messageWaiting, async ({ consultId, participantId, text }) => {
		const message = await messageWaiting(db, socket.data.actor, consultId, participantId, text);
		io.to(consultParticipantRoom(consultId, participantId)).emit('consult:waiting-message', { consultId, from: message.from, text: message.text, at: message.at.toISOString() });
	});

	handle('consult:media', consultOnly, async ({ consultId }) => {
		const actor = socket.data.actor;
		const { participant, consult } = await requireAdmittedIn(db, actor, consultId, { action: 'consult.media_token' });
		const media = await mediaAccessFor(config, { roomName: consult.roomName, participantId: participant.id, displayName: actor.displayName, role: participant.role });
		return { media };
	});

	handle('consult:signal', schemas.signal, async ({ consultId, to, signal }) => {
		if (JSON.stringify(signal).length > consultRelayLimits.signal) throw new ConsultRefusal('invalid', invalid['consult:signal']);
		const sender = await relaySender(consultId);
		const recipient = to === sender.id ? null : await admittedParticipantById(db, consultId, to);
		if (!recipient) throw new ConsultRefusal('not_admitted', 'That person is not in the call.');
		io.to(consultParticipantRoom(consultId, recipient.id)).emit('consult:signal', { consultId, from: sender.id, signal });
	}, { ordered: true });

	handle('consult:key', schemas.key, async ({ consultId, to, sealed }) => {
		const sender = await relaySender(consultId);
		const recipient = to === sender.id ? null : await admittedParticipantById(db, consultId, to);
		if (!recipient) throw new ConsultRefusal('not_admitted', 'That person is not in the call.');
		io.to(consultParticipantRoom(consultId, recipient.id)).emit('consult:key', { consultId, from: sender.id, sealed });
	}, { ordered: true });

	handle('consult:chat', schemas.chat, async ({ consultId, nonce, ciphertext }) => {
		const sender = await relaySender(consultId);
		// To the others in the call; the sender's page shows its own message on this answer.
		socket.to(consultCallRoom(consultId)).emit('consult:chat', { consultId, from: sender.id, fromName: socket.data.actor.displayName, nonce, ciphertext, at: new Date().toISOString() });
	});

	handle('consult:view', schemas.view, async ({ consultId, documentId, page }) => {
		const actor = socket.data.actor;
		const participant = await requireAdmitted(db, actor, consultId, { action: 'consult.document_view' });
		if (participant.role !== 'host' && participant.role !== 'clinician') throw new AccessDenied('Only the clinician can choose what the call shows.');
		if (documentId === null) {
			setSharedView(consultId, null);
		} else {
			const current = getSharedView(consultId);
			if (current?.documentId === documentId) {
				setSharedView(consultId, { ...current, page });
			} else {
				const shared = await shareDocumentIntoConsult(db, actor, consultId, documentId);
				setSharedView(consultId, { documentId: shared.documentId, title: shared.title, contentType: shared.contentType, page, sharedBy: actor.displayName });
			}
		}
		publishConsultChange({ consultId, kind: 'view' });
	});

	handle('consult:recording-consent', schemas.consent, async ({ consultId, granted }) => {
		await setRecordingConsent(db, socket.data.actor, consultId, granted, { config });
	});

	handle('consult:recording', schemas.recording, async ({ consultId, action }) => {
		if (action === 'start') {
			const started = await startRecording(db, socket.data.actor, consultId, { config });
			return { recordingId: started.recordingId };
		}
		const stopped = await stopRecording(db, socket.data.actor, consultId, { config });
		return { recordingId: stopped.recordingId };
	});

	handle('consult:end', consultOnly, async ({ consultId }) => {
		await endConsult(db, socket.data.actor, consultId, { config });
	});
}

/** Whether a participant has a socket in the consult now (for tests and the queue). */
export const isParticipantOnline = (consultId: string, participantId: string): boolean => liveSession(consultId, participantId).online;
