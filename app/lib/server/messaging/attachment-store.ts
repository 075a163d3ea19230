import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';

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
 * Streams `source` to the attachment's file, at most `maxBytes` (AttachmentTooLarge beyond it,
 * thrown as soon as the count passes the cap, not after reading everything). Returns the size.
 */
export async function writeAttachmentFile(dataDir: string, id: string, source: Source, maxBytes: number): Promise<number> {
	const finalPath = attachmentPath(dataDir, id);
	await mkdir(attachmentDirectory(dataDir), { recursive: true, mode: 0o700 });
	const temporary = path.join(attachmentDirectory(dataDir), `.${id}.${randomUUID()}.part`);
	let size = 0;
	async function* capped(input: AsyncIterable<Uint8Array>) {
		for await (const chunk of input) {
			size += chunk.byteLength;
			if (size > maxBytes) throw new AttachmentTooLarge(maxBytes);
			yield chunk;
		}
	}
	try {
		await pipeline(capped(iterableOf(source)), createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
		// The upload is acknowledged only once its bytes are on disk.
		const handle = await open(temporary, 'r');
		try {
			await handle.sync();
		} finally {
			await handle.close();
		}
		await rename(temporary, finalPath);
		return size;
	} catch (error) {
		await rm(temporary, { force: true });
		throw error;
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
