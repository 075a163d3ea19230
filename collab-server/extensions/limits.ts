import type { Extension, beforeHandleMessagePayload } from '@hocuspocus/server';
import { MalformedFrame, readClientUpdate } from '../protocol';
import type { CollabContext } from '../context';

export interface CollabLimits {
	/** Largest single update a client may send, in bytes (default 1 MB). */
	maxUpdateBytes: number;
	/** Largest a document may grow, in bytes of stored state (default 20 MB). */
	maxDocumentBytes: number;
}

/** Close code for "message too big" (RFC 6455), with the reason in words. */
const messageTooBig = 1009;
/** Close code for an unreadable frame ("unsupported data"). */
const unsupportedData = 1003;

/**
 * Refuses frames that cannot be read, single updates over the update limit and updates that
 * would take a document over the document limit. A refusal closes that document's connection
 * with the reason before the update reaches the document, so the document is untouched.
 */
export class LimitsExtension implements Extension {
	// Right after authorization: the cheapest checks, before any update is decoded.
	priority = 950;

	constructor(
		private readonly limits: CollabLimits,
		private readonly documentBytes: (documentName: string) => number
	) {}

	async beforeHandleMessage({ update: frame, documentName }: beforeHandleMessagePayload<CollabContext>): Promise<void> {
		let update: Uint8Array | null;
		try {
			update = readClientUpdate(frame);
		} catch (error) {
			if (error instanceof MalformedFrame) throw { code: unsupportedData, reason: error.message };
			throw error;
		}
		if (update === null) return;
		if (update.byteLength > this.limits.maxUpdateBytes) {
			throw { code: messageTooBig, reason: `A single change may not be larger than ${formatBytes(this.limits.maxUpdateBytes)}.` };
		}
		if (this.documentBytes(documentName) + update.byteLength > this.limits.maxDocumentBytes) {
			throw { code: messageTooBig, reason: `This document has reached its size limit of ${formatBytes(this.limits.maxDocumentBytes)}.` };
		}
	}
}

export function formatBytes(bytes: number): string {
	return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}
