import type { Extension, onChangePayload, onDisconnectPayload } from '@hocuspocus/server';
import type { Database } from '../../db/client';
import type { Logger } from '../../app/lib/server/platform/logger';
import { recordAuditEvent } from '../../app/lib/server/audit/audit-log';
import { parseDocumentName } from '../../app/lib/collab/document-names';
import type { CollabContext } from '../context';

interface Session {
	changes: number;
	firstAt: number;
}

/**
 * Audits writes. Opening a document is audited by the access module (AuthExtension); each
 * keystroke is attributed in the document log; the audit trail gets one `collab.change` event
 * per person and document per window (the first change, then a count), so the trail shows who
 * changed which record when without one row per keystroke.
 */
export class AuditExtension implements Extension {
	// Last: it only records what the others let through.
	priority = 100;
	private readonly sessions = new Map<string, Session>();

	constructor(
		private readonly db: Database,
		private readonly logger: Logger,
		private readonly windowMs = 5 * 60_000
	) {}

	async onChange({ context, documentName, connection, transactionOrigin }: onChangePayload<CollabContext>): Promise<void> {
		// Direct (server-side) writers audit their own actions in their domain module.
		if (!connection || !context?.actor || !context.patientId) return;
		void transactionOrigin;
		const key = `${context.actor.sessionId}\u0000${documentName}`;
		const now = Date.now();
		const session = this.sessions.get(key);
		if (session && now - session.firstAt < this.windowMs) {
			session.changes += 1;
			return;
		}
		this.sessions.set(key, { changes: 1, firstAt: now });
		if (session) await this.write(context, documentName, `${session.changes} changes`);
		await this.write(context, documentName, 'editing started');
	}

	async onDisconnect({ context, documentName }: onDisconnectPayload<CollabContext>): Promise<void> {
		if (!context?.actor) return;
		const key = `${context.actor.sessionId}\u0000${documentName}`;
		const session = this.sessions.get(key);
		if (!session) return;
		this.sessions.delete(key);
		await this.write(context, documentName, `${session.changes} changes`);
	}

	private async write(context: CollabContext, documentName: string, reason: string): Promise<void> {
		const ref = parseDocumentName(documentName);
		try {
			await recordAuditEvent(this.db, context.actor!, {
				action: 'collab.change',
				outcome: 'success',
				patientId: context.patientId ?? null,
				resourceType: ref?.kind ?? 'document',
				resourceId: documentName.slice(documentName.indexOf(':') + 1),
				reason
			});
		} catch (error) {
			// The change itself is in the attributed log; an unreachable database must not fail editing.
			this.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'collab audit event not written');
		}
	}
}
