/**
 * socket.io event names and payloads, shared by the server (server/realtime.ts) and the browser.
 * One map per direction; emit and on are typed from these, never from strings.
 */
import type { Actor } from '../server/access/actor';
import { chatClientEventNames, type ChatClientToServerEvents, type ChatServerToClientEvents } from './chat-events';
import { scheduleClientEventNames, type ScheduleClientToServerEvents, type ScheduleServerToClientEvents } from './schedule-events';
import { consultClientEventNames, type ConsultClientToServerEvents, type ConsultServerToClientEvents } from './consult-events';

/** Someone with a chart open, as the other viewers see them. */
export interface ChartViewer {
	userId: string;
	displayName: string;
}

/** An in-app notification as the bell and the notifications page show it. */
export interface NotificationSummary {
	id: string;
	kind: string;
	title: string;
	body: string;
	/** A path inside the app, or null. */
	link: string | null;
	createdAt: string;
	read: boolean;
}

/** Answer to a request that can be refused: the refusal is a sentence for the person. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: string };

/**
 * The handshake's refusal when the cookie has no live session. The browser tells it apart from a
 * network error by this text (a refused socket means "signed out", not "try again").
 */
export const sessionRefusedMessage = 'Sign in first.';

export interface ServerToClientEvents extends ChatServerToClientEvents, ScheduleServerToClientEvents, ConsultServerToClientEvents {
	/** The session ended (signed out elsewhere, expired, revoked): the page should go to sign-in. */
	'session:ended': (payload: { reason: string }) => void;
	/** Who has this patient's chart open now (sent to everyone in the chart's room on each change). */
	'chart:viewers': (payload: { patientId: string; viewers: ChartViewer[] }) => void;
	/**
	 * Access to this patient's record ended (a share revoked, an emergency access ended). The
	 * socket has left the patient's rooms; a socket that had joined one is then disconnected.
	 */
	'access:revoked': (payload: { patientId: string; message: string }) => void;
	/** A notification for the signed-in person (sent to their room `user:<id>`, every tab). */
	'notification:new': (payload: NotificationSummary) => void;
}

export interface ClientToServerEvents extends ChatClientToServerEvents, ScheduleClientToServerEvents, ConsultClientToServerEvents {
	/** Liveness check with acknowledgement; also lets a test see the socket is authenticated. */
	'presence:ping': (ack: (reply: { userId: string; at: string }) => void) => void;
	/** Open a chart: checked by the access module, then joins room `patient:<id>`. */
	'chart:join': (payload: { patientId: string }, ack: (reply: Ack<{ viewers: ChartViewer[] }>) => void) => void;
	/** Close a chart: leaves the room; the other viewers get a new list. */
	'chart:leave': (payload: { patientId: string }, ack?: (reply: Ack) => void) => void;
}

export interface InterServerEvents {}

export interface SocketData {
	userId: string;
	/** The chat device this socket acts for, once claimed (keys:claim-device); null before. */
	chatDeviceId?: string | null;
	role: string;
	/** Built once at the handshake from the session, like locals.actor for a request. */
	actor: Actor;
}

/**
 * The client → server event names at run time (the interface above is types only), for tests
 * that walk every event, such as the access matrix (server/access-matrix.int.test.ts).
 */
export const clientEventNames = ['presence:ping', 'chart:join', 'chart:leave', ...chatClientEventNames, ...scheduleClientEventNames, ...consultClientEventNames] as const satisfies readonly (keyof ClientToServerEvents)[];
/** Does not compile while an event of ClientToServerEvents is missing from clientEventNames. */
export const clientEventNamesComplete: [Exclude<keyof ClientToServerEvents, (typeof clientEventNames)[number]>] extends [never] ? true : never = true;
