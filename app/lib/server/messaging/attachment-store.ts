import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/**
 * Encrypted attachment files on disk: DATA_DIR/chat-attachments/<uuid>. The bytes are
 * ciphertext made in the sender's browser; this module only moves them. A file is written to a
 * temporary name, flushed, and renamed once complete, so a reader never sees half a file and a
 * failed or oversized upload leaves nothing behind.
 */

export class AttachmentTooLarge extends Error {
	constructor(readonly limitBytes: number) {
		super(`The attachment is larger than the ${Math.floor(limitBytes / (1024 * 1024))} MB limit.`);
		this.name = 'AttachmentTooLarge';
	}
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function attachmentDirectory(dataDir: string): string {
	return path.join(dataDir, 'chat-attachments');
}

/** Only a UUID names a file, so no id can reach outside the directory. */
export function attachmentPath(dataDir: string, id: string): string {
	if (!uuidPattern.test(id)) throw new TypeError('An attachment id is a UUID.');
	return path.join(attachmentDirectory(dataDir), id.toLowerCase());
}

type Source = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

function iterableOf(source: Source): AsyncIterable<Uint8Array> {
	if (Symbol.asyncIterator in source) return source as AsyncIterable<Uint8Array>;
	return Readable.fromWeb(source as unknown as NodeReadableStream<Uint8Array>);
}

/**
 * Streams `source` to the attachment's file, at most `maxBytes` (AttachmentTooLarge beyond it).
 * Past the cap nothing more is written, but up to `maxBytes` more is read and discarded, so the
 * client has sent its body and sees the 413 instead of a reset connection; a body larger still
 * is cut off. Returns the size.
 */
export async function writeAttachmentFile(dataDir: string, id: string, source: Source, maxBytes: number): Promise<number> {
	const finalPath = attachmentPath(dataDir, id);
	await mkdir(attachmentDirectory(dataDir), { recursive: true, mode: 0o700 });
	const temporary = path.join(attachmentDirectory(dataDir), `.${id}.${randomUUID()}.part`);
	const handle = await open(temporary, 'wx', 0o600);
	let size = 0;
	let closed = false;
	try {
		for await (const chunk of iterableOf(source)) {
			size += chunk.byteLength;
			if (size > maxBytes * 2) break;
			if (size > maxBytes) continue;
			await handle.write(chunk);
		}
		if (size > maxBytes) throw new AttachmentTooLarge(maxBytes);
		// The upload is acknowledged only once its bytes are on disk.
		await handle.sync();
		await handle.close();
		closed = true;
		await rename(temporary, finalPath);
		return size;
	} catch (error) {
		if (!closed) await handle.close().catch(() => {});
		await rm(temporary, { force: true });
		throw error;
	}
}

/** Reads and discards a refused body (up to `maxBytes`), so the client sees the answer rather than a reset. */
export async function discardBody(source: Source, maxBytes: number): Promise<void> {
	let size = 0;
	for await (const chunk of iterableOf(source)) {
		size += chunk.byteLength;
		if (size > maxBytes) break;
	}
}

export async function openAttachmentFile(dataDir: string, id: string): Promise<{ size: number; stream: ReadStream } | null> {
	const file = attachmentPath(dataDir, id);
	try {
		const info = await stat(file);
		return { size: info.size, stream: createReadStream(file) };
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw error;
	}
}

/** Removes these attachments' files (retention, cancelled uploads); a missing file is not an error. */
export async function deleteAttachmentFiles(dataDir: string, ids: readonly string[]): Promise<number> {
	let removed = 0;
	for (const id of ids) {
		if (!uuidPattern.test(id)) continue;
		const file = attachmentPath(dataDir, id);
		try {
			await rm(file);
			removed += 1;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
	}
	return removed;
}
