/**
 * socket.io handlers of every 'chat:*' event: conversations, messages, receipts, settings. Thin:
 * each calls one domain module (app/lib/server/messaging) with the socket's actor and answers
 * with a ChatAck; a refusal carries its sentence and code, anything unexpected is logged and
 * answered generically. Fan-out goes to the members' user rooms (`user:<id>`, joined at the
 * handshake in realtime.ts), so every tab of every member hears it.
 */
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Database } from '../db/client';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../app/lib/realtime/events';
import type { ChatAck } from '../app/lib/chat/protocol';
import type { AppConfig } from '../app/lib/server/platform/config';
import type { Logger } from '../app/lib/server/platform/logger';
import { ChatRefusal, refusalAck } from '../app/lib/server/messaging/errors';
import { conversationIdSchema, conversationSummary, createConversation, listConversations, memberUserIds, setMuted } from '../app/lib/server/messaging/conversations';
import { addMembers, onMembershipChange, removeMember, syncPatientThreadMembers, type MembershipChange } from '../app/lib/server/messaging/members';
import { acceptMessage, retractMessage } from '../app/lib/server/messaging/messages';
import { loadHistory } from '../app/lib/server/messaging/history';
import { recordReceipt } from '../app/lib/server/messaging/receipts';
import { listContacts } from '../app/lib/server/messaging/contacts';
import { notificationSettingsOf, saveNotificationSettings, usersToNotify } from '../app/lib/server/messaging/notification-settings';
import { onAccessEvent } from '../app/lib/server/access/access-events';
import { RateLimiter } from '../app/lib/server/http/rate-limit';

type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface ChatHandlerDeps {
	db: Database;
	logger: Logger;
	config: AppConfig;
	/** Counts chat:send attempts per user; the process-wide one unless a test brings its own. */
	sendLimiter?: RateLimiter;
}

/**
 * chat:send attempts per user, across all their tabs: a person types far slower than 20 messages
 * in 10 seconds, and a script (or a stuck retry loop) that sends faster is stopped before each
 * attempt costs a signature check, a transaction and a fan-out. Refused attempts count too.
 */
export const chatSendLimit = { messages: 20, windowMs: 10_000 } as const;
const sendsByUser = new RateLimiter(chatSendLimit.messages, chatSendLimit.windowMs);

const userRoom = (userId: string) => `user:${userId}`;
const muteSchema = z.object({ conversationId: conversationIdSchema, muted: z.boolean() }).strict();
const emptySchema = z.object({}).strict();

