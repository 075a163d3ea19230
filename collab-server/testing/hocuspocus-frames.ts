/**
 * Hocuspocus wire frames built by hand (what @hocuspocus/provider sends), for tests that speak
 * the protocol without a provider: fuzzing, and benchmarks that hold thousands of connections.
 * A frame is: varString document address, varUint message type, then the type's payload.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

export const frameTypes = {
	sync: 0,
	awareness: 1,
	auth: 2,
	queryAwareness: 3,
	syncReply: 4,
	stateless: 5,
	broadcastStateless: 6,
	close: 7,
	syncStatus: 8,
	ping: 9,
	pong: 10
} as const;
export const syncTypes = { step1: 0, step2: 1, update: 2 } as const;
export const authTypes = { token: 0, permissionDenied: 1, authenticated: 2 } as const;

function frame(documentName: string, type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarString(encoder, documentName);
	encoding.writeVarUint(encoder, type);
	write(encoder);
	return encoding.toUint8Array(encoder);
}

/** The first frame for a document on a socket: opens (authorizes) it. */
export function authFrame(documentName: string, token = ''): Uint8Array {
	return frame(documentName, frameTypes.auth, (e) => {
		encoding.writeVarUint(e, authTypes.token);
		encoding.writeVarString(e, token);
	});
}

export function syncStep1Frame(documentName: string, stateVector: Uint8Array): Uint8Array {
	return frame(documentName, frameTypes.sync, (e) => {
		encoding.writeVarUint(e, syncTypes.step1);
		encoding.writeVarUint8Array(e, stateVector);
	});
}

export function updateFrame(documentName: string, update: Uint8Array, syncType: number = syncTypes.update): Uint8Array {
	return frame(documentName, frameTypes.sync, (e) => {
		encoding.writeVarUint(e, syncType);
		encoding.writeVarUint8Array(e, update);
	});
}

export function awarenessFrame(documentName: string, awarenessUpdate: Uint8Array): Uint8Array {
	return frame(documentName, frameTypes.awareness, (e) => encoding.writeVarUint8Array(e, awarenessUpdate));
}

export function statelessFrame(documentName: string, payload: string): Uint8Array {
	return frame(documentName, frameTypes.stateless, (e) => encoding.writeVarString(e, payload));
}

/** Any type with raw bytes after it (wrong types, garbage payloads). */
export function rawFrame(documentName: string, type: number, payload: Uint8Array): Uint8Array {
	return frame(documentName, type, (e) => encoding.writeUint8Array(e, payload));
}

export interface ServerFrame {
	documentName: string;
	type: number;
	/** For auth frames: authenticated / permission denied, and the scope or reason. */
	auth?: { type: number; text: string };
	/** For sync frames: the sync message type. */
	syncType?: number;
	/** For sync step 2 / update frames: the update. */
	update?: Uint8Array;
	/** For sync status frames: applied or not. */
	applied?: boolean;
	/** For close frames and stateless frames: the text. */
	text?: string;
}

/** Reads what the server sent (enough for tests; throws on frames it cannot read). */
export function readServerFrame(data: Uint8Array): ServerFrame {
	const decoder = decoding.createDecoder(data);
	const documentName = decoding.readVarString(decoder);
	const type = decoding.readVarUint(decoder);
	const result: ServerFrame = { documentName, type };
	if (type === frameTypes.auth) {
		const authType = decoding.readVarUint(decoder);
		result.auth = { type: authType, text: decoding.hasContent(decoder) ? decoding.readVarString(decoder) : '' };
	} else if (type === frameTypes.sync || type === frameTypes.syncReply) {
		result.syncType = decoding.readVarUint(decoder);
		if (result.syncType !== syncTypes.step1) result.update = decoding.readVarUint8Array(decoder);
	} else if (type === frameTypes.syncStatus) {
		result.applied = decoding.readVarInt(decoder) === 1;
	} else if (type === frameTypes.close || type === frameTypes.stateless) {
		result.text = decoding.readVarString(decoder);
	}
	return result;
}
