/**
 * The browser's side of a document's history (the API is app/routes/api/collab/): reading the
 * list of changes, fetching one version, restoring it, and folding the list into what a person
 * reads — who changed what, minute by minute.
 */
export type HistoryOrigin = 'client' | 'server' | 'seed' | 'restore';

export interface HistoryEntry {
	seq: number;
	authorName: string | null;
	authorRole: string | null;
	origin: HistoryOrigin;
	parts: string[];
	at: string;
	/** The server may already fold a run of changes into one entry: its first row and count. */
	fromSeq?: number;
	changes?: number;
}

export interface HistoryPage {
	entries: HistoryEntry[];
	nextBefore: number | null;
}

/** Consecutive changes by one author within one minute, read as one line. */
export interface HistoryGroup {
	/** The version right after the group's last change (what "View" shows). */
	seq: number;
	/** The version right before the group's first change. */
	firstSeq: number;
	authorName: string | null;
	authorRole: string | null;
	origin: HistoryOrigin;
	parts: string[];
	/** The latest change in the group. */
	at: string;
	changes: number;
}

/** Entries come newest first; so do the groups. */
export function groupHistory(entries: readonly HistoryEntry[]): HistoryGroup[] {
	const groups: HistoryGroup[] = [];
	for (const entry of entries) {
		const last = groups[groups.length - 1];
		if (last && last.authorName === entry.authorName && last.origin === entry.origin && minuteOf(last.at) === minuteOf(entry.at)) {
			last.firstSeq = Math.min(last.firstSeq, entry.fromSeq ?? entry.seq);
			last.seq = Math.max(last.seq, entry.seq);
			for (const part of entry.parts) if (!last.parts.includes(part)) last.parts.push(part);
			last.changes += entry.changes ?? 1;
			continue;
		}
		groups.push({
			seq: entry.seq,
			firstSeq: entry.fromSeq ?? entry.seq,
			authorName: entry.authorName,
			authorRole: entry.authorRole,
			origin: entry.origin,
			parts: [...entry.parts],
			at: entry.at,
			changes: entry.changes ?? 1
		});
	}
	return groups;
}

function minuteOf(iso: string): string {
	return iso.slice(0, 16);
}

/** A failure told in words a clinician can act on. */
export class HistoryError extends Error {}

export async function fetchHistory(documentName: string, before: number | null, fetcher: typeof fetch = fetch): Promise<HistoryPage> {
	const query = new URLSearchParams({ document: documentName });
	if (before !== null) query.set('before', String(before));
	const response = await request(fetcher, `/api/collab/history?${query}`, { headers: { accept: 'application/json' } }, 'The history could not be loaded');
	return (await response.json()) as HistoryPage;
}

/** The document as it was right after change `seq`, as a Yjs update. */
export async function fetchVersion(documentName: string, seq: number, fetcher: typeof fetch = fetch): Promise<Uint8Array> {
	const query = new URLSearchParams({ document: documentName, seq: String(seq) });
	const response = await request(fetcher, `/api/collab/version?${query}`, {}, 'That version could not be loaded');
	return new Uint8Array(await response.arrayBuffer());
}

export async function restoreVersion(documentName: string, seq: number, fetcher: typeof fetch = fetch): Promise<void> {
	await request(
		fetcher,
		'/api/collab/restore',
		{ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ document: documentName, seq }) },
		'The version was not restored'
	);
}

async function request(fetcher: typeof fetch, url: string, init: RequestInit, failure: string): Promise<Response> {
	let response: Response;
	try {
		response = await fetcher(url, init);
	} catch {
		throw new HistoryError(`${failure}: the clinic’s server could not be reached. Check your connection and try again.`);
	}
	if (response.ok) return response;
	throw new HistoryError(`${failure}: ${await reasonOf(response)}`);
}

async function reasonOf(response: Response): Promise<string> {
	let message: string | null = null;
	try {
		const body: unknown = await response.json();
		if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') message = body.message;
	} catch {
		// Not JSON: fall back to the status.
	}
	if (response.status === 401) return 'your session has ended. Sign in again.';
	if (response.status === 403) return message ?? 'you do not have access to this document.';
	if (response.status === 404) return message ?? 'it no longer exists.';
	if (response.status === 503) return message ?? 'the server cannot reach the database right now. Try again in a moment.';
	return message ?? 'the server ran into a problem. Try again in a moment.';
}
