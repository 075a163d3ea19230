/**
 * Attachments: encrypted in the browser (crypto_secretstream in 64 KiB chunks, H1's
 * attachment-stream), uploaded as ciphertext with progress, downloaded and checked against the
 * hash the message carries, and previewed only after decryption. The server never sees a name,
 * a type or a byte of the file.
 */
import { decryptAttachment, encryptAttachment } from '$lib/chat/crypto';
import type { AttachmentReference } from '$lib/chat/protocol';
import type { DownloadProgress } from './types';

/** Defaults to the server's CHAT_MAX_ATTACHMENT_MB default; the server remains the authority. */
export const defaultMaxAttachmentBytes = 100 * 1024 * 1024;

export type PreviewKind = 'image' | 'pdf' | 'none';

// Raster images only: an SVG is a document with its own scripts and links.
const imageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

/** What the UI can show inline; DICOM and everything else get a download button only. */
export function previewKind(contentType: string): PreviewKind {
	const type = contentType.toLowerCase().split(';')[0]!.trim();
	if (imageTypes.has(type)) return 'image';
	if (type === 'application/pdf') return 'pdf';
	return 'none';
}

/** The file's own type, or a guess from its name for browsers that leave it empty (DICOM usually). */
export function attachmentContentType(file: { name: string; type: string }): string {
	if (file.type) return file.type;
	const extension = file.name.toLowerCase().split('.').pop() ?? '';
	const byExtension: Record<string, string> = {
		dcm: 'application/dicom',
		pdf: 'application/pdf',
		png: 'image/png',
		jpg: 'image/jpeg',
		jpeg: 'image/jpeg',
		txt: 'text/plain'
	};
	return byExtension[extension] ?? 'application/octet-stream';
}

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export interface UploadProgress {
	phase: 'encrypting' | 'uploading';
	/** 0..1 */
	fraction: number;
}

export class AttachmentError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AttachmentError';
	}
}

/**
 * Encrypts a file and uploads the ciphertext to the conversation. Resolves with the reference
 * that goes inside the message (key, header and hash travel only there, encrypted).
 */
export async function uploadAttachment(
	conversationId: string,
	file: File,
	onProgress: (progress: UploadProgress) => void = () => {},
	maxBytes = defaultMaxAttachmentBytes
): Promise<AttachmentReference> {
	if (file.size > maxBytes) throw new AttachmentError(`Attachments can be at most ${Math.floor(maxBytes / (1024 * 1024))} MB.`);
	onProgress({ phase: 'encrypting', fraction: 0 });
	const encrypted = await encryptAttachment(file.stream(), (done) => onProgress({ phase: 'encrypting', fraction: file.size === 0 ? 1 : Math.min(1, done / file.size) }));
	const body = new Blob(encrypted.ciphertext as BlobPart[], { type: 'application/octet-stream' });
	const { attachmentId } = await postWithProgress(`/api/chat/attachments?conversationId=${encodeURIComponent(conversationId)}`, body, (fraction) =>
		onProgress({ phase: 'uploading', fraction })
	);
	return {
		attachmentId,
		name: file.name.slice(0, 255) || 'attachment',
		contentType: attachmentContentType(file),
		size: encrypted.size,
		key: encrypted.key,
		header: encrypted.header,
		hash: encrypted.hash
	};
}

/** XMLHttpRequest, because fetch reports no upload progress in most browsers. */
function postWithProgress(url: string, body: Blob, onFraction: (fraction: number) => void): Promise<{ attachmentId: string }> {
	return new Promise((resolve, reject) => {
		const request = new XMLHttpRequest();
		request.open('POST', url);
		request.setRequestHeader('content-type', 'application/octet-stream');
		request.upload.onprogress = (event) => {
			if (event.lengthComputable && event.total > 0) onFraction(event.loaded / event.total);
		};
		request.onload = () => {
			const reply = parseJson(request.responseText);
			if (request.status >= 200 && request.status < 300 && typeof reply?.attachmentId === 'string') {
				onFraction(1);
				resolve({ attachmentId: reply.attachmentId });
			} else {
				reject(new AttachmentError(errorSentence(reply, request.status, 'The attachment could not be uploaded.')));
			}
		};
		request.onerror = () => reject(new AttachmentError('The attachment could not be uploaded: the connection failed.'));
		request.onabort = () => reject(new AttachmentError('The upload was cancelled.'));
		request.send(body);
	});
}

function parseJson(text: string): Record<string, unknown> | null {
	try {
		const value: unknown = JSON.parse(text);
		return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
	} catch {
		return null;
	}
}

function errorSentence(reply: Record<string, unknown> | null, status: number, fallback: string): string {
	const text = typeof reply?.error === 'string' ? reply.error : typeof reply?.message === 'string' ? reply.message : null;
	if (text) return text;
	if (status === 413) return 'The attachment is too large.';
	if (status === 403) return 'You may not access this attachment.';
	if (status === 404) return 'The attachment is no longer available.';
	return fallback;
}

export function attachmentDownloadUrl(attachmentId: string): string {
	return `/api/chat/attachments/${encodeURIComponent(attachmentId)}`;
}

/** Downloads the ciphertext (counting bytes as they arrive), decrypts and checks it. */
export async function downloadAttachment(ref: AttachmentReference, onProgress: (progress: DownloadProgress) => void = () => {}): Promise<Blob> {
	const response = await fetch(attachmentDownloadUrl(ref.attachmentId), { credentials: 'same-origin' });
	if (!response.ok) {
		throw new AttachmentError(errorSentence(parseJson(await response.text().catch(() => '')), response.status, 'The attachment could not be downloaded.'));
	}
	const declared = Number(response.headers.get('content-length')) || null;
	const chunks: Uint8Array[] = [];
	let received = 0;
	if (response.body) {
		const reader = response.body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			received += value.length;
			if (declared) onProgress({ phase: 'downloading', fraction: Math.min(1, received / declared) });
		}
	} else {
		const bytes = new Uint8Array(await response.arrayBuffer());
		chunks.push(bytes);
		received = bytes.length;
	}
	onProgress({ phase: 'decrypting', fraction: 0 });
	const ciphertext = concat(chunks, received);
	let plaintext: Uint8Array;
	try {
		plaintext = decryptAttachment(ciphertext, ref.key, ref.header, ref.hash, (done, total) =>
			onProgress({ phase: 'decrypting', fraction: total ? Math.min(1, done / total) : 0 })
		);
	} catch {
		throw new AttachmentError('The attachment could not be decrypted: it was altered or is incomplete.');
	}
	onProgress({ phase: 'decrypting', fraction: 1 });
	return new Blob([plaintext as BlobPart], { type: previewKind(ref.contentType) === 'none' ? 'application/octet-stream' : ref.contentType });
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
	if (chunks.length === 1) return chunks[0]!;
	const out = new Uint8Array(length);
	let at = 0;
	for (const chunk of chunks) {
		out.set(chunk, at);
		at += chunk.length;
	}
	return out;
}

/** Saves a decrypted attachment through the browser's download, under its original name. */
export function saveBlob(blob: Blob, name: string): void {
	const url = URL.createObjectURL(blob);
	const link = document.createElement('a');
	link.href = url;
	link.download = name;
	link.rel = 'noopener';
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** An object URL for an image preview; revoke it when the preview goes. */
export function imagePreviewUrl(blob: Blob): string {
	return URL.createObjectURL(blob);
}

export { renderPdfPreview } from './pdf-preview';
