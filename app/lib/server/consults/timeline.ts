/**
 * The visit's timeline: what happened in a consult, in order (created, waiting, admitted,
 * joined, left, shared, consent, recording, ended). Written inside the transaction of the change
 * it describes, so the record and the timeline never disagree. `detail` never holds PHI: ids,
 * roles and reasons only — never a message's text or a name.
 *
 * Reads are for callers that have already authorized the consult (visit history, the call page).
 */
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { consultEvents, type ConsultEvent, type ConsultEventKind } from '../../../../db/schema/index';

export type { ConsultEvent, ConsultEventKind };

export interface ConsultEventInput {
	consultId: string;
	kind: ConsultEventKind;
	userId?: string | null;
	/** 'app' for what the app saw itself; 'livekit' for a verified webhook. */
	source?: 'app' | 'livekit';
	detail?: Record<string, string | number | boolean | null>;
	/** When it happened, if not now (a webhook's own time). */
	at?: Date;
}

export async function recordConsultEvent(db: Database, event: ConsultEventInput): Promise<ConsultEvent> {
	const [row] = await db
		.insert(consultEvents)
		.values({
			consultId: event.consultId,
			kind: event.kind,
			userId: event.userId ?? null,
			source: event.source ?? 'app',
			detail: event.detail ?? {},
			...(event.at ? { at: event.at } : {})
		})
		.returning();
	return row!;
}

/** The consult's events, oldest first. The caller has authorized the consult. */
export async function listConsultEvents(db: Database, consultId: string): Promise<ConsultEvent[]> {
	return db.select().from(consultEvents).where(eq(consultEvents.consultId, consultId)).orderBy(asc(consultEvents.at), asc(consultEvents.id));
}
