import { and, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { chatAttachments, chatClinicSettings, chatMessages } from '../../../../db/schema/index';
import type { Logger } from '../platform/logger';
import { recordAuditEvent } from '../audit/audit-log';
import { deleteAttachmentFiles } from './attachment-store';

/**
 * The clinic's retention period for messages (chat_clinic_settings.retention_days; none keeps
 * them). A sweep deletes messages older than the period with their attachments, and uploads
 * never sent within a day. Rows go first, in one transaction, then the files: a file whose
 * removal fails is ciphertext nothing refers to, never a message pointing at nothing.
 */

export const unsentUploadTtlMs = 24 * 3600_000;
const batchSize = 1000;

export interface PurgeResult {
	messages: number;
	attachments: number;
}

export async function retentionDays(db: Pick<Database, 'select'>): Promise<number | null> {
	const [row] = await db.select({ days: chatClinicSettings.retentionDays }).from(chatClinicSettings).limit(1);
	return row?.days ?? null;
}

export async function purgeExpiredMessages(db: Database, dataDir: string, now = new Date()): Promise<PurgeResult> {
	const days = await retentionDays(db);
	const cutoff = days !== null && days > 0 ? new Date(now.getTime() - days * 86_400_000) : null;
	const unsentBefore = new Date(now.getTime() - unsentUploadTtlMs);
	const result: PurgeResult = { messages: 0, attachments: 0 };
	for (;;) {
		const batch = await db.transaction(async (transaction) => {
			const tx = transaction as unknown as Database;
			const expired = cutoff
				? await tx.select({ id: chatMessages.id }).from(chatMessages).where(lt(chatMessages.createdAt, cutoff)).limit(batchSize)
				: [];
			const expiredIds = expired.map((m) => m.id);
			const files = await tx
				.delete(chatAttachments)
				.where(
					or(
						expiredIds.length > 0 ? inArray(chatAttachments.messageId, expiredIds) : undefined,
						and(isNull(chatAttachments.messageId), lt(chatAttachments.createdAt, unsentBefore)),
						// Attachments of messages older than the period that slipped past a batch.
						cutoff ? lt(chatAttachments.createdAt, cutoff) : undefined
					)
				)
				.returning({ id: chatAttachments.id });
			if (expiredIds.length > 0) await tx.delete(chatMessages).where(inArray(chatMessages.id, expiredIds));
			if (expiredIds.length > 0 || files.length > 0) {
				await recordAuditEvent(tx, null, {
					action: 'chat.retention_purge',
					outcome: 'success',
					resourceType: 'conversation',
					reason: `messages=${expiredIds.length}; attachments=${files.length}; retention_days=${days ?? 'none'}`
				});
			}
			return { messages: expiredIds.length, files: files.map((f) => f.id) };
		});
		if (batch.files.length > 0) await deleteAttachmentFiles(dataDir, batch.files);
		result.messages += batch.messages;
		result.attachments += batch.files.length;
		if (batch.messages < batchSize) break;
	}
	return result;
}

export interface RetentionWorker {
	/** One sweep now; sweeps never overlap. */
	tick(): Promise<PurgeResult>;
	stop(): Promise<void>;
}

export function startRetentionWorker(options: { db: Database; logger: Logger; dataDir: string; intervalMs: number; now?: () => Date }): RetentionWorker {
	const { db, logger, dataDir, intervalMs } = options;
	const now = options.now ?? (() => new Date());
	let timer: ReturnType<typeof setTimeout> | undefined;
	let running: Promise<PurgeResult> | undefined;
	let stopped = false;
	const tick = (): Promise<PurgeResult> => {
		running ??= purgeExpiredMessages(db, dataDir, now()).finally(() => {
			running = undefined;
		});
		return running;
	};
	const loop = () => {
		if (stopped) return;
		tick()
			.then((result) => {
				if (result.messages + result.attachments > 0) logger.info({ ...result }, 'chat retention sweep');
			})
			.catch((error: Error) => logger.error({ err: { name: error.name, message: error.message } }, 'chat retention sweep failed'))
			.finally(() => {
				if (stopped) return;
				timer = setTimeout(loop, intervalMs);
				timer.unref?.();
			});
	};
	// The first sweep waits one interval: the server has just started and has other work first.
	timer = setTimeout(loop, intervalMs);
	timer.unref?.();
	return {
		tick,
		async stop() {
			stopped = true;
			if (timer) clearTimeout(timer);
			await running?.catch(() => undefined);
		}
	};
}
