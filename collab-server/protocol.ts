import * as decoding from 'lib0/decoding';

/** Hocuspocus message types (packages/server/src/types.ts), the ones this server looks at. */
export const messageTypes = { sync: 0, syncReply: 4, syncStatus: 8 } as const;
/** y-protocols sync message types. */
const syncStep2 = 1;
const syncUpdate = 2;

export class MalformedFrame extends Error {
	constructor(message = 'The message could not be read.') {
		super(message);
		this.name = 'MalformedFrame';
	}
}

export interface FrameHeader {
	/** The document the frame is about (the part before a provider's `\0sessionId`). */
	documentName: string;
	type: number;
}

export function readFrameHeader(frame: Uint8Array): FrameHeader {
	try {
		const decoder = decoding.createDecoder(frame);
		const address = decoding.readVarString(decoder);
		const type = decoding.readVarUint(decoder);
		const separator = address.indexOf('\0');
		return { documentName: separator === -1 ? address : address.slice(0, separator), type };
	} catch {
		throw new MalformedFrame();
	}
}

/**
 * The Yjs update a client frame carries (sync step 2 or an update message), or null for frames
 * that change nothing (awareness, sync step 1, stateless, auth…). Throws MalformedFrame when
 * the frame cannot be read, so a garbage frame closes the connection instead of reaching Yjs.
 */
export function readClientUpdate(frame: Uint8Array): Uint8Array | null {
	try {
		const decoder = decoding.createDecoder(frame);
		decoding.readVarString(decoder);
		const type = decoding.readVarUint(decoder);
		if (type !== messageTypes.sync && type !== messageTypes.syncReply) return null;
		const syncType = decoding.readVarUint(decoder);
		if (syncType !== syncStep2 && syncType !== syncUpdate) return null;
		return decoding.readVarUint8Array(decoder);
	} catch {
		throw new MalformedFrame();
	}
}