export function registerChatHandlers(io: ChatServer, socket: ChatSocket, deps: ChatHandlerDeps): void {
	const { db, logger, config } = deps;
	const sendLimiter = deps.sendLimiter ?? sendsByUser;
	const actor = () => socket.data.actor;

	function handle<P, R extends object>(event: string, run: (payload: P) => Promise<R>) {
		return (payload: P, ack: (reply: ChatAck<R>) => void) => {
			const reply = typeof ack === 'function' ? ack : () => {};
			run(payload).then(
				(result) => reply({ ok: true, ...result }),
				(error: unknown) => {
					const refusal = refusalAck(error);
					if (refusal) {
						// Codes only: a refusal's cause is useful in the logs, its payload never is.
						if (refusal.code !== 'invalid') logger.debug({ event, code: refusal.code, userId: socket.data.userId }, 'chat request refused');
						return reply(refusal);
					}
					const err = error as Error;
					logger.error({ event, err: { name: err?.name, message: err?.message } }, 'chat handler failed');
					reply({ ok: false, error: 'Something went wrong on our side. Try again.', code: 'invalid' });
				}
			);
		};
	}
	const requireEmpty = (payload: unknown) => {
		if (!emptySchema.safeParse(payload ?? {}).success) throw new ChatRefusal('invalid', 'This request takes no details.');
	};
	const summaryFor = async (conversationId: string) => {
		const summary = await conversationSummary(db, conversationId, actor().userId);
		if (!summary) throw new ChatRefusal('not_member', 'You are not in this conversation.');
		return summary;
	};

	socket.on(
		'chat:conversations',
		handle('chat:conversations', async (payload) => {
			requireEmpty(payload);
			return { conversations: await listConversations(db, actor()) };
		})
	);

	socket.on('chat:contacts', handle('chat:contacts', async (payload) => ({ contacts: await listContacts(db, actor(), payload) })));

	socket.on(
		'chat:create',
		handle('chat:create', async (payload) => {
			const { conversation } = await createConversation(db, actor(), payload);
			return { conversation: await summaryFor(conversation.id) };
		})
	);

	socket.on(
		'chat:add-members',
		handle('chat:add-members', async (payload) => {
			const { conversation } = await addMembers(db, actor(), payload);
			return { conversation: await summaryFor(conversation.id) };
		})
	);

	socket.on(
		'chat:remove-member',
		handle('chat:remove-member', async (payload) => {
			const { conversation } = await removeMember(db, actor(), payload);
			// Leaving oneself: the ack still describes the conversation as it now is.
			const summary = (await conversationSummary(db, conversation.id, actor().userId)) ?? null;
			if (!summary) throw new ChatRefusal('not_member', 'You left this conversation.');
			return { conversation: summary };
		})
	);

	socket.on(
		'chat:send',
		handle('chat:send', async (payload) => {
			const wait = sendLimiter.hit(actor().userId);
			if (wait > 0) {
				throw new ChatRefusal('rate_limited', `You are sending messages faster than the clinic allows. Wait ${wait} second${wait === 1 ? '' : 's'} and send again.`);
			}
			const accepted = await acceptMessage(db, actor(), { claimedDeviceId: socket.data.chatDeviceId }, payload);
			io.to(accepted.memberIds.map(userRoom)).emit('chat:message', accepted.message);
			// Content-free alerts, after the message itself: a failure here never fails the send.
			usersToNotify(db, accepted.conversation, actor().userId)
				.then((userIds) => {
					if (userIds.length > 0) io.to(userIds.map(userRoom)).emit('chat:notify', { conversationId: accepted.conversation.id, kind: accepted.conversation.kind });
				})
				.catch((error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, 'chat notify failed'));
			return { message: accepted.message };
		})
	);

	socket.on('chat:history', handle('chat:history', async (payload) => loadHistory(db, actor(), payload)));

	socket.on(
		'chat:receipt',
		handle('chat:receipt', async (payload) => {
			const markers = await recordReceipt(db, actor(), payload);
			if (markers.moved) {
				io.to(markers.memberIds.map(userRoom)).emit('chat:receipt', {
					conversationId: markers.conversationId,
					userId: markers.userId,
					deliveredSeq: markers.deliveredSeq,
					readSeq: markers.readSeq
				});
			}
			return {};
		})
	);

	socket.on(
		'chat:retract',
		handle('chat:retract', async (payload) => {
			const retracted = await retractMessage(db, actor(), config.dataDir, payload);
			io.to(retracted.memberIds.map(userRoom)).emit('chat:retracted', { conversationId: retracted.conversationId, messageId: retracted.messageId });
			return {};
		})
	);

	socket.on(
		'chat:mute',
		handle('chat:mute', async (payload) => {
			const parsed = muteSchema.safeParse(payload);
			if (!parsed.success) throw new ChatRefusal('invalid', 'Say which conversation to mute or unmute.');
			await setMuted(db, actor(), parsed.data.conversationId, parsed.data.muted);
			// The person's other tabs follow.
			io.to(userRoom(actor().userId)).emit('chat:conversation', await summaryFor(parsed.data.conversationId));
			return {};
		})
	);

	socket.on(
		'chat:settings',
		handle('chat:settings', async (payload) => {
			requireEmpty(payload);
			return { settings: await notificationSettingsOf(db, actor().userId, actor().role) };
		})
	);

	socket.on('chat:save-settings', handle('chat:save-settings', async (payload) => ({ settings: await saveNotificationSettings(db, actor(), payload) })));
}

/**
 * Once per socket.io server: tells people of membership changes, whoever made them (a socket
 * handler, a care-team page, an access event), and re-derives patient threads when someone's
 * access to a patient ends. Returns the function that stops both.
 */
export function attachChatMembershipEvents(io: ChatServer, deps: Pick<ChatHandlerDeps, 'db' | 'logger'>): () => void {
	const { db, logger } = deps;
	const warn = (what: string) => (error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, what);

	const announce = async (change: MembershipChange) => {
		for (const userId of change.removed) io.to(userRoom(userId)).emit('chat:removed', { conversationId: change.conversationId });
		const members = await memberUserIds(db, change.conversationId);
		// Each member's own view (titles and unread counts differ per person).
		await Promise.all(
			members.map(async (userId) => {
				const summary = await conversationSummary(db, change.conversationId, userId);
				if (summary) io.to(userRoom(userId)).emit('chat:conversation', summary);
			})
		);
	};
	const stopMembership = onMembershipChange((change) => {
		announce(change).catch(warn('chat membership announcement failed'));
	});
	const stopAccess = onAccessEvent((event) => {
		if (event.kind !== 'access-revoked') return;
		syncPatientThreadMembers(db, event.patientId).catch(warn('patient thread membership sync failed'));
	});
	return () => {
		stopMembership();
		stopAccess();
	};
}
